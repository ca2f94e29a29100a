package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"strings"

	"golang.org/x/arch/arm64/arm64asm"
	"golang.org/x/arch/x86/x86asm"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader/maps"
)

// cmdDisasm compiles a program and prints every eBPF instruction followed
// by the native instructions generated for it, decoded from the machine
// code with golang.org/x/arch.
func cmdDisasm(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("disasm", "[--arch amd64|arm64|ebpf] [-O0|-O2] [--program NAME] [--btf FILE] FILE")
	core := newBTFFlag(fs)
	arch := fs.String("arch", runtime.GOARCH, "target: amd64, arm64, or ebpf for the bytecode alone")
	program := fs.String("program", "", "program of an ELF object (needed when it has several)")
	opt := optFlags(fs)
	file, err := parseOneFile(fs, args, stderr, "program file")
	if err != nil {
		return err
	}
	var in *input
	var valueSizes []uint32
	var mapSpecs []*maps.Spec
	if isELF(file) {
		prog, sizes, specs, err := elfProgram(file, *program, core)
		if err != nil {
			return err
		}
		in, valueSizes, mapSpecs = &input{prog: prog}, sizes, specs
	} else if in, err = readProgram(file); err != nil {
		return err
	}
	if *arch == "ebpf" {
		for pc := 0; pc < len(in.prog); {
			text, width := isa.Format(in.prog, pc)
			fmt.Fprintf(stdout, "%5d: %s\n", pc, text)
			pc += width
		}
		return nil
	}
	res, err := jit.Compile(in.prog, jit.Options{Arch: *arch, OptLevel: opt.level(), Listing: true, MapValueSizes: valueSizes, Maps: engine.MapInfo(mapSpecs), Helpers: loaderHelpers()})
	if err != nil {
		return usageError{err}
	}
	lastPC := -2
	for _, l := range res.Listing {
		if l.PC != lastPC {
			if l.PC < 0 {
				fmt.Fprintln(stdout, "; shared code")
			} else {
				text, _ := isa.Format(in.prog, l.PC)
				fmt.Fprintf(stdout, "; %d: %s\n", l.PC, text)
			}
			lastPC = l.PC
		}
		fmt.Fprintf(stdout, "  %06x  %-24s %s\n", l.Offset, hex.EncodeToString(l.Bytes), decode(*arch, l))
	}
	fmt.Fprintf(stdout, "; %d eBPF instructions, %d native bytes (%.1f per instruction), compiled at -O%d in %v\n",
		res.Instructions, len(res.Code.Text), float64(len(res.Code.Text))/float64(res.Instructions), opt.level(), res.Duration.Round(1000))
	return nil
}

// decode disassembles one instruction's bytes, falling back to the
// compiler's own text where the decoder does not know the instruction.
func decode(arch string, l jit.Line) string {
	switch arch {
	case "amd64":
		if inst, err := x86asm.Decode(l.Bytes, 64); err == nil && inst.Len == len(l.Bytes) {
			return strings.ToLower(x86asm.IntelSyntax(inst, uint64(l.Offset), nil))
		}
	case "arm64":
		if inst, err := arm64asm.Decode(l.Bytes); err == nil {
			return strings.ToLower(arm64asm.GNUSyntax(inst))
		}
	}
	return l.Text
}

package main

import (
	"fmt"
	"io"

	"github.com/ebpfjit/ebpfjit/conformance"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader"
)

// cmdPlugin implements the bpf_conformance plugin contract: the memory as
// one argument of hex bytes, the program as hex bytes on stdin (a minimal
// ELF object with --elf), r0 in hex on stdout.
func cmdPlugin(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("plugin", "[MEMHEX] [--engine interp|jit] [--elf] [--timeout D] [--budget N]")
	eng := fs.String("engine", "jit", "engine: jit (native code, the default) or interp")
	isELF := fs.Bool("elf", false, "stdin holds a minimal ELF object (function \"main\")")
	opt := optFlags(fs)
	lim := addLimitFlags(fs)
	pos, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return badInput("want at most one memory argument, got %d", len(pos))
	}
	var mem []byte
	if len(pos) == 1 {
		if mem, err = conformance.ParseHex(pos[0]); err != nil {
			return badInput("memory argument: %v", err)
		}
	}
	text, err := io.ReadAll(stdin)
	if err != nil {
		return badInput("reading stdin: %v", err)
	}
	code, err := conformance.ParseHex(string(text))
	if err != nil {
		return badInput("program on stdin: %v", err)
	}
	var prog []isa.Instruction
	if *isELF {
		prog, err = loader.FunctionFromELF(code, "main")
	} else {
		prog, err = isa.Decode(code)
	}
	if err != nil {
		return badInput("program on stdin: %v", err)
	}
	p, err := buildProgram(*eng, &input{prog: prog}, engine.Options{OptLevel: opt.level()})
	if err != nil {
		return err
	}
	defer p.Close()
	r0, err := lim.runRaw(p, mem)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%x\n", r0)
	return nil
}

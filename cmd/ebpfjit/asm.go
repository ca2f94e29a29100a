package main

import (
	"fmt"
	"io"
	"os"

	"github.com/ebpfjit/ebpfjit/isa"
)

func cmdAsm(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("asm", "-o OUT.bin FILE")
	out := fs.String("o", "", "output file for the raw bytecode (required)")
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(files) != 1 || *out == "" {
		return badInput("want -o OUT and exactly one input file")
	}
	in, err := readProgram(files[0])
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, isa.Encode(in.prog), 0o644); err != nil {
		return badInput("%v", err)
	}
	return nil
}

func cmdDisasm(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("disasm", "FILE")
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return badInput("want exactly one program file, got %d", len(files))
	}
	in, err := readProgram(files[0])
	if err != nil {
		return err
	}
	for pc := 0; pc < len(in.prog); {
		text, width := isa.Format(in.prog, pc)
		fmt.Fprintf(stdout, "%5d: %s\n", pc, text)
		pc += width
	}
	return nil
}

package main

import (
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

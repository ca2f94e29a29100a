package main

import (
	"fmt"
	"io"

	"github.com/ebpfjit/ebpfjit/conformance"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/isa"
)

func cmdConformance(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("conformance", "[--engine interp|jit] [-O0|-O2] [-v] [--timeout D] [--budget N] PATH...")
	eng := fs.String("engine", "jit", "engine: jit (native code, the default) or interp")
	verbose := fs.Bool("v", false, "print every case, not only failures")
	opt := optFlags(fs)
	lim := addLimitFlags(fs)
	paths, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return badInput("want at least one .data file or folder")
	}
	if err := engine.Check(*eng); err != nil {
		return badInput("%v", err)
	}
	files, err := conformance.Files(paths)
	if err != nil {
		return badInput("%v", err)
	}
	if len(files) == 0 {
		return badInput("no .data files under %v", paths)
	}
	opts := engine.Options{OptLevel: opt.level()}
	b := conformance.Builder{Build: func(prog []isa.Instruction) (conformance.Program, error) {
		p, err := engine.New(*eng, prog, opts)
		if err != nil {
			return nil, err
		}
		return limited{p, lim}, nil
	}}
	sum := b.RunFiles(files, stdout, *verbose)
	fmt.Fprintln(stdout, sum)
	if sum.Failed > 0 {
		return silentFailure{}
	}
	return nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/validate"
	"github.com/ebpfjit/ebpfjit/vm"
)

func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[--engine interp|jit] [-O0|-O2] [--program NAME] [--btf FILE] [--mem FILE | --mem-hex HEX] [--mem-out FILE] [--timeout D] [--budget N] [--perf-map] FILE")
	core := newBTFFlag(fs)
	eng := fs.String("engine", "jit", "engine: jit (native code, the default) or interp")
	program := fs.String("program", "", "program of an ELF object to run (needed when it has several)")
	mem := memoryFlagSet(fs)
	memOut := fs.String("mem-out", "", "write the memory as the program left it to this file")
	opt := optFlags(fs)
	lim := addLimitFlags(fs)
	perfMap := fs.Bool("perf-map", false, "append the native code's symbols to /tmp/perf-PID.map for Linux perf")
	file, err := parseOneFile(fs, args, stderr, "program file")
	if err != nil {
		return err
	}
	if data, err := os.ReadFile(file); err == nil && isArtifact(data) {
		return runArtifact(file, data, *program, *mem, *memOut, lim, *perfMap, stdout)
	}
	if isELF(file) {
		return runELF(file, *program, *eng, opt.level(), core, *mem, *memOut, lim, *perfMap, stdout)
	}
	in, err := readProgram(file)
	if err != nil {
		return err
	}
	memory, err := mem.load(in.mem)
	if err != nil {
		return err
	}
	p, err := buildProgram(*eng, in, engine.Options{OptLevel: opt.level()})
	if err != nil {
		return err
	}
	defer p.Close()
	if *perfMap {
		if pm, ok := p.(interface{ AddToPerfMap(string) error }); ok {
			if err := pm.AddToPerfMap("main"); err != nil {
				return err
			}
		}
	}
	r0, runErr := lim.runRaw(p, memory)
	if *memOut != "" {
		if err := os.WriteFile(*memOut, memory, 0o644); err != nil {
			return badInput("%v", err)
		}
	}
	if runErr != nil {
		return runErr
	}
	fmt.Fprintln(stdout, formatR0(r0))
	return nil
}

// buildProgram builds in with the named engine; validation failures and
// unknown engines are bad input.
func buildProgram(eng string, in *input, opts engine.Options) (engine.Program, error) {
	p, err := engine.New(eng, in.prog, opts)
	if err != nil {
		var ve *validate.Error
		if errors.As(err, &ve) || !isRunError(err) {
			return nil, usageError{err}
		}
		return nil, err
	}
	return p, nil
}

func isRunError(err error) bool {
	var re *vm.RunError
	return errors.As(err, &re)
}

// optLevel is the -O0/-O2 flag pair.
type optLevel struct{ o0, o2 *bool }

func optFlags(fs interface {
	Bool(name string, value bool, usage string) *bool
}) optLevel {
	return optLevel{
		o0: fs.Bool("O0", false, "compile without optimisation passes"),
		o2: fs.Bool("O2", false, "compile with all optimisation passes (the default)"),
	}
}

func (o optLevel) level() int {
	if *o.o0 && !*o.o2 {
		return 0
	}
	return 2
}

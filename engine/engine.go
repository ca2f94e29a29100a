// Package engine gives the command line and the test harnesses one way to
// build a runnable program from instructions with any engine, chosen by
// name: "interp" (the reference interpreter) or "jit" (native code for the
// host, when the host's architecture has a backend).
package engine

import (
	"fmt"
	"strings"

	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Options configure how a program is built.
type Options struct {
	// Helpers the program may call; nil means vm.BaseHelpers().
	Helpers *vm.Helpers
	// OptLevel is the JIT optimisation level (0 or 2).
	OptLevel int
	// Budget bounds the interpreter's runs in polls (vm.Limits; 0: unbounded).
	Budget uint64
}

// Program is a program built by some engine.
type Program interface {
	// Run executes the program on mem (modified in place) and returns r0.
	Run(mem []byte) (uint64, error)
	// RunWith is Run bound to b (regions, helper data, limits).
	RunWith(mem []byte, b *vm.Binding) (uint64, error)
	// Close releases what the program holds (executable memory).
	Close() error
}

// Names lists the engines this build supports.
func Names() []string {
	return []string{"interp", "jit"}
}

// New builds prog with the named engine.
func New(name string, prog []isa.Instruction, opts Options) (Program, error) {
	switch name {
	case "interp":
		p, err := interp.New(prog, interp.Options{Helpers: opts.Helpers, Budget: opts.Budget})
		if err != nil {
			return nil, err
		}
		return interpProgram{p}, nil
	case "jit":
		return newJIT(prog, opts)
	}
	return nil, fmt.Errorf("unknown engine %q (want one of %s)", name, strings.Join(Names(), ", "))
}

type interpProgram struct{ *interp.Program }

func (interpProgram) Close() error { return nil }

// Check reports whether the named engine exists in this build and can run
// on this host.
func Check(name string) error {
	switch name {
	case "interp":
		return nil
	case "jit":
		return checkJIT()
	}
	return fmt.Errorf("unknown engine %q (want one of %s)", name, strings.Join(Names(), ", "))
}

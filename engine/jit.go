package engine

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// newJIT compiles prog for the host and maps the code.
func newJIT(prog []isa.Instruction, opts Options) (Program, error) {
	if err := checkJIT(); err != nil {
		return nil, err
	}
	helpers := opts.Helpers
	if helpers == nil {
		helpers = vm.BaseHelpers()
	}
	res, err := jit.Compile(prog, jit.Options{OptLevel: opts.OptLevel, Helpers: helpers})
	if err != nil {
		return nil, err
	}
	return native.Load(res.Code, helpers)
}

func checkJIT() error {
	if !slices.Contains(jit.Arches(), runtime.GOARCH) {
		return fmt.Errorf("the jit engine has no backend for %s", runtime.GOARCH)
	}
	return nil
}

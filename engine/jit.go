package engine

import (
	"errors"

	"github.com/ebpfjit/ebpfjit/isa"
)

// newJIT builds native code for the host. Until a backend exists for the
// host it reports that plainly.
func newJIT(prog []isa.Instruction, opts Options) (Program, error) {
	return nil, errors.New("the jit engine is not available in this build")
}

func checkJIT() error {
	return errors.New("the jit engine is not available in this build")
}

package progen

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ebpfjit/ebpfjit/vm"
)

// Outcome is what a run leaves behind that engines must agree on: r0, the
// fault and the instruction it stopped at, any other error, and the
// memory.
type Outcome struct {
	R0    uint64
	Fault vm.Fault
	PC    int
	Err   string
	Mem   []byte
}

// OutcomeOf records a run's result. A fault zeroes r0: engines need not
// agree on what r0 held when the program stopped.
func OutcomeOf(r0 uint64, err error, mem []byte) Outcome {
	o := Outcome{R0: r0, Mem: mem}
	var re *vm.RunError
	switch {
	case errors.As(err, &re):
		o.R0, o.Fault, o.PC = 0, re.Fault, re.PC
	case err != nil:
		o.Err = err.Error()
	}
	return o
}

// Equal reports whether two runs agree.
func (o Outcome) Equal(p Outcome) bool {
	return o.R0 == p.R0 && o.Fault == p.Fault && o.PC == p.PC && o.Err == p.Err && bytes.Equal(o.Mem, p.Mem)
}

// String describes the outcome without its memory.
func (o Outcome) String() string {
	return o.Diff(nil)
}

// Diff describes the outcome and, given the memory of another run, the
// bytes of its memory that differ from it.
func (o Outcome) Diff(other []byte) string {
	s := fmt.Sprintf("r0=%#x fault=%v pc=%d", o.R0, o.Fault, o.PC)
	if o.Err != "" {
		s += fmt.Sprintf(" err=%q", o.Err)
	}
	for i := range o.Mem {
		if other != nil && i < len(other) && o.Mem[i] != other[i] {
			s += fmt.Sprintf(" mem[%d]=%#02x (not %#02x)", i, o.Mem[i], other[i])
		}
	}
	return s
}

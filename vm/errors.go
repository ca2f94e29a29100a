package vm

import (
	"errors"
	"fmt"
	"os"
)

// Fault says why a run stopped early.
type Fault uint8

// Faults a run can end with. Division by zero is not one: eBPF defines
// its result.
const (
	FaultNone          Fault = iota
	FaultOutOfBounds         // memory access outside every region
	FaultReadOnly            // store into a read-only region
	FaultCallDepth           // more than MaxCallDepth nested frames
	FaultHelper              // a helper returned an error
	FaultUnknownHelper       // call or callx to a helper id that does not exist
	FaultBadCallTarget       // callx to something that is not a function
	FaultTailCallLimit       // reserved for tail calls
	FaultBudget              // budget of poll points spent (Limits)
	FaultMisaligned          // atomic access at an address not a multiple of its width
	FaultWriteOnly           // load from a region programs may only write (BPF_F_WRONLY_PROG)
	FaultCancelled           // the run's context was cancelled or its deadline passed
	FaultClosed              // the program was closed while it ran
)

var faultText = [...]string{
	FaultNone:          "no fault",
	FaultOutOfBounds:   "out-of-bounds memory access",
	FaultReadOnly:      "store to read-only memory",
	FaultCallDepth:     "call depth limit exceeded",
	FaultHelper:        "helper failed",
	FaultUnknownHelper: "unknown helper",
	FaultBadCallTarget: "bad call target",
	FaultTailCallLimit: "tail call limit exceeded",
	FaultBudget:        "budget exhausted",
	FaultMisaligned:    "misaligned atomic access",
	FaultWriteOnly:     "load from write-only memory",
	FaultCancelled:     "run cancelled",
	FaultClosed:        "program closed",
}

// ErrClosed is the error of running a program whose collection was
// closed. errors.Is(err, os.ErrClosed) holds for it, as for cilium/ebpf's
// closed objects.
var ErrClosed = fmt.Errorf("program is closed: %w", os.ErrClosed)

func (f Fault) String() string {
	if int(f) < len(faultText) {
		return faultText[f]
	}
	return fmt.Sprintf("fault(%d)", uint8(f))
}

// RunError is the error of a run that stopped at an instruction. Engines
// report the same Fault and PC for the same program and input, so tests
// compare those; Detail may differ (addresses differ between engines).
type RunError struct {
	PC     int    // instruction slot where the run stopped
	Fault  Fault  // what went wrong
	Detail string // human-readable specifics, may be empty
	Err    error  // underlying error (e.g. from a helper), may be nil
}

func (e *RunError) Error() string {
	msg := fmt.Sprintf("instruction %d: %s", e.PC, e.Fault)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *RunError) Unwrap() error { return e.Err }

// HelperError turns the error of helper name called at pc into the error
// a run ends with: run errors and Return pass through, memory errors
// become the fault they name, anything else is FaultHelper.
func HelperError(pc int, name string, err error) error {
	var re *RunError
	var ret *Return
	var me *MemoryError
	switch {
	case errors.As(err, &re), errors.As(err, &ret):
		return err
	case errors.As(err, &me):
		return &RunError{PC: pc, Fault: me.Fault, Detail: name + ": " + me.Error()}
	}
	return &RunError{PC: pc, Fault: FaultHelper, Detail: name, Err: err}
}

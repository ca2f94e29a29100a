package vm

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Limits bound a run: a budget of poll points, a context whose
// cancellation or deadline stops the run, and a stop flag set when the
// program is closed.
//
// Every engine polls at the same points of a program, the poll points
// (validate.Info.PollPoint): the first instruction of every function and
// every instruction a jump goes back to (the head of a loop). Each time
// one executes, before it does, it costs one unit of the budget: a loop
// of n iterations costs n, a call one plus what the callee's loops cost.
// The poll that finds the budget spent stops the run with FaultBudget at
// that instruction. So a run with budget N passes N polls and stops at
// the next one, at the same instruction in every engine and at every
// optimisation level. Cancellation and closing are noticed at a poll too
// (the interpreter checks every PollInterval polls, native code when it
// leaves for Go), so where exactly a cancelled run stops depends on
// timing, but it always stops at a poll point with FaultCancelled or
// FaultClosed.
//
// The same Limits may be shared by the runs that make one program run
// (a tail call runs its target with the caller's limits), so the budget
// covers them all. A Limits must not be shared by concurrent runs.
type Limits struct {
	// Ctx, when not nil, stops the run when it is done.
	Ctx context.Context
	// Budget is the number of polls the run may pass; 0 means no limit.
	Budget uint64
	// Used counts the polls passed so far; engines update it.
	Used uint64
	// Stop, when not nil and set, stops the run with FaultClosed.
	Stop *atomic.Bool
}

// PollInterval is how many polls pass between two looks at the context
// and the stop flag: often enough that a cancelled run stops within
// microseconds, rarely enough to cost nothing measurable.
const PollInterval = 1 << 14

// Check is the decision taken at a poll that may end the run (native
// code calls it at its poll exits, the interpreter every PollInterval
// polls and when the budget is spent): it returns the error the run stops
// with at instruction pc, or nil. It does not count the poll.
func (l *Limits) Check(pc int) error {
	if l == nil {
		return nil
	}
	if l.Budget != 0 && l.Used >= l.Budget {
		return &RunError{PC: pc, Fault: FaultBudget, Detail: fmt.Sprintf("after %d polls", l.Used)}
	}
	if l.Stop != nil && l.Stop.Load() {
		return &RunError{PC: pc, Fault: FaultClosed, Err: ErrClosed}
	}
	if l.Ctx != nil {
		if err := l.Ctx.Err(); err != nil {
			e := &RunError{PC: pc, Fault: FaultCancelled, Err: err}
			if cause := context.Cause(l.Ctx); cause != err {
				e.Detail = cause.Error()
			}
			return e
		}
	}
	return nil
}

// Grant returns how many polls may pass before the next check: at most
// PollInterval, and no more than the budget has left.
func (l *Limits) Grant() uint64 {
	if l == nil || l.Budget == 0 {
		return PollInterval
	}
	return min(PollInterval, l.Budget-l.Used)
}

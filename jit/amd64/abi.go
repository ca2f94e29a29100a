package amd64

import (
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/regalloc"
)

// Register roles of generated code.
//
// R15 holds the address of the native.Context throughout, RBP the run's
// fuel count (FuelReg) unless the code has no poll points. RAX, RCX and
// RDX are scratch: division and cmpxchg need RAX and RDX, variable shifts
// need CL, and every sequence that has to materialise a constant, reload
// a spilled value or check an address uses them. RSP is the native stack
// pointer; the other eleven registers hold values. Nothing is preserved
// across calls: Go runs between a helper exit and the resume, so every
// call clobbers everything and the allocator saves what lives across.
const (
	CtxReg = R15
)

// allocatable is the order the allocator prefers registers in.
var allocatable = []regalloc.Reg{
	regalloc.Reg(RBX), regalloc.Reg(RDI), regalloc.Reg(RSI), regalloc.Reg(R8),
	regalloc.Reg(R9), regalloc.Reg(R10), regalloc.Reg(R11), regalloc.Reg(R12),
	regalloc.Reg(R13), regalloc.Reg(R14), regalloc.Reg(RBP),
}

// hints gives each eBPF register r0-r9 a home register, so a variable
// keeps its register across blocks and loops.
var hints = [10]Reg{RBX, RDI, RSI, R8, R9, R10, R11, R12, R13, R14}

// FuelReg holds the run's fuel count (native.Context.Fuel) inside
// generated code, so that a poll point is one subtraction and a branch
// on a register. It goes to the context around calls and returns, where
// Go and callees read it.
const FuelReg = RBP

// Target describes amd64 registers to the allocator. NoPolls gives
// FuelReg to values, for code built without poll points.
type Target struct{ NoPolls bool }

// Allocatable implements regalloc.Target.
func (t Target) Allocatable() []regalloc.Reg {
	if t.NoPolls {
		return allocatable
	}
	return allocatable[:len(allocatable)-1] // all but RBP
}

// Hint implements regalloc.Target.
func (Target) Hint(r int) regalloc.Reg {
	if r < 0 || r >= len(hints) {
		return regalloc.NoReg
	}
	return regalloc.Reg(hints[r])
}

// ctx returns the memory operand of a Context field.
func ctx(off int) Operand { return M(CtxReg, int32(off)) }

// ctxArg returns the operand of Context.Args[i].
func ctxArg(i int) Operand { return ctx(native.OffArgs + 8*i) }

// ctxCallArg returns the operand of Context.CallArgs[i].
func ctxCallArg(i int) Operand { return ctx(native.OffCallArgs + 8*i) }

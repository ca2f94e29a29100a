package arm64

import (
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/regalloc"
)

// Register roles of generated code.
//
// X27 holds the address of the native.Context throughout, X26 the run's
// fuel count (FuelReg) unless the code has no poll points. X13-X17 are
// scratch: address checks, constants that do not fit an immediate,
// spilled operands, and the load-exclusive/store-exclusive loops use
// them. X18 (the platform register) and X28 (Go's g) are never touched;
// X29 and X30 are Go's frame pointer and the link register, restored
// from the context when native code leaves. The other 21 registers hold
// values. Nothing is preserved across calls: Go runs between a helper
// exit and the resume, so every call clobbers everything and the
// allocator saves what lives across.
const (
	CtxReg = X27
	tmp0   = X16 // addresses
	tmp1   = X17 // constants, loaded values
	tmp2   = X15
	tmp3   = X14
	tmp4   = X13
)

var allocatable = func() []regalloc.Reg {
	var out []regalloc.Reg
	for _, r := range []Reg{X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12,
		X19, X20, X21, X22, X23, X24, X25, X26} {
		out = append(out, regalloc.Reg(r))
	}
	return out
}()

// hints gives each eBPF register r0-r9 a home register.
var hints = [10]Reg{X0, X1, X2, X3, X4, X5, X19, X20, X21, X22}

// FuelReg holds the run's fuel count (native.Context.Fuel) inside
// generated code, so that a poll point is one subtraction and a branch
// on a register. It goes to the context around calls and returns, where
// Go and callees read it.
const FuelReg = X26

// Target describes arm64 registers to the allocator. NoPolls gives
// FuelReg to values, for code built without poll points.
type Target struct{ NoPolls bool }

// Allocatable implements regalloc.Target.
func (t Target) Allocatable() []regalloc.Reg {
	if t.NoPolls {
		return allocatable
	}
	return allocatable[:len(allocatable)-1] // all but X26
}

// Hint implements regalloc.Target.
func (Target) Hint(r int) regalloc.Reg {
	if r < 0 || r >= len(hints) {
		return regalloc.NoReg
	}
	return regalloc.Reg(hints[r])
}

// ctxMem returns the memory operand of a Context field.
func ctxMem(off int) Mem { return M(CtxReg, int64(off)) }

func ctxArg(i int) Mem     { return ctxMem(native.OffArgs + 8*i) }
func ctxCallArg(i int) Mem { return ctxMem(native.OffCallArgs + 8*i) }

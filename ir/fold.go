package ir

import (
	"math"
	"math/bits"

	"github.com/ebpfjit/ebpfjit/vm"
)

// Fold is constant and copy propagation with algebraic simplification:
// operations on constants become constants, identities disappear (x+0,
// x*1, x&-1 ...), multiplications and unsigned divisions by powers of two
// become shifts and masks, and constant additions fold into the offsets of
// the memory accesses that use them. A frame access whose folded offset
// lies inside the frame loses its run-time check.
func Fold(f *Func) bool {
	repl := newReplacer(f)
	changed := false
	for _, b := range f.Reachable() {
		for _, v := range b.Values {
			for i, a := range v.Args {
				if r := repl.resolve(a); r != a {
					v.Args[i] = r
					changed = true
				}
			}
			if w := foldValue(v); w != nil {
				if w != v {
					repl.Set(v, w)
				}
				changed = true
			}
		}
	}
	repl.Apply(f)
	repl.release(f)
	return changed
}

// foldValue simplifies v in place or returns the value replacing it (v
// itself when it was rewritten in place), or nil when nothing applies.
func foldValue(v *Value) *Value {
	switch {
	case v.Op.IsBinary():
		return foldBinary(v)
	case isUnaryPure(v.Op):
		a := v.Args[0]
		if a.IsConst() {
			return toConst(v, evalUnary(v.Op, a.Const()))
		}
		if v.Op == a.Op && (v.Op == OpZExt8 || v.Op == OpZExt16 || v.Op == OpZExt32 || v.Op == OpSExt8 || v.Op == OpSExt16 || v.Op == OpSExt32) {
			return a // extending twice is extending once
		}
	case v.Op == OpLoad || v.Op == OpStore || v.Op == OpAtomic:
		return foldAddress(v)
	}
	return nil
}

// toConst replaces v by the function's constant c.
func toConst(v *Value, c uint64) *Value {
	return v.Block.Func.Const(c)
}

// rewrite turns v into op(args) in place.
func rewrite(v *Value, op Op, args ...*Value) *Value {
	v.Op, v.Args = op, args
	return v
}

// newConst returns the constant c for use by v.
func (b *Block) newConst(v *Value, c uint64) *Value { return b.Func.Const(c) }

// identity returns what v = op(a) reduces to when the operation keeps a
// unchanged: a itself for 64-bit ops, its zero extension for 32-bit ones.
func identity(v, a *Value) *Value {
	if v.Op.Is32() {
		return rewrite(v, OpZExt32, a)
	}
	return a
}

func foldBinary(v *Value) *Value {
	a, b := v.Args[0], v.Args[1]
	if a.IsConst() && b.IsConst() {
		return toConst(v, evalBinary(v.Op, a.Const(), b.Const()))
	}
	swapped := false
	if v.Op.Commutative() && a.IsConst() {
		// Constants go right, where the rules below and the backends
		// look for them.
		v.Args[0], v.Args[1] = b, a
		a, b = b, a
		swapped = true
	}
	if w := foldBinaryRules(v, a, b); w != nil {
		return w
	}
	if swapped {
		return v
	}
	return nil
}

func foldBinaryRules(v, a, b *Value) *Value {
	wide := v.Op.Wide()
	is32 := v.Op.Is32()
	if !b.IsConst() {
		if a == b {
			switch wide {
			case OpSub, OpXor:
				return toConst(v, 0)
			case OpAnd, OpOr:
				return identity(v, a)
			}
		}
		return nil
	}
	c := b.Const()
	if is32 {
		c = uint64(uint32(c))
	}
	allOnes := uint64(math.MaxUint64)
	if is32 {
		allOnes = math.MaxUint32
	}
	switch wide {
	case OpAdd, OpOr, OpXor:
		if c == 0 {
			return identity(v, a)
		}
		if wide == OpOr && c == allOnes {
			return toConst(v, allOnes)
		}
		if wide == OpAdd && !is32 && a.Op == OpAdd && a.Args[1].IsConst() {
			sum := a.Args[1].Const() + c
			return rewrite(v, OpAdd, a.Args[0], v.Block.newConst(v, sum))
		}
	case OpSub:
		if c == 0 {
			return identity(v, a)
		}
		// x - c is x + (-c): one form for the other rules to match.
		op := OpAdd
		if is32 {
			op = OpAdd32
		}
		return rewrite(v, op, a, v.Block.newConst(v, -c))
	case OpShl, OpShrU, OpShrS:
		mask := uint64(63)
		if is32 {
			mask = 31
		}
		if c&mask == 0 {
			return identity(v, a)
		}
	case OpMul:
		switch {
		case c == 0:
			return toConst(v, 0)
		case c == 1:
			return identity(v, a)
		case bits.OnesCount64(c) == 1:
			return rewrite(v, shiftOp(OpShl, is32), a, v.Block.newConst(v, uint64(bits.TrailingZeros64(c))))
		}
	case OpDivU:
		switch {
		case c == 1:
			return identity(v, a)
		case c != 0 && bits.OnesCount64(c) == 1:
			return rewrite(v, shiftOp(OpShrU, is32), a, v.Block.newConst(v, uint64(bits.TrailingZeros64(c))))
		}
	case OpModU:
		switch {
		case c == 1:
			return toConst(v, 0)
		case c != 0 && bits.OnesCount64(c) == 1:
			op := OpAnd
			if is32 {
				op = OpAnd32
			}
			return rewrite(v, op, a, v.Block.newConst(v, c-1))
		}
	case OpDivS:
		if c == 1 {
			return identity(v, a)
		}
	case OpModS:
		if c == 1 {
			return toConst(v, 0)
		}
	case OpAnd:
		switch c {
		case 0:
			return toConst(v, 0)
		case allOnes:
			return identity(v, a)
		}
	}
	return nil
}

func shiftOp(op Op, is32 bool) Op {
	if is32 {
		return op.Narrow()
	}
	return op
}

// foldAddress moves constant additions into the access's offset and drops
// the run-time check of frame accesses that stay inside the frame.
func foldAddress(v *Value) *Value {
	changed := false
	for {
		base := v.Args[0]
		if base.Op != OpAdd || !base.Args[1].IsConst() {
			break
		}
		off := v.Aux + int64(base.Args[1].Const())
		if off < math.MinInt32 || off > math.MaxInt32 {
			break
		}
		v.Args[0], v.Aux = base.Args[0], off
		changed = true
	}
	base := v.Args[0]
	if v.Checked && v.Op != OpAtomic && base.Op == OpArg && base.Aux == ArgFrame &&
		v.Aux >= -vm.StackFrameSize && v.Aux+int64(v.Size) <= 0 {
		v.Checked = false
		changed = true
	}
	if changed {
		return v
	}
	return nil
}

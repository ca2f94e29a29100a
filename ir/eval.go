package ir

import "github.com/ebpfjit/ebpfjit/isa"

// evalBinary computes a pure binary op on constants.
func evalBinary(op Op, a, b uint64) uint64 {
	switch op {
	case OpAdd:
		return a + b
	case OpSub:
		return a - b
	case OpMul:
		return a * b
	case OpDivU:
		return isa.Div64(a, b, false)
	case OpDivS:
		return isa.Div64(a, b, true)
	case OpModU:
		return isa.Mod64(a, b, false)
	case OpModS:
		return isa.Mod64(a, b, true)
	case OpOr:
		return a | b
	case OpAnd:
		return a & b
	case OpXor:
		return a ^ b
	case OpShl:
		return a << (b & 63)
	case OpShrU:
		return a >> (b & 63)
	case OpShrS:
		return uint64(int64(a) >> (b & 63))
	case OpDivU32:
		return isa.Div32(a, b, false)
	case OpDivS32:
		return isa.Div32(a, b, true)
	case OpModU32:
		return isa.Mod32(a, b, false)
	case OpModS32:
		return isa.Mod32(a, b, true)
	case OpShl32:
		return uint64(uint32(a) << (b & 31))
	case OpShrU32:
		return uint64(uint32(a) >> (b & 31))
	case OpShrS32:
		return uint64(uint32(int32(a) >> (b & 31)))
	}
	// The remaining 32-bit ops are the 64-bit ones truncated.
	return uint64(uint32(evalBinary(op.Wide(), a, b)))
}

// evalUnary computes a pure unary op on a constant.
func evalUnary(op Op, a uint64) uint64 {
	switch op {
	case OpNeg:
		return -a
	case OpNeg32:
		return uint64(-uint32(a))
	case OpSExt8:
		return isa.SignExtend(a, 8)
	case OpSExt16:
		return isa.SignExtend(a, 16)
	case OpSExt32:
		return isa.SignExtend(a, 32)
	case OpSExt8To32:
		return uint64(uint32(isa.SignExtend(a, 8)))
	case OpSExt16To32:
		return uint64(uint32(isa.SignExtend(a, 16)))
	case OpZExt8:
		return isa.ZeroExtend(a, 8)
	case OpZExt16:
		return isa.ZeroExtend(a, 16)
	case OpZExt32:
		return isa.ZeroExtend(a, 32)
	case OpBswap16:
		return isa.Bswap(a, 16)
	case OpBswap32:
		return isa.Bswap(a, 32)
	case OpBswap64:
		return isa.Bswap(a, 64)
	}
	panic("ir: evalUnary of " + op.String())
}

// isUnaryPure reports whether op is a pure one-operand op.
func isUnaryPure(op Op) bool { return op >= OpNeg && op <= OpBswap64 }

// EvalCond decides a branch condition on constants.
func EvalCond(c Cond, is32 bool, x, y uint64) bool {
	if is32 {
		x, y = uint64(uint32(x)), uint64(uint32(y))
		switch c {
		case CondSGt, CondSGe, CondSLt, CondSLe:
			x, y = uint64(int64(int32(x))), uint64(int64(int32(y)))
		}
	}
	switch c {
	case CondEq:
		return x == y
	case CondNe:
		return x != y
	case CondGt:
		return x > y
	case CondGe:
		return x >= y
	case CondLt:
		return x < y
	case CondLe:
		return x <= y
	case CondSGt:
		return int64(x) > int64(y)
	case CondSGe:
		return int64(x) >= int64(y)
	case CondSLt:
		return int64(x) < int64(y)
	case CondSLe:
		return int64(x) <= int64(y)
	case CondSet:
		return x&y != 0
	}
	return x&y == 0
}

package isa

import "math/bits"

// The functions below define the arithmetic of RFC 9669 on plain
// integers. The interpreter executes with them and the optimiser folds
// constants with them, so an engine and the compiler agree by
// construction; native code is checked against both by differential tests.

// Div64 divides with eBPF's rules: x/0 = 0, and for the signed form
// INT64_MIN/-1 = INT64_MIN (Go's division already wraps there).
func Div64(a, b uint64, signed bool) uint64 {
	if b == 0 {
		return 0
	}
	if signed {
		return uint64(int64(a) / int64(b))
	}
	return a / b
}

// Mod64: x%0 = x, INT64_MIN%-1 = 0 (Go agrees), and a signed remainder
// has the sign of the dividend.
func Mod64(a, b uint64, signed bool) uint64 {
	if b == 0 {
		return a
	}
	if signed {
		return uint64(int64(a) % int64(b))
	}
	return a % b
}

// Div32 is Div64 on the low halves; the result is zero-extended.
func Div32(a, b uint64, signed bool) uint64 {
	x, y := uint32(a), uint32(b)
	if y == 0 {
		return 0
	}
	if signed {
		return uint64(uint32(int32(x) / int32(y)))
	}
	return uint64(x / y)
}

// Mod32 by zero keeps the low half and zeroes the upper half.
func Mod32(a, b uint64, signed bool) uint64 {
	x, y := uint32(a), uint32(b)
	if y == 0 {
		return uint64(x)
	}
	if signed {
		return uint64(uint32(int32(x) % int32(y)))
	}
	return uint64(x % y)
}

// SignExtend sign-extends the low width bits (8, 16, 32 or 64) of v.
func SignExtend(v uint64, width int) uint64 {
	switch width {
	case 8:
		return uint64(int64(int8(v)))
	case 16:
		return uint64(int64(int16(v)))
	case 32:
		return uint64(int64(int32(v)))
	}
	return v
}

// ZeroExtend keeps the low width bits of v.
func ZeroExtend(v uint64, width int) uint64 {
	if width >= 64 {
		return v
	}
	return v & (1<<width - 1)
}

// Bswap reverses the bytes of the low width bits (16, 32 or 64) of v; the
// result is zero-extended.
func Bswap(v uint64, width int) uint64 {
	switch width {
	case 16:
		return uint64(bits.ReverseBytes16(uint16(v)))
	case 32:
		return uint64(bits.ReverseBytes32(uint32(v)))
	}
	return bits.ReverseBytes64(v)
}

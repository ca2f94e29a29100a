package progen

import "math"

// Constants where arithmetic changes behaviour: zero, signs, the limits of
// 8, 16, 32 and 64 bits, shift widths.
var edge32 = []int32{
	0, 1, -1, 2, -2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65,
	0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1,
	-0x80, -0x81, -0x8000, -0x8001, 0x55555555, -0x55555556,
}

var edge64 = []uint64{
	0, 1, 1<<64 - 1, 2, 1<<63 - 1, 1 << 63, 1<<63 + 1,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x1ffffffff,
	0xffffffff80000000, 0xffffffff7fffffff, 0x8000000000000001,
	0x00000000ffff0000, 0xffff, 0x10000, 0xff, 0x100, 0x0123456789abcdef,
	0xffffffff00000000, 0xffff000000000000, 0x8000000080000000, 0x7fffffff00000000,
	0xfedcba9876543210, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa,
}

// imm32 returns an immediate: often an edge value, sometimes small,
// sometimes anything.
func (g *gen) imm32() int32 {
	switch g.n(4) {
	case 0:
		return int32(g.n(33)) - 16
	case 1, 2:
		return edge32[g.n(len(edge32))]
	}
	return int32(uint32(g.src.Uint64()))
}

// imm64 returns a 64-bit constant for lddw.
func (g *gen) imm64() uint64 {
	switch g.n(4) {
	case 0:
		return uint64(int64(g.imm32()))
	case 1, 2:
		return edge64[g.n(len(edge64))]
	}
	return g.src.Uint64()
}

// shift returns a shift count, mostly inside the operand width and near
// its ends; now and then past it, where engines must mask the count.
func (g *gen) shift(is64 bool) int32 {
	w := int32(32)
	if is64 {
		w = 64
	}
	switch g.n(8) {
	case 0:
		return int32(g.n(int(w)))
	case 1:
		return w + int32(g.n(2)) // masked: w means 0
	}
	return []int32{0, 1, w/2 - 1, w / 2, w/2 + 1, w - 2, w - 1, 7, 8}[g.n(9)]
}

// divisor returns an immediate divisor: zero, the signed overflow -1 and
// the other edges come up often.
func (g *gen) divisor() int32 {
	switch g.n(4) {
	case 0:
		return []int32{0, -1, 1, math.MinInt32}[g.n(4)]
	case 1:
		return int32(g.n(17)) - 8
	}
	return g.imm32()
}

// floorDiv is division rounding towards minus infinity.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// pickOff returns an offset in [lo, hi], a multiple of w if align, with
// the ends of the range more likely than elsewhere. The range must hold
// such an offset.
func (g *gen) pickOff(lo, hi, w int, align bool) int {
	if align {
		a, b := -floorDiv(-lo, w), floorDiv(hi, w)
		if b < a {
			panic("progen: empty aligned range")
		}
		return w * g.pickOff(a, b, 1, false)
	}
	if hi < lo {
		panic("progen: empty range")
	}
	switch g.n(8) {
	case 0:
		return lo
	case 1:
		return hi
	}
	return lo + g.n(hi-lo+1)
}

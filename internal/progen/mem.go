package progen

import (
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/vm"
)

// place chooses where a w-byte access goes and emits any address
// computation it needs. The access is [base+off]; tmp is the register
// that holds a computed address (noReg if none), which the caller must
// hand to release after the access. Every place is inside the input or
// the current frame's data areas, or inside the window of the caller's
// frame, and aligned to w when align is set (atomics).
func (g *gen) place(w int, align bool) (base isa.Register, off int16, tmp isa.Register) {
	f := g.f
	const (
		stackDirect = iota
		stackComputed
		inputDirect
		inputComputed
		callerWindow
		callerViaR10
	)
	weights := []int{5, 0, 0, 0, 0, 0}
	if f.index != 0 {
		weights[callerViaR10] = 1
	}
	if f.escapes {
		weights[stackComputed] = 2
	}
	if f.base != noReg {
		weights[inputDirect], weights[inputComputed] = 5, 3
	}
	if f.cptr != noReg {
		weights[callerWindow] = 2
	}
	switch g.weighted(weights) {
	case stackComputed:
		return g.stackComputed(w, align)
	case inputDirect:
		return f.base, int16(g.pickOff(0, g.mem-w, w, align)), noReg
	case inputComputed:
		return g.inputComputed(w, align)
	case callerWindow:
		return f.cptr, int16(g.pickOff(0, window-w, w, align)), noReg
	case callerViaR10:
		return g.callerViaR10(w, align)
	}
	return isa.R10, int16(g.stackOff(w, align)), noReg
}

// stackOff returns an r10 offset for a w-byte access: usually in the data
// area, sometimes in the deep area down to the bottom of the frame.
func (g *gen) stackOff(w int, align bool) int {
	if g.chance(1, 8) {
		return g.pickOff(deepLo, deepHi-w, w, align)
	}
	return g.pickOff(-dataArea, -w, w, align)
}

// temp picks the register for a computed address. It is never r0, so
// that r0 stays available to cmpxchg and as data.
func (g *gen) temp() isa.Register { return g.pick(g.writable() &^ bit(isa.R0)) }

// hold marks t, which now holds an address, as neither readable nor
// writable until release.
func (g *gen) hold(t isa.Register) {
	g.f.ptr |= bit(t)
	g.f.locked |= bit(t)
}

// release ends the life of a computed address: unless the access loaded
// data into it (loaded == tmp), it is overwritten with data.
func (g *gen) release(tmp, loaded isa.Register) {
	if tmp == noReg {
		return
	}
	g.f.locked &^= bit(tmp)
	if tmp != loaded {
		g.setData(tmp)
	}
}

// setData overwrites r with data.
func (g *gen) setData(r isa.Register) {
	switch src := g.readable() &^ bit(r); {
	case src != 0 && g.coin():
		g.emit(aluReg(g.coin(), isa.ALUMov, r, g.pick(src)))
	case g.chance(1, 4):
		lo := isa.LDDW(r, g.imm64())
		g.emit(lo[:]...)
	default:
		g.emit(aluImm(g.chance(3, 4), isa.ALUMov, r, g.imm32()))
	}
	g.def(r)
}

// index emits code that leaves a value in [0, span] in t, computed from
// data, where span+1 is at most limit (and a multiple of w when align).
// It returns span.
func (g *gen) index(t isa.Register, limit, w int, align bool) int {
	src := g.readable() &^ bit(t)
	if src == 0 {
		src = bit(isa.R0)
	}
	g.emit(aluReg(g.chance(3, 4), isa.ALUMov, t, g.pick(src)))
	if g.chance(1, 4) {
		// A remainder rather than a mask: division in an address.
		m := 1 + g.n(limit)
		g.emit(aluImm(g.coin(), isa.ALUMod, t, int32(m)))
		span := m - 1
		if align && w > 1 {
			g.emit(aluImm(true, isa.ALUAnd, t, int32(-w)))
			span &^= w - 1
		}
		return span
	}
	k := 0
	for 2<<k <= limit && k < 12 {
		k++
	}
	mask := 1<<g.n(k+1) - 1
	if align {
		mask &^= w - 1
	}
	g.emit(aluImm(g.chance(3, 4), isa.ALUAnd, t, int32(mask)))
	return mask
}

func (g *gen) stackComputed(w int, align bool) (isa.Register, int16, isa.Register) {
	t := g.temp()
	if g.coin() {
		// mov t, r10; add t, k: a constant address.
		a := g.pickOff(-dataArea, -w, w, align)
		k := g.pickOff(-dataArea-16, 16, 1, false)
		g.emit(mov(t, isa.R10), aluImm(true, isa.ALUAdd, t, int32(k)))
		g.hold(t)
		return t, int16(a - k), t
	}
	span := g.index(t, dataArea/2, w, align)
	g.emit(aluReg(true, isa.ALUAdd, t, isa.R10))
	g.hold(t)
	return t, int16(g.pickOff(-dataArea, -w-span, w, align)), t
}

// callerViaR10 addresses the calling function's frame from a callee's
// own r10: the caller's r10 is the callee's plus one frame, so its data
// area and deep area are [r10+512-dataArea, r10+512) and
// [r10, r10+512+deepHi). The caller's loop counters, between the two,
// stay out of reach. Compilers that keep the caller's slots in registers
// must still agree with memory here.
func (g *gen) callerViaR10(w int, align bool) (isa.Register, int16, isa.Register) {
	t := g.temp()
	var a int
	if g.coin() {
		a = g.pickOff(vm.StackFrameSize-dataArea, vm.StackFrameSize-w, w, align)
	} else {
		a = g.pickOff(0, vm.StackFrameSize+deepHi-w, w, align)
	}
	k := g.pickOff(0, vm.StackFrameSize, 1, false)
	g.emit(mov(t, isa.R10), aluImm(true, isa.ALUAdd, t, int32(k)))
	g.hold(t)
	return t, int16(a - k), t
}

func (g *gen) inputComputed(w int, align bool) (isa.Register, int16, isa.Register) {
	f := g.f
	t := g.temp()
	switch g.n(3) {
	case 0:
		a := g.pickOff(0, g.mem-w, w, align)
		k := g.pickOff(-64, g.mem+64, 1, false)
		g.emit(mov(t, f.base), aluImm(true, isa.ALUAdd, t, int32(k)))
		g.hold(t)
		return t, int16(a - k), t
	case 1:
		span := g.index(t, g.mem-w+1, w, align)
		g.emit(aluReg(true, isa.ALUAdd, t, f.base))
		g.hold(t)
		return t, int16(g.pickOff(0, g.mem-w-span, w, align)), t
	}
	// The index in another data register, added to a copy of the base.
	i := g.pick(g.readable() & g.writable() &^ bit(t))
	span := g.index(i, g.mem-w+1, w, align)
	g.def(i)
	g.emit(mov(t, f.base), aluReg(true, isa.ALUAdd, t, i))
	g.hold(t)
	return t, int16(g.pickOff(0, g.mem-w-span, w, align)), t
}

package progen

import (
	"math"

	"github.com/ebpfjit/ebpfjit/isa"
)

// weighted returns an index with probability proportional to its weight.
func (g *gen) weighted(w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	k := g.n(total)
	for i, x := range w {
		if k < x {
			return i
		}
		k -= x
	}
	panic("progen: no choice with a positive weight")
}

// Statement kinds.
const (
	kALU = iota
	kDivEdge
	kUnary
	kMov
	kLDDW
	kLoad
	kStore
	kAtomic
	kSpill
	kMixed
	kHelper
	kCall
	kLegacy
	kIf
	kLoop
	kDead
	kFault
	numKinds
)

// stmt emits one statement: a few instructions that leave every register
// holding data or the pointer it held before.
func (g *gen) stmt() {
	f := g.f
	w := make([]int, numKinds)
	w[kALU], w[kDivEdge], w[kUnary], w[kMov], w[kLDDW] = 30, 2, 10, 6, 3
	w[kLoad], w[kStore], w[kSpill], w[kMixed], w[kDead] = 12, 9, 3, 2, 1
	if g.enabled(Atomics) {
		w[kAtomic] = 5
	}
	if g.enabled(Helpers) {
		w[kHelper] = 2
	}
	if g.enabled(Calls) && len(g.callees()) > 0 {
		w[kCall] = 5
	}
	if g.enabled(LegacyLoads) {
		w[kLegacy] = 2
	}
	if f.ifDepth < 3 && g.room() >= maxStmt+8 {
		w[kIf] = 8
	}
	if g.enabled(Loops) && len(f.loopEnds) < 2 && g.room() >= maxStmt+16 {
		w[kLoop] = 3
	}
	if f.index == 0 && g.fault != faultNone && !g.faultDone {
		w[kFault] = 2
	}
	switch g.weighted(w) {
	case kALU:
		g.alu()
	case kDivEdge:
		g.divEdge()
	case kUnary:
		g.unary()
	case kMov:
		g.mov()
	case kLDDW:
		r := g.wr()
		lo := isa.LDDW(r, g.imm64())
		g.emit(lo[:]...)
		g.def(r)
	case kLoad:
		g.load()
	case kStore:
		g.store()
	case kAtomic:
		g.atomic()
	case kSpill:
		g.spill()
	case kMixed:
		g.mixed()
	case kHelper:
		g.helper()
	case kCall:
		g.call(false)
	case kLegacy:
		g.legacy()
	case kIf:
		g.ifStmt()
	case kLoop:
		g.loop()
	case kDead:
		g.dead()
	case kFault:
		g.faultStmt()
	}
}

type aluOp struct {
	op     isa.ALUOp
	signed bool
}

var aluOps = []aluOp{
	{isa.ALUAdd, false}, {isa.ALUSub, false}, {isa.ALUMul, false}, {isa.ALUDiv, false},
	{isa.ALUDiv, true}, {isa.ALUOr, false}, {isa.ALUAnd, false}, {isa.ALULsh, false},
	{isa.ALURsh, false}, {isa.ALUMod, false}, {isa.ALUMod, true}, {isa.ALUXor, false},
	{isa.ALUArsh, false},
}

func (g *gen) alu() {
	op := aluOps[g.n(len(aluOps))]
	is64 := g.chance(2, 3)
	div := op.op == isa.ALUDiv || op.op == isa.ALUMod
	var ins isa.Instruction
	if g.coin() {
		src := g.rd()
		if div && g.chance(1, 4) {
			// A divisor register holding an edge value.
			src = g.pick(g.writable() &^ bit(isa.R0))
			g.emit(movImm(src, []int32{0, -1, 1, math.MinInt32}[g.n(4)]))
			g.def(src)
		}
		ins = aluReg(is64, op.op, g.rw(), src)
	} else {
		imm := g.imm32()
		switch {
		case div:
			imm = g.divisor()
		case op.op == isa.ALULsh || op.op == isa.ALURsh || op.op == isa.ALUArsh:
			imm = g.shift(is64)
		}
		ins = aluImm(is64, op.op, g.rw(), imm)
	}
	if op.signed {
		ins.Offset = 1
	}
	g.emit(ins)
}

// divEdge divides the most negative number by -1, the one signed
// division that overflows.
func (g *gen) divEdge() {
	is64 := g.coin()
	op := isa.ALUDiv
	if g.coin() {
		op = isa.ALUMod
	}
	dst := g.wr()
	if is64 {
		lo := isa.LDDW(dst, 1<<63)
		g.emit(lo[:]...)
	} else {
		g.emit(aluImm(false, isa.ALUMov, dst, math.MinInt32))
	}
	g.def(dst)
	ins := aluImm(is64, op, dst, -1)
	if g.coin() {
		src := g.pick(g.writable() &^ bit(dst))
		g.emit(movImm(src, -1))
		g.def(src)
		ins = aluReg(is64, op, dst, src)
	}
	ins.Offset = 1
	g.emit(ins)
}

func (g *gen) unary() {
	switch g.n(5) {
	case 0:
		g.emit(aluImm(g.coin(), isa.ALUNeg, g.rw(), 0))
	case 1:
		forms := []struct {
			is64  bool
			width int16
		}{{true, 8}, {true, 16}, {true, 32}, {false, 8}, {false, 16}}
		fm := forms[g.n(len(forms))]
		ins := aluReg(fm.is64, isa.ALUMov, 0, g.rd())
		ins.Offset = fm.width
		ins.Dst = g.wr()
		g.emit(ins)
		g.def(ins.Dst)
	case 2:
		// le and be: ALU class, the source bit picks the byte order.
		ins := aluImm(false, isa.ALUEnd, g.rw(), []int32{16, 32, 64}[g.n(3)])
		if g.coin() {
			ins.Opcode |= uint8(isa.SourceX)
		}
		g.emit(ins)
	case 3:
		g.emit(aluImm(true, isa.ALUEnd, g.rw(), []int32{16, 32, 64}[g.n(3)]))
	case 4:
		// "w1 = w1": clang's zero extension.
		r := g.rw()
		g.emit(aluReg(false, isa.ALUMov, r, r))
	}
}

func (g *gen) mov() {
	dst := g.wr()
	if g.coin() {
		g.emit(aluReg(g.coin(), isa.ALUMov, dst, g.rd()))
	} else {
		g.emit(aluImm(g.coin(), isa.ALUMov, dst, g.imm32()))
	}
	g.def(dst)
}

var widths = []int{1, 2, 4, 8}

func (g *gen) load() {
	w := widths[g.n(4)]
	signed := w < 8 && g.chance(1, 3)
	base, off, t := g.place(w, false)
	dst := g.wr()
	if t != noReg && g.coin() {
		dst = t
	}
	g.emit(load(w, signed, dst, base, off))
	g.def(dst)
	g.release(t, dst)
}

func (g *gen) store() {
	w := widths[g.n(4)]
	base, off, t := g.place(w, false)
	if g.chance(1, 3) {
		g.emit(storeImm(w, base, off, g.imm32()))
	} else {
		g.emit(store(w, base, g.rd(), off))
	}
	g.release(t, noReg)
}

var atomicOps = []int32{
	isa.AtomicAdd, isa.AtomicOr, isa.AtomicAnd, isa.AtomicXor,
	isa.AtomicAdd | isa.AtomicFetch, isa.AtomicOr | isa.AtomicFetch,
	isa.AtomicAnd | isa.AtomicFetch, isa.AtomicXor | isa.AtomicFetch,
	isa.AtomicXchg, isa.AtomicCmpXchg,
}

func (g *gen) atomic() {
	w := 4 << g.n(2)
	op := atomicOps[g.n(len(atomicOps))]
	base, off, t := g.place(w, true)
	g.atomicAt(w, op, base, off)
	g.release(t, noReg)
}

// atomicAt emits the atomic op on [base+off]. For cmpxchg it often loads
// the current value into r0 first so that the exchange happens.
func (g *gen) atomicAt(w int, op int32, base isa.Register, off int16) {
	src := g.rd()
	switch {
	case op == isa.AtomicCmpXchg:
		if g.coin() {
			g.emit(load(w, false, isa.R0, base, off))
		}
		g.def(isa.R0)
	case op&isa.AtomicFetch != 0:
		src = g.rw()
	}
	g.emit(atomicOp(w, op, base, src, off))
	if op&isa.AtomicFetch != 0 && op != isa.AtomicCmpXchg {
		g.def(src)
	}
}

// spill stores a register to the stack and reloads it after a statement
// or two, like clang around calls and under register pressure.
func (g *gen) spill() {
	w := 8
	if g.chance(1, 4) {
		w = widths[g.n(3)]
	}
	off := int16(g.pickOff(-dataArea, -w, w, true))
	g.emit(store(w, isa.R10, g.rd(), off))
	g.f.reserve++
	for range 1 + g.n(2) {
		if g.room() >= maxStmt {
			g.stmt()
		}
	}
	g.f.reserve--
	dst := g.wr()
	g.emit(load(w, false, dst, isa.R10, off))
	g.def(dst)
}

// mixed accesses one stack slot with different widths: a store of 8
// bytes read back in parts, or parts written and read back whole.
func (g *gen) mixed() {
	off := g.pickOff(-dataArea, -8, 8, true)
	if g.coin() {
		g.emit(store(8, isa.R10, g.rd(), int16(off)))
	} else {
		g.emit(storeImm(8, isa.R10, int16(off), g.imm32()))
	}
	for range 1 + g.n(3) {
		w := widths[g.n(4)]
		k := g.n(8 - w + 1)
		if g.chance(1, 3) {
			g.emit(store(w, isa.R10, g.rd(), int16(off+k)))
			continue
		}
		dst := g.wr()
		g.emit(load(w, w < 8 && g.coin(), dst, isa.R10, int16(off+k)))
		g.def(dst)
	}
	dst := g.wr()
	g.emit(load(8, false, dst, isa.R10, int16(off)))
	g.def(dst)
}

// clobberCall records what every call does to the registers: r0 is the
// result, r1-r5 read as zero.
func (g *gen) clobberCall() {
	for r := isa.R0; r <= isa.R5; r++ {
		g.def(r)
	}
}

func (g *gen) helper() {
	id := HelperIDs[g.n(len(HelperIDs))]
	if g.enabled(CallX) && g.chance(1, 3) {
		r := g.wr()
		g.emit(movImm(r, id), callX(r))
		g.def(r)
	} else {
		g.emit(callHelper(id))
	}
	g.clobberCall()
	if id == HelperIDs[3] {
		// The clock differs between runs: drop it.
		g.emit(movImm(isa.R0, g.imm32()))
	}
}

func (g *gen) legacy() {
	w := widths[g.n(3)]
	if g.coin() {
		imm := g.pickOff(0, g.mem-w, 1, false)
		if g.chance(1, 16) {
			imm = []int{-1, g.mem - w + 1, g.mem, 1 << 20}[g.n(4)]
		}
		g.emit(legacy(w, false, 0, int32(imm)))
	} else {
		r := g.rd()
		span := g.mem
		switch {
		case g.chance(1, 16):
			span = 0 // a raw data register: usually out of range
		case g.f.locked.has(r):
			span = 16 // a loop counter
		default:
			r = g.rw()
			span = g.index(r, g.mem-w+1, 1, false)
			g.def(r)
		}
		imm := g.pickOff(0, max(g.mem-w-span, 0), 1, false)
		g.emit(legacy(w, true, r, int32(imm)))
	}
	g.def(isa.R0)
}

// dead emits a jump over instructions that never run.
func (g *gen) dead() {
	l := g.f.code.newLabel()
	g.emitJump(g.ja(), l)
	for range 1 + g.n(3) {
		g.emit(aluImm(true, aluOps[g.n(len(aluOps))].op, isa.R0+isa.Register(g.n(9)), g.imm32()))
	}
	g.f.code.bind(l)
}

// ja returns an unconditional jump, sometimes in its 32-bit form.
func (g *gen) ja() isa.Instruction {
	if g.chance(1, 4) {
		return ja32
	}
	return ja
}

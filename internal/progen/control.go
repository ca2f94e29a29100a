package progen

import "github.com/ebpfjit/ebpfjit/isa"

var jumpOps = []isa.JumpOp{
	isa.JumpEq, isa.JumpGT, isa.JumpGE, isa.JumpSet, isa.JumpNE, isa.JumpSGT,
	isa.JumpSGE, isa.JumpLT, isa.JumpLE, isa.JumpSLT, isa.JumpSLE,
}

// cond returns a conditional jump on data, sometimes after the
// instructions clang puts before one: a mask to test bits, a 32-bit move
// that zero-extends the value compared.
func (g *gen) cond() isa.Instruction {
	op := jumpOps[g.n(len(jumpOps))]
	is64 := g.chance(2, 3)
	switch g.n(8) {
	case 0:
		t := g.wr()
		g.emit(aluReg(g.coin(), isa.ALUMov, t, g.rd()))
		switch g.n(3) {
		case 0:
			g.emit(aluImm(g.coin(), isa.ALUAnd, t, g.imm32()))
		case 1:
			g.emit(aluReg(g.coin(), isa.ALUAnd, t, g.rd()))
		default:
			// A 64-bit mask, often one with bits on one side of bit
			// 32 only, which tells 32-bit tests from 64-bit ones.
			m := g.pick(g.writable() &^ bit(t))
			lo := isa.LDDW(m, g.imm64())
			g.emit(lo[:]...)
			g.def(m)
			g.emit(aluReg(g.coin(), isa.ALUAnd, t, m))
		}
		g.def(t)
		return jmpImm(is64, []isa.JumpOp{isa.JumpEq, isa.JumpNE}[g.n(2)], t, 0)
	case 1:
		t := g.wr()
		g.emit(aluReg(false, isa.ALUMov, t, g.rd()))
		g.def(t)
		return jmpImm(true, op, t, g.imm32())
	}
	if g.coin() {
		return jmpReg(is64, op, g.rd(), g.rd())
	}
	imm := g.imm32()
	if g.coin() {
		imm = int32(g.n(18)) - 1 // near loop counts and small data
	}
	return jmpImm(is64, op, g.rd(), imm)
}

// ifStmt emits an if or an if/else diamond, or a break out of the
// innermost loop.
func (g *gen) ifStmt() {
	f := g.f
	if len(f.loopEnds) > 0 && g.chance(1, 6) {
		g.emitJump(g.cond(), f.loopEnds[len(f.loopEnds)-1])
		return
	}
	elseL := f.code.newLabel()
	g.emitJump(g.cond(), elseL)
	saved := f.ptr
	f.ifDepth++
	f.reserve++
	g.block(false)
	f.reserve--
	if g.coin() {
		endL := f.code.newLabel()
		g.emitJump(g.ja(), endL)
		then := f.ptr
		f.ptr = saved
		f.code.bind(elseL)
		g.block(false)
		f.ptr |= then
		f.code.bind(endL)
	} else {
		f.code.bind(elseL)
		f.ptr |= saved
	}
	f.ifDepth--
}

var tripCounts = []int{1, 2, 3, 4, 5, 7, 8, 16}

// loopTail is the most slots a loop emits after its body.
const loopTail = 4

// loop emits a counted loop. The counter lives in a callee-saved register
// or a stack slot reserved for it, so neither the body nor its calls can
// touch it; the trip count is at most 16.
func (g *gen) loop() {
	f := g.f
	n := tripCounts[g.n(len(tripCounts))]
	regs := calleeSaved &^ f.locked
	stack := f.freeSlots != 0 && (regs == 0 || g.chance(1, 3))
	if !stack && regs == 0 {
		g.alu()
		return
	}
	head, end := f.code.newLabel(), f.code.newLabel()
	entry := f.ptr
	if stack {
		slot := 0
		if f.freeSlots&1 == 0 {
			slot = 1
		}
		f.freeSlots &^= 1 << slot
		g.stackLoop(n, int16(counterSlot-8*slot), head, end)
		f.freeSlots |= 1 << slot
	} else {
		g.regLoop(n, g.pick(regs), head, end)
	}
	f.code.bind(end)
	f.ptr = entry
}

// body emits the loop body, charging its instructions n times.
func (g *gen) body(n int, end label) {
	f := g.f
	f.mult *= n
	f.loopEnds = append(f.loopEnds, end)
	f.reserve += loopTail
	g.block(false)
	if g.chance(1, 3) {
		g.block(false) // longer bodies now and then
	}
	f.reserve -= loopTail
	f.loopEnds = f.loopEnds[:len(f.loopEnds)-1]
}

func (g *gen) regLoop(n int, c isa.Register, head, end label) {
	f := g.f
	is64 := g.chance(2, 3)
	shape := g.n(3)
	init := int32(0)
	if shape == 1 {
		init = int32(n)
	}
	g.emit(aluImm(g.coin(), isa.ALUMov, c, init))
	g.def(c)
	f.locked |= bit(c)
	f.code.bind(head)
	if shape == 2 {
		// while (c < n): the test at the top, a ja back.
		op := []isa.JumpOp{isa.JumpGE, isa.JumpEq, isa.JumpSGE}[g.n(3)]
		g.emitJump(jmpImm(is64, op, c, int32(n)), end)
	}
	g.body(n, end)
	switch shape {
	case 0:
		g.emit(aluImm(g.coin(), isa.ALUAdd, c, 1))
		back := []isa.Instruction{
			jmpImm(is64, isa.JumpLT, c, int32(n)),
			jmpImm(is64, isa.JumpNE, c, int32(n)),
			jmpImm(is64, isa.JumpLE, c, int32(n-1)),
			jmpImm(is64, isa.JumpSLT, c, int32(n)),
			jmpImm(is64, isa.JumpSLE, c, int32(n-1)),
		}[g.n(5)]
		g.emitJump(back, head)
	case 1:
		if g.coin() {
			g.emit(aluImm(g.coin(), isa.ALUAdd, c, -1))
		} else {
			g.emit(aluImm(g.coin(), isa.ALUSub, c, 1))
		}
		back := []isa.Instruction{
			jmpImm(is64, isa.JumpNE, c, 0),
			jmpImm(is64, isa.JumpSGT, c, 0),
			jmpImm(is64, isa.JumpGT, c, 0),
			jmpImm(is64, isa.JumpGE, c, 1),
			jmpImm(is64, isa.JumpSet, c, -1),
		}[g.n(5)]
		g.emitJump(back, head)
	case 2:
		g.emit(aluImm(g.coin(), isa.ALUAdd, c, 1))
		g.emitJump(g.ja(), head)
	}
	f.mult /= n
	f.locked &^= bit(c)
}

func (g *gen) stackLoop(n int, slot int16, head, end label) {
	f := g.f
	w := 8
	if g.coin() {
		w = 4
	}
	if g.coin() {
		g.emit(storeImm(w, isa.R10, slot, 0))
	} else {
		r := g.wr()
		g.emit(movImm(r, 0), store(w, isa.R10, r, slot))
		g.def(r)
	}
	f.code.bind(head)
	g.body(n, end)
	t := g.wr()
	switch {
	case g.enabled(Atomics) && g.chance(1, 3):
		g.emit(movImm(t, 1), atomicOp(w, isa.AtomicAdd, isa.R10, t, slot), load(w, false, t, isa.R10, slot))
	case g.enabled(Atomics) && g.chance(1, 3):
		g.emit(movImm(t, 1), atomicOp(w, isa.AtomicAdd|isa.AtomicFetch, isa.R10, t, slot), aluImm(true, isa.ALUAdd, t, 1))
	default:
		g.emit(load(w, false, t, isa.R10, slot), aluImm(w == 8, isa.ALUAdd, t, 1), store(w, isa.R10, t, slot))
	}
	g.def(t)
	op := []isa.JumpOp{isa.JumpLT, isa.JumpNE, isa.JumpSLT}[g.n(3)]
	g.emitJump(jmpImm(w == 8 || g.coin(), op, t, int32(n)), head)
	f.mult /= n
}

// callees lists the functions the current one may call now: higher
// indices only, the recursive one only from main, and only if the cost
// stays within bounds.
func (g *gen) callees() []*function {
	f := g.f
	var out []*function
	for _, c := range g.funcs[f.index+1:] {
		if c.rec && f.index != 0 || c.baseArg != noReg && f.base == noReg || c.stackArg != noReg && !f.escapes {
			continue
		}
		cost := c.cost
		if c.rec {
			cost *= 7
		}
		if f.cost+f.mult*cost > maxCost {
			continue
		}
		out = append(out, c)
	}
	return out
}

// call emits a local call (or a callx through a func lddw) with the
// callee's pointer arguments set up right before it and every other
// argument register holding data. With overflow it calls the recursive
// function deeper than vm.MaxCallDepth allows (a faulting program).
func (g *gen) call(overflow bool) {
	f := g.f
	cands := g.callees()
	if overflow {
		cands = []*function{g.funcs[len(g.funcs)-1]}
	}
	if len(cands) == 0 {
		g.alu()
		return
	}
	c := cands[g.n(len(cands))]
	ptrArgs := bit(c.baseArg) | bit(c.stackArg)
	for r := isa.R1; r <= isa.R5; r++ {
		if !ptrArgs.has(r) && (f.ptr.has(r) || g.chance(1, 3)) {
			g.setData(r)
		}
	}
	depth := 0
	if c.rec {
		depth = g.n(7)
		if overflow {
			depth = 7 + g.n(10)
		}
		g.emit(movImm(isa.R1, int32(depth)))
		ptrArgs |= bit(isa.R1)
	}
	x := noReg
	if g.enabled(CallX) && g.chance(1, 4) {
		x = g.pick(g.writable() &^ ptrArgs)
		lo := lddwFunc(x)
		f.code.call(c.index, lo[:]...)
		g.def(x)
	}
	if c.baseArg != noReg {
		g.emit(mov(c.baseArg, f.base))
	}
	if c.stackArg != noReg {
		g.emit(mov(c.stackArg, isa.R10), aluImm(true, isa.ALUAdd, c.stackArg, int32(-g.pickOff(window, dataArea, 8, true))))
	}
	if x != noReg {
		g.emit(callX(x))
	} else {
		f.code.call(c.index, callLocal())
	}
	f.cost += f.mult * c.cost * (depth + 1)
	g.clobberCall()
}

// recursive generates the function that calls itself r1 times: a short
// body on each level and on the way back, no input access.
func (g *gen) recursive() {
	f := g.f
	c := g.pick(calleeSaved)
	g.emit(mov(c, isa.R1))
	f.locked = bit(c)
	base := f.code.newLabel()
	is64 := g.coin()
	test := []isa.Instruction{
		jmpImm(is64, isa.JumpEq, c, 0),
		jmpImm(is64, isa.JumpLE, c, 0),
		jmpImm(is64, isa.JumpSLT, c, 1),
		jmpImm(is64, isa.JumpSLE, c, 0),
	}[g.n(4)]
	g.emitJump(test, base)
	f.reserve = recFixed - 2
	g.block(false)
	for r := isa.R2; r <= isa.R5; r++ {
		if g.chance(1, 3) {
			g.setData(r)
		}
	}
	g.emit(mov(isa.R1, c), aluImm(true, isa.ALUAdd, isa.R1, -1))
	if g.enabled(CallX) && g.chance(1, 4) {
		x := g.pick(g.writable() &^ bit(isa.R1))
		lo := lddwFunc(x)
		f.code.call(f.index, lo[:]...)
		g.emit(callX(x))
	} else {
		f.code.call(f.index, callLocal())
	}
	g.clobberCall()
	f.reserve = 2 * epilogueSlots
	g.block(false)
	g.epilogue()
	f.code.bind(base)
	f.reserve = epilogueSlots
	g.block(false)
	g.epilogue()
	f.code.resolveJumps()
	// f.cost is the cost of one level; call sites multiply by the depth.
}

// faultStmt emits the one instruction a faulting program is about: its
// fault is deterministic (kind and pc) when it runs.
func (g *gen) faultStmt() {
	f := g.f
	g.faultDone = true
	switch g.fault {
	case faultBounds:
		w := 2 << g.n(3)
		off := g.mem - w + 1 + g.n(w-1)
		if g.coin() {
			off = -1 - g.n(w-1)
		}
		if g.coin() {
			g.emit(load(w, false, g.wr(), f.base, int16(off)))
		} else {
			g.emit(store(w, f.base, g.rd(), int16(off)))
		}
	case faultNull:
		t := g.pick(g.writable() &^ bit(isa.R0))
		g.emit(movImm(t, int32(g.n(4096))))
		if g.coin() {
			g.emit(load(widths[g.n(4)], false, g.wr(), t, int16(g.n(64))))
		} else {
			g.emit(storeImm(widths[g.n(4)], t, int16(g.n(64)), g.imm32()))
		}
		g.def(t)
	case faultMisaligned:
		w := 4 << g.n(2)
		op := atomicOps[g.n(len(atomicOps))]
		if g.coin() {
			g.atomicAt(w, op, f.base, int16(g.pickOff(0, g.mem-2*w, w, true)+1+g.n(w-1)))
		} else {
			g.atomicAt(w, op, isa.R10, int16(g.pickOff(-dataArea, -2*w, w, true)+1+g.n(w-1)))
		}
	case faultDepth:
		g.call(true)
	}
}

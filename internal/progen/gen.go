package progen

import (
	"math/bits"

	"github.com/ebpfjit/ebpfjit/isa"
)

// noReg marks an absent register.
const noReg isa.Register = 0xff

// regSet is a set of registers as a bit mask.
type regSet uint16

func bit(r isa.Register) regSet { return 1 << r }

func (s regSet) has(r isa.Register) bool { return r < 16 && s&bit(r) != 0 }

// allRegs is r0-r9, every register a program may write.
const allRegs regSet = 1<<10 - 1

// calleeSaved is r6-r9, which calls preserve: loop counters and the input
// base live there.
const calleeSaved regSet = 0b1111 << 6

// Stack layout of every frame, as offsets from r10. Data accesses go to
// [-dataArea, 0) and to the deep area; loop counters sit between them so
// that no data store, computed access or callee can reach them.
const (
	dataArea    = 128
	counterSlot = -136 // and counterSlot-8: one per loop nesting level
	deepLo      = -512
	deepHi      = -160 // end of the deep area (exclusive)
	// window is how many bytes a callee may access through the pointer
	// into its caller's data area that it gets as an argument.
	window = 32
)

// maxCost bounds the estimated instructions one call of a function
// executes, callees included, so that a program stays well under 100k
// executed instructions.
const maxCost = 20000

type faultKind int

const (
	faultNone       faultKind = iota
	faultBounds               // access straddling an end of the input
	faultNull                 // access at a small constant address
	faultMisaligned           // atomic at an unaligned address
	faultDepth                // recursion deeper than vm.MaxCallDepth
)

// function is one bpf-to-bpf function: its signature, its code and, while
// it is generated, what the generator knows about its registers.
type function struct {
	index int
	code  code
	// rec marks the recursive function: r1 is its remaining depth.
	rec bool
	// baseArg and stackArg are the argument registers that carry the
	// input base and a pointer to window bytes of the caller's frame
	// (noReg when the function takes no such pointer).
	baseArg, stackArg isa.Register
	budget            int // slots this function may take
	reserve           int // slots set aside for the tails of open constructs and the epilogue
	cost              int // estimated instructions per call, callees included

	// Generation state.
	base, cptr isa.Register // where the input base and caller-frame pointer are kept
	ptr        regSet       // registers holding pointers: never read as data
	locked     regSet       // registers that must not be written
	freeSlots  int          // loop counter slots not in use, a bit each
	mult       int          // product of the trip counts of the enclosing loops
	loopEnds   []label      // exits of the enclosing loops, innermost last
	ifDepth    int
	// escapes allows the frame address to leave r10 (computed stack
	// addresses, pointers passed to callees). Half of the functions keep
	// it in r10, so that the compiler can promote their stack slots.
	escapes bool
}

type gen struct {
	src       Source
	on        Feature
	mem       int
	fault     faultKind
	faultDone bool
	funcs     []*function
	f         *function // the function being generated
}

func (g *gen) n(k int) int {
	if k <= 1 {
		return 0
	}
	return g.src.Intn(k)
}

// chance is true with probability p/q; it is false when the source is
// exhausted, so that an empty fuzzer input gives the plainest program.
func (g *gen) chance(p, q int) bool { return g.n(q) >= q-p }

func (g *gen) coin() bool { return g.n(2) == 1 }

func (g *gen) enabled(f Feature) bool { return g.on&f != 0 }

// Size accounting. Every statement emits at most maxStmt slots besides
// the blocks nested in it; a construct reserves the slots of its tail
// (the jump back of a loop, the reload of a spill) while its blocks are
// generated, and a function reserves its epilogue. A statement starts
// only if maxStmt slots are left, so no function exceeds its budget and
// no program exceeds Config.MaxInsns.
const (
	maxStmt       = 18
	epilogueSlots = 13 // fold r1-r9 into r0, a stack load folded in, exit
	// Fixed code of the recursive function besides its blocks: the entry
	// test, the arguments and the call, two epilogues.
	recFixed  = 2 + 8 + 2 + 3 + 2*epilogueSlots
	recBudget = recFixed + 2*maxStmt
)

// plan decides the functions, their signatures and size budgets, and
// whether this is a faulting program.
func (g *gen) plan(maxInsns int) {
	recOK := g.enabled(Calls) && maxInsns >= 200
	if g.enabled(Faults) && g.chance(1, 12) {
		kinds := []faultKind{faultBounds, faultNull}
		if g.enabled(Atomics) {
			kinds = append(kinds, faultMisaligned)
		}
		if recOK {
			kinds = append(kinds, faultDepth)
		}
		g.fault = kinds[g.n(len(kinds))]
	}
	g.funcs = []*function{{index: 0, baseArg: noReg, stackArg: noReg}}
	left := maxInsns
	rec := g.fault == faultDepth || recOK && g.chance(1, 4)
	if rec {
		left -= recBudget
	}
	if g.enabled(Calls) {
		normal := g.n(5)
		share := left / (normal + 2)
		for share < 2*maxStmt+epilogueSlots+2 && normal > 0 {
			normal--
			share = left / (normal + 2)
		}
		for i := 1; i <= normal; i++ {
			f := &function{index: i, baseArg: noReg, stackArg: noReg, budget: share}
			if !g.chance(1, 5) {
				f.baseArg = isa.R1 + isa.Register(g.n(5))
			}
			if g.coin() {
				f.stackArg = isa.R1 + isa.Register(g.n(5))
				if f.stackArg == f.baseArg {
					f.stackArg = noReg
				}
			}
			g.funcs = append(g.funcs, f)
			left -= share
		}
	}
	if rec {
		// The recursive one comes last: it calls nothing but itself.
		g.funcs = append(g.funcs, &function{index: len(g.funcs), rec: true, baseArg: noReg, stackArg: noReg, budget: recBudget})
	}
	g.funcs[0].budget = left
}

// function generates the code of f. Callees have higher indices and are
// generated first, so their costs are known at the call sites.
func (g *gen) function(f *function) {
	g.f = f
	f.mult = 1
	f.base, f.cptr = noReg, noReg
	f.freeSlots = 0b11
	f.escapes = g.coin()
	f.reserve = epilogueSlots
	if f.index == 0 && g.fault != faultNone {
		f.reserve += maxStmt
	}
	if f.rec {
		g.recursive()
		return
	}
	switch {
	case f.index == 0:
		f.base = g.pick(calleeSaved)
		g.emit(mov(f.base, isa.R1))
		f.ptr = bit(isa.R1) | bit(f.base)
		f.locked = bit(f.base)
	default:
		if f.baseArg != noReg {
			f.base = g.pick(calleeSaved)
			g.emit(mov(f.base, f.baseArg))
			f.ptr |= bit(f.baseArg) | bit(f.base)
			f.locked |= bit(f.base)
		}
		if f.stackArg != noReg {
			f.cptr = g.pick(calleeSaved &^ f.locked)
			g.emit(mov(f.cptr, f.stackArg))
			f.ptr |= bit(f.stackArg) | bit(f.cptr)
			f.locked |= bit(f.cptr)
		}
	}
	g.block(true)
	if f.index == 0 && g.fault != faultNone && !g.faultDone {
		g.faultStmt()
	}
	g.epilogue()
	f.code.resolveJumps()
}

// emit appends instructions and charges them to the cost estimate.
func (g *gen) emit(ins ...isa.Instruction) {
	g.f.code.emit(ins...)
	g.f.cost += len(ins) * g.f.mult
}

func (g *gen) emitJump(ins isa.Instruction, l label) {
	g.f.code.jump(ins, l)
	g.f.cost += g.f.mult
}

// room is how many more slots the function may take besides what it
// has reserved.
func (g *gen) room() int { return g.f.budget - g.f.reserve - len(g.f.code.insns) }

// pick returns a register of s, which must not be empty.
func (g *gen) pick(s regSet) isa.Register {
	k := g.n(bits.OnesCount16(uint16(s)))
	for r := isa.R0; r <= isa.R10; r++ {
		if s.has(r) {
			if k == 0 {
				return r
			}
			k--
		}
	}
	panic("progen: pick from an empty register set")
}

func (g *gen) readable() regSet { return allRegs &^ g.f.ptr }
func (g *gen) writable() regSet { return allRegs &^ g.f.locked }

// rd picks a register holding data, wr one that may be overwritten (it
// may hold a pointer nobody needs any more), rw one that is both, for
// read-modify-write instructions.
func (g *gen) rd() isa.Register { return g.pick(g.readable()) }
func (g *gen) wr() isa.Register { return g.pick(g.writable()) }
func (g *gen) rw() isa.Register { return g.pick(g.readable() & g.writable()) }

// def records that r now holds data.
func (g *gen) def(r isa.Register) { g.f.ptr &^= bit(r) }

// block emits a sequence of statements. The top level of a function runs
// for a random number of statements (up to 64, or more in big budgets)
// or until its budget is used up; nested blocks are short.
func (g *gen) block(top bool) {
	count := 8
	if top {
		count = 1 + g.n(max(64, g.room()/3))
	}
	for i := 0; i < count; i++ {
		if !top && !g.chance(3, 4) {
			return
		}
		if g.room() < maxStmt || g.f.cost+g.f.mult*40 > maxCost {
			return
		}
		g.stmt()
	}
}

// epilogue folds every data register into r0, so that most computed
// values are observable, and returns.
func (g *gen) epilogue() {
	f := g.f
	regs := g.readable() &^ bit(isa.R0)
	for regs != 0 {
		r := g.pick(regs)
		regs &^= bit(r)
		if f.index != 0 && g.chance(1, 3) {
			continue // callees return less than everything
		}
		op := []isa.ALUOp{isa.ALUXor, isa.ALUAdd, isa.ALUSub, isa.ALUXor}[g.n(4)]
		g.emit(aluReg(true, op, isa.R0, r))
	}
	if g.coin() {
		// Stack contents too.
		r := g.pick(g.writable() &^ bit(isa.R0))
		g.emit(load(8, false, r, isa.R10, int16(g.stackOff(8, false))))
		g.emit(aluReg(true, isa.ALUXor, isa.R0, r))
		g.def(r)
	}
	g.emit(exit)
}

// link places main first and the functions it reaches after it in a
// random order, and resolves calls and func lddw.
func (g *gen) link() []isa.Instruction {
	reached := map[int]bool{0: true}
	work := []int{0}
	for len(work) > 0 {
		f := g.funcs[work[len(work)-1]]
		work = work[:len(work)-1]
		for _, c := range f.code.calls {
			if !reached[c.callee] {
				reached[c.callee] = true
				work = append(work, c.callee)
			}
		}
	}
	var order []int
	for i := 1; i < len(g.funcs); i++ {
		if reached[i] {
			order = append(order, i)
		}
	}
	for i := len(order) - 1; i > 0; i-- {
		j := g.n(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	order = append([]int{0}, order...)
	start := make([]int, len(g.funcs))
	var out []isa.Instruction
	for _, i := range order {
		start[i] = len(out)
		out = append(out, g.funcs[i].code.insns...)
	}
	for _, i := range order {
		for _, c := range g.funcs[i].code.calls {
			pc := start[i] + c.slot
			out[pc].Imm = int32(start[c.callee] - (pc + 1))
		}
	}
	return out
}

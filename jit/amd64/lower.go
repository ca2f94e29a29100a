package amd64

import (
	"fmt"
	"math"

	"github.com/ebpfjit/ebpfjit/ir"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/regalloc"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Generate lowers every function of an allocated program to machine code
// and assembles it with the shared stubs.
func Generate(p *ir.Program, allocs []*regalloc.Result, listing bool) (*native.Code, []Listing, error) {
	g := &generator{prog: p, allocs: allocs}
	a := &g.a
	// About five items (instructions and labels) per live value and three
	// per block: sized from what survived optimisation, not from every
	// value ever created.
	estimate := 64
	for _, f := range p.Funcs {
		for _, b := range f.Blocks {
			estimate += 5*len(b.Values) + 3
		}
	}
	a.items = make([]item, 0, estimate)
	g.funcLabels = make([]int, len(p.Funcs))
	for i := range g.funcLabels {
		g.funcLabels[i] = a.NewLabel()
	}
	g.exitHelper, g.faultExit, g.packetEnd = a.NewLabel(), a.NewLabel(), a.NewLabel()
	g.pollExit, g.pollLeave = a.NewLabel(), a.NewLabel()
	preamble := a.NewLabel()

	// The preamble: the trampoline jumps here on the native stack; it
	// calls the entry function and leaves with its result.
	a.Bind(preamble)
	a.Emit(-1, Inst{Op: CALL, Dst: L(g.funcLabels[0])})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctxArg(0), Src: R(RAX)})
	g.leave(native.ExitReturn)
	// The call preamble runs a callback for a helper: the function at
	// Context.CallTarget.
	callPreamble := a.NewLabel()
	a.Bind(callPreamble)
	a.Emit(-1, Inst{Op: CALL, Dst: ctx(native.OffCallTarget)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctxArg(0), Src: R(RAX)})
	g.leave(native.ExitReturn)

	maxFrame := 0
	for i, f := range p.Funcs {
		fl := &funcLowering{g: g, f: f, ra: allocs[i]}
		if err := fl.lower(); err != nil {
			return nil, nil, err
		}
		if int(fl.frame) > maxFrame {
			maxFrame = int(fl.frame)
		}
	}
	g.stubs()

	a.NoListing = !listing
	code, labels, lines, err := a.Assemble()
	if err != nil {
		return nil, nil, err
	}
	stack := native.StackFor(maxFrame)
	funcs := make([]native.Function, len(p.Funcs))
	for i, f := range p.Funcs {
		funcs[i] = native.Function{Slot: f.Start, Offset: labels[g.funcLabels[i]]}
	}
	return &native.Code{Arch: "amd64", Text: code, Preamble: labels[preamble], CallPreamble: labels[callPreamble],
		NativeStack: stack, Functions: funcs}, lines, nil
}

type generator struct {
	a          Assembler
	prog       *ir.Program
	allocs     []*regalloc.Result
	funcLabels []int
	exitHelper int
	faultExit  int
	packetEnd  int
	pollExit   int // saves every register, leaves with ExitPoll, restores them
	pollLeave  int
	polls      bool // some function polls
	// regionCheck holds, by LimitIndex(size)*3 + (perm-1), the label plus
	// one of the out-of-line checker of such accesses (0: none needed);
	// perm is what the access needs (vm.PermRead for a load, PermWrite
	// for a store, both for an atomic read-modify-write).
	regionCheck [12]int
}

// leave restores Go's stack and frame pointers and returns to the Go side
// of the trampoline with the given exit code. The fuel count goes to the
// context, where Go reads it (the trampolines load it back into FuelReg
// when they enter or resume native code).
func (g *generator) leave(code int) {
	a := &g.a
	if !g.prog.NoPolls {
		a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffFuel), Src: R(FuelReg)})
	}
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffExitCode), Src: Imm(int64(code))})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RSP), Src: ctx(native.OffGoSP)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RBP), Src: ctx(native.OffGoBP)})
	a.Emit(-1, Inst{Op: RET})
}

// stubs emits the code shared by all functions.
func (g *generator) stubs() {
	a := &g.a
	// exitHelper: called with the helper id and arguments in the context;
	// its return address is where native code resumes.
	a.Bind(g.exitHelper)
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: M(RSP, 0)})
	a.Emit(-1, Inst{Op: ADD, Size: 8, Dst: R(RSP), Src: Imm(8)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffResume), Src: R(RAX)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffNativeSP), Src: R(RSP)})
	g.leave(native.ExitHelper)

	// pollExit: called from a poll point that ran out of fuel, with
	// ExitPC set. Values live in every register there, so it saves them
	// all on the native stack, leaves with ExitPoll (pollLeave, which
	// works like exitHelper) and restores them when Go resumes it.
	if g.polls {
		// Not FuelReg: the trampoline that resumes loads the count Go
		// granted into it.
		saved := []Reg{RAX, RCX, RDX, RBX, RSI, RDI, R8, R9, R10, R11, R12, R13, R14}
		a.Bind(g.pollExit)
		a.Emit(-1, Inst{Op: SUB, Size: 8, Dst: R(RSP), Src: Imm(int64(8 * len(saved)))})
		for i, r := range saved {
			a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: M(RSP, int32(8*i)), Src: R(r)})
		}
		a.Emit(-1, Inst{Op: CALL, Dst: L(g.pollLeave)})
		for i, r := range saved {
			a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(r), Src: M(RSP, int32(8*i))})
		}
		a.Emit(-1, Inst{Op: ADD, Size: 8, Dst: R(RSP), Src: Imm(int64(8 * len(saved)))})
		a.Emit(-1, Inst{Op: RET})
		a.Bind(g.pollLeave)
		a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: M(RSP, 0)})
		a.Emit(-1, Inst{Op: ADD, Size: 8, Dst: R(RSP), Src: Imm(8)})
		a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffResume), Src: R(RAX)})
		a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffNativeSP), Src: R(RSP)})
		g.leave(native.ExitPoll)
	}

	// faultExit: ExitPC, Fault and FaultArg are already set.
	a.Bind(g.faultExit)
	g.leave(native.ExitFault)

	// packetEnd: a legacy packet load out of range ends the program with
	// r0 = 0, from any depth of calls.
	a.Bind(g.packetEnd)
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctxArg(0), Src: Imm(0)})
	g.leave(native.ExitReturn)

	// By size, loads first: a fixed order, so that compiling is
	// deterministic.
	for i, l := range g.regionCheck {
		if l > 0 {
			g.emitRegionCheck(1<<(i/3), vm.Perm(i%3+1), l-1)
		}
	}
}

// emitRegionCheck emits the slow path of a checked access that needs
// perm: the address is in RAX and lies outside the input region. It
// returns if the access fits the stack or one region of the table at
// Context.Regions (sorted by address, disjoint) that allows it; otherwise
// it leaves with a fault (ExitPC was set by the caller). The region at
// Context.RegionHint is tried first; else the table is binary-searched
// for the last region starting at or below the address, exactly as
// vm.Find does, and the result becomes the hint. It preserves every
// register but RCX and RDX.
func (g *generator) emitRegionCheck(size int, perm vm.Perm, label int) {
	a := &g.a
	ok, loop, searched, found, fail, readOnly, writeOnly := a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel()
	a.Bind(label)
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: R(RAX)})
	a.Emit(-1, Inst{Op: SUB, Size: 8, Dst: R(RDX), Src: ctx(native.OffStackLo)})
	a.Emit(-1, Inst{Op: CMP, Size: 8, Dst: R(RDX), Src: Imm(int64(vm.StackSize - size + 1))})
	a.Emit(-1, Inst{Op: JCC, Cond: CondB, Dst: L(ok)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RCX), Src: ctx(native.OffNumRegions)})
	a.Emit(-1, Inst{Op: TEST, Size: 8, Dst: R(RCX), Src: R(RCX)})
	a.Emit(-1, Inst{Op: JCC, Cond: CondE, Dst: L(fail)})
	// RSI (the candidate) is parked below the stack. The region the last
	// search found comes first.
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: M(RSP, -8), Src: R(RSI)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RSI), Src: ctx(native.OffRegionHint)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: R(RAX)})
	a.Emit(-1, Inst{Op: SUB, Size: 8, Dst: R(RDX), Src: M(RSI, native.RegionStart)})
	a.Emit(-1, Inst{Op: CMP, Size: 8, Dst: R(RDX), Src: M(RSI, native.RegionLen)})
	a.Emit(-1, Inst{Op: JCC, Cond: CondB, Dst: L(found)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RSI), Src: ctx(native.OffRegions)})
	// RCX entries from RSI on; halve until one is left. RDX probes the
	// middle one.
	a.Bind(loop)
	a.Emit(-1, Inst{Op: CMP, Size: 8, Dst: R(RCX), Src: Imm(1)})
	a.Emit(-1, Inst{Op: JCC, Cond: CondBE, Dst: L(searched)})
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: R(RCX)})
	a.Emit(-1, Inst{Op: SHR, Size: 8, Dst: R(RDX), Src: Imm(1)})
	a.Emit(-1, Inst{Op: SUB, Size: 8, Dst: R(RCX), Src: R(RDX)})
	a.Emit(-1, Inst{Op: SHL, Size: 8, Dst: R(RDX), Src: Imm(native.RegionSizeShift)})
	a.Emit(-1, Inst{Op: ADD, Size: 8, Dst: R(RDX), Src: R(RSI)})
	a.Emit(-1, Inst{Op: CMP, Size: 8, Dst: R(RAX), Src: M(RDX, native.RegionStart)})
	a.Emit(-1, Inst{Op: CMOVCC, Cond: CondAE, Size: 8, Dst: R(RSI), Src: R(RDX)})
	a.Emit(-1, Inst{Op: JMP, Dst: L(loop)})
	a.Bind(searched)
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffRegionHint), Src: R(RSI)})
	a.Bind(found)
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: R(RAX)})
	a.Emit(-1, Inst{Op: SUB, Size: 8, Dst: R(RDX), Src: M(RSI, native.RegionStart)}) // offset into the region
	a.Emit(-1, Inst{Op: CMP, Size: 8, Dst: R(RDX), Src: M(RSI, native.RegionLen)})
	a.Emit(-1, Inst{Op: JCC, Cond: CondAE, Dst: L(fail)})
	a.Emit(-1, Inst{Op: ADD, Size: 8, Dst: R(RDX), Src: Imm(int64(size))})
	a.Emit(-1, Inst{Op: CMP, Size: 8, Dst: R(RDX), Src: M(RSI, native.RegionLen)})
	a.Emit(-1, Inst{Op: JCC, Cond: CondA, Dst: L(fail)})
	// The permissions, in vm.PermFault's order: a missing write first.
	if perm&vm.PermWrite != 0 {
		a.Emit(-1, Inst{Op: TEST, Size: 1, Dst: M(RSI, native.RegionPerm), Src: Imm(int64(vm.PermWrite))})
		a.Emit(-1, Inst{Op: JCC, Cond: CondE, Dst: L(readOnly)})
	}
	if perm&vm.PermRead != 0 {
		a.Emit(-1, Inst{Op: TEST, Size: 1, Dst: M(RSI, native.RegionPerm), Src: Imm(int64(vm.PermRead))})
		a.Emit(-1, Inst{Op: JCC, Cond: CondE, Dst: L(writeOnly)})
	}
	a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: R(RSI), Src: M(RSP, -8)})
	a.Bind(ok)
	a.Emit(-1, Inst{Op: RET})
	store := perm&vm.PermWrite != 0
	type exit struct {
		label int
		fault vm.Fault
	}
	faults := []exit{{fail, vm.FaultOutOfBounds}}
	if perm&vm.PermWrite != 0 {
		faults = append(faults, exit{readOnly, vm.FaultReadOnly})
	}
	if perm&vm.PermRead != 0 {
		faults = append(faults, exit{writeOnly, vm.FaultWriteOnly})
	}
	for _, f := range faults {
		a.Bind(f.label)
		a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffFaultArg), Src: R(RAX)})
		word := int64(native.FaultWord(f.fault, size, store))
		a.Emit(-1, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffFault), Src: Imm(word)})
		a.Emit(-1, Inst{Op: JMP, Dst: L(g.faultExit)})
	}
}

// regionChecker returns the label of the checker of size-byte accesses
// that need perm, asking for it to be emitted.
func (g *generator) regionChecker(size int, perm vm.Perm) int {
	i := native.LimitIndex(uint8(size))*3 + int(perm) - 1
	if g.regionCheck[i] == 0 {
		g.regionCheck[i] = g.a.NewLabel() + 1
	}
	return g.regionCheck[i] - 1
}

// funcLowering lowers one function.
type funcLowering struct {
	g        *generator
	f        *ir.Func
	ra       *regalloc.Result
	frame    int32       // bytes of spill slots below the return address
	labels   []int       // by block ID
	forward  []*ir.Block // by block ID: where an empty block forwards to
	pc       int         // eBPF instruction being lowered, for listings
	deferred []func()
}

func (fl *funcLowering) emit(in Inst) { fl.g.a.Emit(fl.pc, in) }

func (fl *funcLowering) lower() error {
	a := &fl.g.a
	f := fl.f
	fl.frame = int32(fl.ra.NumSlots * 8)
	fl.labels = make([]int, f.NumBlocks())
	for _, b := range fl.ra.Order {
		fl.labels[b.ID] = a.NewLabel()
	}
	fl.pc = f.Start
	a.Bind(fl.g.funcLabels[f.Index])
	if fl.frame > 0 {
		fl.emit(Inst{Op: SUB, Size: 8, Dst: R(RSP), Src: Imm(int64(fl.frame))})
	}
	fl.zeroFrame()

	// Blocks that need no code forward their labels to their
	// destinations; the others are emitted in order, and a branch to the
	// block laid out next falls through.
	var order []*ir.Block
	order, fl.forward = fl.ra.Layout(regalloc.RegOperand(regalloc.Reg(RAX)))
	for _, b := range fl.ra.Order {
		if d := fl.forward[b.ID]; d != nil {
			a.Alias(fl.labels[b.ID], fl.labels[d.ID])
		}
	}
	for i, b := range order {
		var next *ir.Block
		if i+1 < len(order) {
			next = order[i+1]
		}
		if err := fl.block(b, next); err != nil {
			return err
		}
	}
	for _, d := range fl.deferred {
		d()
	}
	return nil
}

// landing returns where a jump to b really lands (past empty blocks).
func (fl *funcLowering) landing(b *ir.Block) *ir.Block {
	if d := fl.forward[b.ID]; d != nil {
		return d
	}
	return b
}

// zeroFrame clears the part of the eBPF frame the function may read
// before writing (the contract says frames start zeroed).
func (fl *funcLowering) zeroFrame() {
	n := (fl.f.FrameZero + 7) / 8
	if n == 0 {
		return
	}
	fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: ctxCallArg(ir.ArgFrame)})
	fl.emit(Inst{Op: XOR, Size: 4, Dst: R(RAX), Src: R(RAX)})
	if n <= 8 {
		for i := 1; i <= n; i++ {
			fl.emit(Inst{Op: MOV, Size: 8, Dst: M(RDX, int32(-8*i)), Src: R(RAX)})
		}
		return
	}
	// rep stosq: nothing is live yet, so RDI may be borrowed.
	fl.emit(Inst{Op: LEA, Size: 8, Dst: R(RDI), Src: M(RDX, int32(-8*n))})
	fl.emit(Inst{Op: MOV, Size: 4, Dst: R(RCX), Src: Imm(int64(n))})
	fl.emit(Inst{Op: STOSQ, Size: 8, Rep: true})
}

// loc returns the allocation of v.
func (fl *funcLowering) loc(v *ir.Value) regalloc.Location { return fl.ra.Of(v) }

func slotMem(slot int) Operand { return M(RSP, int32(8*slot)) }

// operand returns v as an instruction operand: an immediate, a register
// or its spill slot.
func (fl *funcLowering) operand(v *ir.Value) Operand {
	if v.IsConst() {
		return Imm(int64(v.Const()))
	}
	l := fl.loc(v)
	if l.InReg() {
		return R(Reg(l.Reg))
	}
	if l.Slot < 0 {
		panic(fmt.Sprintf("amd64: %s has no location", v.LongString()))
	}
	return slotMem(l.Slot)
}

// fitsImm reports whether constant c can be an immediate of an op of the
// given size (sign-extended to 64 bits for 8-byte ops).
func fitsImm(c uint64, size uint8) bool {
	if size == 8 {
		return int64(c) >= math.MinInt32 && int64(c) <= math.MaxInt32
	}
	return true
}

// immOperand returns the immediate for c at an operand size.
func immOperand(c uint64, size uint8) Operand {
	switch size {
	case 4:
		return Imm(int64(int32(uint32(c))))
	case 2:
		return Imm(int64(int16(uint16(c))))
	case 1:
		return Imm(int64(int8(uint8(c))))
	}
	return Imm(int64(c))
}

// source returns v as a source operand of an op of the given size: an
// immediate when it fits, else a register or memory operand; a constant
// that does not fit goes through scratch.
func (fl *funcLowering) source(v *ir.Value, size uint8, scratch Reg) Operand {
	if v.IsConst() {
		if fitsImm(v.Const(), size) {
			return immOperand(v.Const(), size)
		}
		fl.movConst(scratch, v.Const())
		return R(scratch)
	}
	return fl.operand(v)
}

// movConst loads a constant into a register with the shortest encoding.
func (fl *funcLowering) movConst(r Reg, c uint64) {
	switch {
	case c == 0:
		fl.emit(Inst{Op: XOR, Size: 4, Dst: R(r), Src: R(r)})
	case c <= math.MaxUint32:
		fl.emit(Inst{Op: MOV, Size: 4, Dst: R(r), Src: Imm(int64(int32(uint32(c))))})
	case int64(c) >= math.MinInt32 && int64(c) < 0:
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(r), Src: Imm(int64(c))})
	default:
		fl.emit(Inst{Op: MOVABS, Size: 8, Dst: R(r), Src: Imm(int64(c))})
	}
}

// reg returns a register holding v, loading it into scratch if it is a
// constant or spilled.
func (fl *funcLowering) reg(v *ir.Value, scratch Reg) Reg {
	if v.IsConst() {
		fl.movConst(scratch, v.Const())
		return scratch
	}
	l := fl.loc(v)
	if l.InReg() {
		return Reg(l.Reg)
	}
	fl.emit(Inst{Op: MOV, Size: 8, Dst: R(scratch), Src: slotMem(l.Slot)})
	return scratch
}

// dest returns the register to compute v into and a function that
// completes the definition (storing a spilled value to its slot).
func (fl *funcLowering) dest(v *ir.Value) (Reg, func()) {
	l := fl.loc(v)
	if l.InReg() {
		return Reg(l.Reg), func() {}
	}
	if l.Slot < 0 {
		return RAX, func() {} // unused result
	}
	return RAX, func() {
		fl.emit(Inst{Op: MOV, Size: 8, Dst: slotMem(l.Slot), Src: R(RAX)})
	}
}

func (fl *funcLowering) block(b *ir.Block, next *ir.Block) error {
	a := &fl.g.a
	a.Bind(fl.labels[b.ID])
	for _, v := range b.Values {
		if !fl.ra.Needed(v) {
			continue
		}
		fl.pc = v.PC
		if err := fl.value(v); err != nil {
			return err
		}
	}
	switch b.Kind {
	case ir.BlockReturn:
		r0 := b.Controls[0]
		fl.load(RAX, r0)
		if fl.frame > 0 {
			fl.emit(Inst{Op: ADD, Size: 8, Dst: R(RSP), Src: Imm(int64(fl.frame))})
		}
		fl.emit(Inst{Op: RET})
	case ir.BlockJump:
		e := b.Succs[0]
		fl.edgeMoves(e)
		if fl.landing(e.To) != next {
			fl.emit(Inst{Op: JMP, Dst: L(fl.labels[e.To.ID])})
		}
	case ir.BlockIf:
		fl.branch(b, next)
	}
	return nil
}

// load puts v (any location) into register r.
func (fl *funcLowering) load(r Reg, v *ir.Value) {
	if v.IsConst() {
		fl.movConst(r, v.Const())
		return
	}
	src := fl.operand(v)
	if src.Kind == KindReg && src.Reg == r {
		return
	}
	fl.emit(Inst{Op: MOV, Size: 8, Dst: R(r), Src: src})
}

// edgeMoves binds the target's parameters. RAX breaks cycles; RCX carries
// memory-to-memory moves.
func (fl *funcLowering) edgeMoves(e ir.Edge) {
	for _, m := range fl.ra.EdgeMoves(e.Args, e.To.Params, regalloc.RegOperand(regalloc.Reg(RAX))) {
		fl.move(m)
	}
}

func moveOperand(o regalloc.Operand) Operand {
	switch o.Kind {
	case regalloc.InReg:
		return R(Reg(o.Reg))
	case regalloc.InSlot:
		return slotMem(o.Slot)
	}
	return Imm(int64(o.Const))
}

func (fl *funcLowering) move(m regalloc.Move) {
	dst, src := moveOperand(m.Dst), moveOperand(m.Src)
	switch {
	case src.Kind == KindImm && dst.Kind == KindReg:
		fl.movConst(dst.Reg, m.Src.Const)
	case src.Kind == KindImm && !fitsImm(m.Src.Const, 8):
		fl.movConst(RCX, m.Src.Const)
		fl.emit(Inst{Op: MOV, Size: 8, Dst: dst, Src: R(RCX)})
	case src.Kind == KindMem && dst.Kind == KindMem:
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RCX), Src: src})
		fl.emit(Inst{Op: MOV, Size: 8, Dst: dst, Src: R(RCX)})
	default:
		fl.emit(Inst{Op: MOV, Size: 8, Dst: dst, Src: src})
	}
}

var condCodes = [...]Cond{
	ir.CondEq: CondE, ir.CondNe: CondNE, ir.CondGt: CondA, ir.CondGe: CondAE,
	ir.CondLt: CondB, ir.CondLe: CondBE, ir.CondSGt: CondG, ir.CondSGe: CondGE,
	ir.CondSLt: CondL, ir.CondSLe: CondLE, ir.CondSet: CondNE, ir.CondClear: CondE,
}

// compare sets the flags for condition c on x and y and returns the
// condition code to test. RAX and RDX may be used for constants.
func (fl *funcLowering) compare(c ir.Cond, is32 bool, x, y *ir.Value) Cond {
	size := uint8(8)
	if is32 {
		size = 4
	}
	xop := fl.operand(x)
	if xop.Kind == KindImm {
		fl.movConst(RAX, x.Const())
		xop = R(RAX)
	}
	yop := fl.source(y, size, RDX)
	if xop.Kind == KindMem && yop.Kind == KindMem {
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: xop})
		xop = R(RAX)
	}
	op := CMP
	switch {
	case c == ir.CondSet || c == ir.CondClear:
		op = TEST
		if yop.Kind == KindMem { // test r/m, r: put the register second
			xop, yop = yop, xop
		}
	case yop.Kind == KindImm && yop.Imm == 0 && xop.Kind == KindReg:
		// cmp r, 0 and test r, r set the flags alike for every condition.
		op, yop = TEST, xop
	}
	fl.emit(Inst{Op: op, Size: size, Dst: xop, Src: yop})
	return condCodes[c]
}

func (fl *funcLowering) branch(b *ir.Block, next *ir.Block) {
	cc := fl.compare(b.Cond, b.Is32, b.Controls[0], b.Controls[1])
	taken, fall := fl.landing(b.Succs[0].To), fl.landing(b.Succs[1].To)
	switch {
	case fall == next:
		fl.emit(Inst{Op: JCC, Cond: cc, Dst: L(fl.labels[taken.ID])})
	case taken == next:
		fl.emit(Inst{Op: JCC, Cond: cc.Invert(), Dst: L(fl.labels[fall.ID])})
	default:
		fl.emit(Inst{Op: JCC, Cond: cc, Dst: L(fl.labels[taken.ID])})
		fl.emit(Inst{Op: JMP, Dst: L(fl.labels[fall.ID])})
	}
}

var aluOps = map[ir.Op]Op{
	ir.OpAdd: ADD, ir.OpSub: SUB, ir.OpOr: OR, ir.OpAnd: AND, ir.OpXor: XOR, ir.OpMul: IMUL,
	ir.OpShl: SHL, ir.OpShrU: SHR, ir.OpShrS: SAR,
}

func (fl *funcLowering) value(v *ir.Value) error {
	switch {
	case v.Op == ir.OpArg:
		d, fin := fl.dest(v)
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: ctxCallArg(int(v.Aux))})
		fin()
	case v.Op.IsBinary():
		fl.binary(v)
	case v.Op == ir.OpLoad:
		fl.loadValue(v)
	case v.Op == ir.OpPoll:
		fl.poll(v)

	case v.Op == ir.OpStore:
		fl.store(v)
	case v.Op == ir.OpAtomic:
		fl.atomic(v)
	case v.Op == ir.OpLegacyLoad:
		fl.legacyLoad(v)
	case v.Op == ir.OpCall:
		fl.saveAcross(v)
		fl.helperCall(v, v.Args, func() { fl.emit(Inst{Op: MOV, Size: 8, Dst: ctx(native.OffHelperID), Src: Imm(v.Aux)}) })
		fl.result(v, ctxArg(0))
		fl.restoreAcross(v)
	case v.Op == ir.OpCallLocal:
		fl.saveAcross(v)
		fl.localCall(v, v.Args[:5], v.Args[5], int(v.Aux))
		fl.result(v, R(RAX))
		fl.restoreAcross(v)
	case v.Op == ir.OpCallX:
		fl.callX(v)
	case v.Op == ir.OpHelperReturned:
		fl.result(v, ctx(native.OffReturned))
	case v.Op == ir.OpMapAddr:
		k := int32(vm.MapTableIndex(int(v.Aux), v.Aux2 >= 0))
		d, fin := fl.dest(v)
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: ctx(native.OffMapTable)})
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: M(RAX, 8*k)})
		if v.Aux2 > 0 {
			fl.emit(Inst{Op: ADD, Size: 8, Dst: R(d), Src: Imm(v.Aux2)})
		}
		fin()
	default:
		fl.unary(v)
	}
	return nil
}

func (fl *funcLowering) result(v *ir.Value, src Operand) {
	d, fin := fl.dest(v)
	fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: src})
	fin()
}

func opSize(v *ir.Value) uint8 {
	if v.Op.Is32() {
		return 4
	}
	return 8
}

func (fl *funcLowering) binary(v *ir.Value) {
	switch v.Op.Wide() {
	case ir.OpDivU, ir.OpDivS, ir.OpModU, ir.OpModS:
		fl.divide(v)
		return
	}
	size := opSize(v)
	op := aluOps[v.Op.Wide()]
	a, b := v.Args[0], v.Args[1]
	d, fin := fl.dest(v)
	if op == SHL || op == SHR || op == SAR {
		if b.IsConst() {
			mask := uint64(63)
			if size == 4 {
				mask = 31
			}
			fl.moveInto(d, a, size)
			fl.emit(Inst{Op: op, Size: size, Dst: R(d), Src: Imm(int64(b.Const() & mask))})
		} else {
			fl.load(RCX, b)
			fl.moveInto(d, a, size)
			fl.emit(Inst{Op: op, Size: size, Dst: R(d), Src: R(RCX)})
		}
		fin()
		return
	}
	bop := fl.source(b, size, RCX)
	if op == IMUL && bop.Kind == KindImm {
		fl.movConst(RCX, b.Const())
		bop = R(RCX)
	}
	aop := fl.operand(a)
	switch {
	case aop.Kind == KindReg && aop.Reg == d:
		// d already holds a.
	case bop.Kind == KindReg && bop.Reg == d && a != b:
		if v.Op.Commutative() {
			// d = b op a.
			aop, bop = bop, fl.source(a, size, RCX)
			if op == IMUL && bop.Kind == KindImm {
				fl.movConst(RCX, a.Const())
				bop = R(RCX)
			}
			_ = aop
		} else {
			// Computing into d would clobber b first.
			fl.moveInto(RDX, a, size)
			fl.emit(Inst{Op: op, Size: size, Dst: R(RDX), Src: bop})
			fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: R(RDX)})
			fin()
			return
		}
	case aop.Kind == KindReg && (op == ADD || op == SUB) && (bop.Kind == KindReg || bop.Kind == KindImm):
		// A sum into a third register is one lea (which leaves the flags
		// alone, and at 32 bits zero-extends like add).
		switch {
		case op == ADD && bop.Kind == KindReg:
			fl.emit(Inst{Op: LEA, Size: size, Dst: R(d), Src: MI(aop.Reg, bop.Reg, 1, 0)})
			fin()
			return
		case bop.Kind == KindImm && op == ADD:
			fl.emit(Inst{Op: LEA, Size: size, Dst: R(d), Src: M(aop.Reg, int32(bop.Imm))})
			fin()
			return
		case bop.Kind == KindImm && bop.Imm != math.MinInt32:
			fl.emit(Inst{Op: LEA, Size: size, Dst: R(d), Src: M(aop.Reg, int32(-bop.Imm))})
			fin()
			return
		}
		fl.moveInto(d, a, size)
	default:
		fl.moveInto(d, a, size)
	}
	fl.emit(Inst{Op: op, Size: size, Dst: R(d), Src: bop})
	fin()
}

// moveInto copies v into register d (a 4-byte move for 32-bit ops: only
// the low half matters and the move zero-extends anyway).
func (fl *funcLowering) moveInto(d Reg, v *ir.Value, size uint8) {
	if v.IsConst() {
		fl.movConst(d, v.Const())
		return
	}
	src := fl.operand(v)
	if src.Kind == KindReg && src.Reg == d {
		return
	}
	fl.emit(Inst{Op: MOV, Size: size, Dst: R(d), Src: src})
}

// divide lowers the four division ops with eBPF's rules: x/0 = 0,
// x%0 = x, INT_MIN/-1 = INT_MIN and INT_MIN%-1 = 0. x86's div and idiv
// would trap on the first and the last, so both are tested for first.
func (fl *funcLowering) divide(v *ir.Value) {
	size := opSize(v)
	wide := v.Op.Wide()
	signed := wide == ir.OpDivS || wide == ir.OpModS
	isMod := wide == ir.OpModU || wide == ir.OpModS
	a, b := v.Args[0], v.Args[1]
	a2 := &fl.g.a
	done := a2.NewLabel()
	d, fin := fl.dest(v)

	fl.load(RCX, b)
	fl.moveInto(RAX, a, 8)
	var divisor uint64
	known := b.IsConst()
	if known {
		divisor = b.Const()
		if size == 4 {
			divisor = uint64(uint32(divisor))
		}
	}
	// Division by zero.
	if !known || divisor == 0 {
		zero := a2.NewLabel()
		if !known {
			fl.emit(Inst{Op: TEST, Size: size, Dst: R(RCX), Src: R(RCX)})
			fl.emit(Inst{Op: JCC, Cond: CondE, Dst: L(zero)})
		} else {
			fl.emit(Inst{Op: JMP, Dst: L(zero)})
		}
		fl.deferred = append(fl.deferred, func() {
			a2.Bind(zero)
			if isMod {
				// The dividend stays; a 32-bit one loses its upper half.
				fl.emit(Inst{Op: MOV, Size: size, Dst: R(RDX), Src: R(RAX)})
			} else {
				fl.emit(Inst{Op: XOR, Size: 4, Dst: R(RAX), Src: R(RAX)})
			}
			fl.emit(Inst{Op: JMP, Dst: L(done)})
		})
	}
	if signed && (!known || divisor == math.MaxUint64 || (size == 4 && divisor == math.MaxUint32)) {
		// Division by -1: negate (wrapping for INT_MIN); remainder 0.
		negOne := a2.NewLabel()
		fl.emit(Inst{Op: CMP, Size: size, Dst: R(RCX), Src: Imm(-1)})
		fl.emit(Inst{Op: JCC, Cond: CondE, Dst: L(negOne)})
		fl.deferred = append(fl.deferred, func() {
			a2.Bind(negOne)
			if isMod {
				fl.emit(Inst{Op: XOR, Size: 4, Dst: R(RDX), Src: R(RDX)})
			} else {
				fl.emit(Inst{Op: NEG, Size: size, Dst: R(RAX)})
			}
			fl.emit(Inst{Op: JMP, Dst: L(done)})
		})
	}
	if signed {
		fl.emit(Inst{Op: CQO, Size: size})
		fl.emit(Inst{Op: IDIV, Size: size, Dst: R(RCX)})
	} else {
		fl.emit(Inst{Op: XOR, Size: 4, Dst: R(RDX), Src: R(RDX)})
		fl.emit(Inst{Op: DIV, Size: size, Dst: R(RCX)})
	}
	a2.Bind(done)
	res := RAX
	if isMod {
		res = RDX
	}
	// A 32-bit result was written as such, so it is already zero-extended.
	if d != res {
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: R(res)})
	}
	fin()
}

func (fl *funcLowering) unary(v *ir.Value) {
	a := v.Args[0]
	d, fin := fl.dest(v)
	src := fl.operand(a)
	if src.Kind == KindImm {
		fl.movConst(RCX, a.Const())
		src = R(RCX)
	}
	switch v.Op {
	case ir.OpNeg, ir.OpNeg32:
		size := opSize(v)
		fl.moveInto(d, a, size)
		fl.emit(Inst{Op: NEG, Size: size, Dst: R(d)})
	case ir.OpSExt8:
		fl.emit(Inst{Op: MOVSX, Size: 8, SrcSize: 1, Dst: R(d), Src: src})
	case ir.OpSExt16:
		fl.emit(Inst{Op: MOVSX, Size: 8, SrcSize: 2, Dst: R(d), Src: src})
	case ir.OpSExt32:
		fl.emit(Inst{Op: MOVSXD, Size: 8, Dst: R(d), Src: src})
	case ir.OpSExt8To32:
		fl.emit(Inst{Op: MOVSX, Size: 4, SrcSize: 1, Dst: R(d), Src: src})
	case ir.OpSExt16To32:
		fl.emit(Inst{Op: MOVSX, Size: 4, SrcSize: 2, Dst: R(d), Src: src})
	case ir.OpZExt8:
		fl.emit(Inst{Op: MOVZX, Size: 4, SrcSize: 1, Dst: R(d), Src: src})
	case ir.OpZExt16:
		fl.emit(Inst{Op: MOVZX, Size: 4, SrcSize: 2, Dst: R(d), Src: src})
	case ir.OpZExt32:
		fl.emit(Inst{Op: MOV, Size: 4, Dst: R(d), Src: src})
	case ir.OpBswap16:
		fl.emit(Inst{Op: MOVZX, Size: 4, SrcSize: 2, Dst: R(d), Src: src})
		fl.emit(Inst{Op: ROL, Size: 2, Dst: R(d), Src: Imm(8)})
	case ir.OpBswap32:
		fl.emit(Inst{Op: MOV, Size: 4, Dst: R(d), Src: src})
		fl.emit(Inst{Op: BSWAP, Size: 4, Dst: R(d)})
	case ir.OpBswap64:
		if !(src.Kind == KindReg && src.Reg == d) {
			fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: src})
		}
		fl.emit(Inst{Op: BSWAP, Size: 8, Dst: R(d)})
	default:
		panic(fmt.Sprintf("amd64: cannot lower %s", v.LongString()))
	}
	fin()
}

// address returns the memory operand of an access that needs perm. For
// checked accesses it first emits the check: the input region (always
// read-write) is tested inline on a copy of the address in RDX; anything
// else goes to the out-of-line checker, which takes the address in RAX,
// keeps every register but RCX and RDX, and faults when no region holds
// the access or the region does not allow it.
func (fl *funcLowering) address(v *ir.Value, perm vm.Perm) Operand {
	base := fl.reg(v.Args[0], RAX)
	disp := int32(v.Aux)
	mem := M(base, disp)
	if !v.Checked {
		return mem
	}
	a := &fl.g.a
	if disp == 0 {
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: R(base)})
	} else {
		fl.emit(Inst{Op: LEA, Size: 8, Dst: R(RDX), Src: mem})
	}
	ok, slow := a.NewLabel(), a.NewLabel()
	fl.emit(Inst{Op: SUB, Size: 8, Dst: R(RDX), Src: ctx(native.OffMemStart)})
	fl.emit(Inst{Op: CMP, Size: 8, Dst: R(RDX), Src: ctx(native.OffMemLimit + 8*native.LimitIndex(v.Size))})
	fl.emit(Inst{Op: JCC, Cond: CondAE, Dst: L(slow)})
	a.Bind(ok)
	pc := v.PC
	check := fl.g.regionChecker(int(v.Size), perm)
	fl.deferred = append(fl.deferred, func() {
		a.Bind(slow)
		a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffExitPC), Src: Imm(int64(pc))})
		switch {
		case base != RAX && disp == 0:
			a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: R(base)})
		case disp != 0:
			a.Emit(pc, Inst{Op: LEA, Size: 8, Dst: R(RAX), Src: mem})
		}
		a.Emit(pc, Inst{Op: CALL, Dst: L(check)})
		if base == RAX && disp != 0 {
			// The access adds the displacement again.
			a.Emit(pc, Inst{Op: LEA, Size: 8, Dst: R(RAX), Src: M(RAX, -disp)})
		}
		a.Emit(pc, Inst{Op: JMP, Dst: L(ok)})
	})
	return mem
}

// pollLanding returns where a poll's out-of-line exit goes back to when
// nothing but a jump follows the poll in its block (a loop's back edge
// with no moves): straight to the block the jump lands on, so that no
// branch lands on a jump. Otherwise it returns nil.
func (fl *funcLowering) pollLanding(v *ir.Value, scratch regalloc.Operand) *ir.Block {
	b := v.Block
	if b.Kind != ir.BlockJump {
		return nil
	}
	last := false
	for _, w := range b.Values {
		if w == v {
			last = true
		} else if last && fl.ra.Needed(w) {
			return nil
		}
	}
	e := b.Succs[0]
	if len(fl.ra.EdgeMoves(e.Args, e.To.Params, scratch)) != 0 {
		return nil
	}
	return fl.landing(e.To)
}

// poll is a poll point (vm.Limits): the fuel count, in a register, minus
// one, and a branch, taken when it was already 0, to an out-of-line exit
// that stores the count, keeps every register, and reloads the count Go
// granted.
func (fl *funcLowering) poll(v *ir.Value) {
	a := &fl.g.a
	fl.g.polls = true
	stub, back := a.NewLabel(), a.NewLabel()
	fl.emit(Inst{Op: SUB, Size: 8, Dst: R(FuelReg), Src: Imm(1)})
	fl.emit(Inst{Op: JCC, Cond: CondB, Dst: L(stub)})
	a.Bind(back)
	if to := fl.pollLanding(v, regalloc.RegOperand(regalloc.Reg(RAX))); to != nil {
		back = fl.labels[to.ID]
	}
	pc := v.PC
	fl.deferred = append(fl.deferred, func() {
		a.Bind(stub)
		a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffExitPC), Src: Imm(int64(pc))})
		a.Emit(pc, Inst{Op: CALL, Dst: L(fl.g.pollExit)})
		a.Emit(pc, Inst{Op: JMP, Dst: L(back)})
	})
}

func (fl *funcLowering) loadValue(v *ir.Value) {
	mem := fl.address(v, vm.PermRead)
	d, fin := fl.dest(v)
	switch {
	case v.Size == 8:
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: mem})
	case v.Size == 4 && v.Signed:
		fl.emit(Inst{Op: MOVSXD, Size: 8, Dst: R(d), Src: mem})
	case v.Size == 4:
		fl.emit(Inst{Op: MOV, Size: 4, Dst: R(d), Src: mem})
	case v.Signed:
		fl.emit(Inst{Op: MOVSX, Size: 8, SrcSize: v.Size, Dst: R(d), Src: mem})
	default:
		fl.emit(Inst{Op: MOVZX, Size: 4, SrcSize: v.Size, Dst: R(d), Src: mem})
	}
	fin()
}

func (fl *funcLowering) store(v *ir.Value) {
	mem := fl.address(v, vm.PermWrite)
	val := v.Args[1]
	var src Operand
	switch {
	case val.IsConst() && fitsImm(val.Const(), v.Size):
		src = immOperand(val.Const(), v.Size)
	default:
		src = R(fl.reg(val, RCX))
	}
	fl.emit(Inst{Op: MOV, Size: v.Size, Dst: mem, Src: src})
}

// atomic lowers the read-modify-write operations. The address is checked
// like any access and must be aligned to the access size.
func (fl *funcLowering) atomic(v *ir.Value) {
	a := &fl.g.a
	mem := fl.address(v, vm.PermRW)
	if mem.Mem.Base != RAX || mem.Mem.Disp != 0 {
		fl.emit(Inst{Op: LEA, Size: 8, Dst: R(RAX), Src: mem})
	}
	size := v.Size
	misaligned := a.NewLabel()
	fl.emit(Inst{Op: TEST, Size: 1, Dst: R(RAX), Src: Imm(int64(size - 1))})
	fl.emit(Inst{Op: JCC, Cond: CondNE, Dst: L(misaligned)})
	pc := v.PC
	fl.deferred = append(fl.deferred, func() {
		a.Bind(misaligned)
		a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffExitPC), Src: Imm(int64(pc))})
		a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffFaultArg), Src: R(RAX)})
		a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffFault), Src: Imm(int64(native.FaultWord(vm.FaultMisaligned, int(size), false)))})
		a.Emit(pc, Inst{Op: JMP, Dst: L(fl.g.faultExit)})
	})
	// From here: RDX = address, RCX = operand, RAX = accumulator.
	fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RDX), Src: R(RAX)})
	at := M(RDX, 0)
	op := int32(v.Aux2)
	fl.load(RCX, v.Args[1])
	var result Reg = NoReg
	switch op {
	case isa.AtomicAdd, isa.AtomicOr, isa.AtomicAnd, isa.AtomicXor:
		fl.emit(Inst{Op: map[int32]Op{isa.AtomicAdd: ADD, isa.AtomicOr: OR, isa.AtomicAnd: AND, isa.AtomicXor: XOR}[op],
			Size: size, Dst: at, Src: R(RCX), Lock: true})
	case isa.AtomicAdd | isa.AtomicFetch:
		fl.emit(Inst{Op: XADD, Size: size, Dst: at, Src: R(RCX), Lock: true})
		result = RCX
	case isa.AtomicXchg:
		fl.emit(Inst{Op: XCHG, Size: size, Dst: at, Src: R(RCX)})
		result = RCX
	case isa.AtomicCmpXchg:
		fl.load(RAX, v.Args[2])
		fl.emit(Inst{Op: CMPXCHG, Size: size, Dst: at, Src: R(RCX), Lock: true})
		if size == 4 {
			// On success eax is not written, so its upper half is stale.
			fl.emit(Inst{Op: MOV, Size: 4, Dst: R(RAX), Src: R(RAX)})
		}
		result = RAX
	default:
		// fetch-or/and/xor: a compare-and-swap loop. The operand moves to
		// the stack's red zone below RSP so RCX can hold the new value.
		loop := a.NewLabel()
		bop := map[int32]Op{isa.AtomicOr | isa.AtomicFetch: OR, isa.AtomicAnd | isa.AtomicFetch: AND, isa.AtomicXor | isa.AtomicFetch: XOR}[op]
		fl.emit(Inst{Op: MOV, Size: 8, Dst: M(RSP, -8), Src: R(RCX)})
		fl.emit(Inst{Op: MOV, Size: size, Dst: R(RAX), Src: at})
		a.Bind(loop)
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RCX), Src: R(RAX)})
		fl.emit(Inst{Op: bop, Size: size, Dst: R(RCX), Src: M(RSP, -8)})
		fl.emit(Inst{Op: CMPXCHG, Size: size, Dst: at, Src: R(RCX), Lock: true})
		fl.emit(Inst{Op: JCC, Cond: CondNE, Dst: L(loop)})
		result = RAX
	}
	if result != NoReg {
		d, fin := fl.dest(v)
		if size == 4 && result != RAX {
			fl.emit(Inst{Op: MOV, Size: 4, Dst: R(d), Src: R(result)})
		} else if d != result {
			fl.emit(Inst{Op: MOV, Size: 8, Dst: R(d), Src: R(result)})
		}
		fin()
	}
}

// legacyLoad is BPF_ABS/BPF_IND: a big-endian load from the input at a
// constant offset (plus a register); out of range ends the program with
// r0 = 0.
func (fl *funcLowering) legacyLoad(v *ir.Value) {
	fl.movConst(RDX, uint64(int64(int32(v.Aux))))
	if len(v.Args) > 0 {
		idx := fl.operand(v.Args[0])
		if idx.Kind == KindImm {
			fl.movConst(RCX, v.Args[0].Const())
			idx = R(RCX)
		}
		fl.emit(Inst{Op: MOVSXD, Size: 8, Dst: R(RCX), Src: idx})
		fl.emit(Inst{Op: ADD, Size: 8, Dst: R(RDX), Src: R(RCX)})
	}
	fl.emit(Inst{Op: CMP, Size: 8, Dst: R(RDX), Src: ctx(native.OffMemLimit + 8*native.LimitIndex(v.Size))})
	fl.emit(Inst{Op: JCC, Cond: CondAE, Dst: L(fl.g.packetEnd)})
	fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: ctx(native.OffMemStart)})
	d, fin := fl.dest(v)
	mem := MI(RAX, RDX, 1, 0)
	switch v.Size {
	case 1:
		fl.emit(Inst{Op: MOVZX, Size: 4, SrcSize: 1, Dst: R(d), Src: mem})
	case 2:
		fl.emit(Inst{Op: MOVZX, Size: 4, SrcSize: 2, Dst: R(d), Src: mem})
		fl.emit(Inst{Op: ROL, Size: 2, Dst: R(d), Src: Imm(8)})
	default:
		fl.emit(Inst{Op: MOV, Size: 4, Dst: R(d), Src: mem})
		fl.emit(Inst{Op: BSWAP, Size: 4, Dst: R(d)})
	}
	fin()
}

// saveAcross stores the registers of values that live across call v.
func (fl *funcLowering) saveAcross(v *ir.Value) {
	for _, s := range fl.ra.Saves[v] {
		l := fl.loc(s)
		fl.emit(Inst{Op: MOV, Size: 8, Dst: slotMem(l.Slot), Src: R(Reg(l.Reg))})
	}
}

func (fl *funcLowering) restoreAcross(v *ir.Value) {
	for _, s := range fl.ra.Saves[v] {
		l := fl.loc(s)
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(Reg(l.Reg)), Src: slotMem(l.Slot)})
	}
}

// storeArg writes v to a context slot.
func (fl *funcLowering) storeArg(dst Operand, v *ir.Value) {
	src := fl.source(v, 8, RAX)
	if src.Kind == KindMem {
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: src})
		src = R(RAX)
	}
	fl.emit(Inst{Op: MOV, Size: 8, Dst: dst, Src: src})
}

// helperCall leaves native code to run a helper: arguments go to the
// context, setID stores the helper id, and the call to the exit stub
// pushes the address native code resumes at.
func (fl *funcLowering) helperCall(v *ir.Value, args []*ir.Value, setID func()) {
	for i, arg := range args[:5] {
		fl.storeArg(ctxArg(i+1), arg)
	}
	if len(args) > 5 {
		// A helper with a callback: its frame goes below this one.
		fl.storeArg(ctx(native.OffHelperFrame), args[5])
	}
	setID()
	fl.emit(Inst{Op: MOV, Size: 8, Dst: ctx(native.OffExitPC), Src: Imm(int64(v.PC))})
	fl.emit(Inst{Op: CALL, Dst: L(fl.g.exitHelper)})
}

// localCall calls function fn with a fresh frame 512 bytes below the
// caller's, after checking the stack has room for it. The result is in
// RAX.
func (fl *funcLowering) localCall(v *ir.Value, args []*ir.Value, frame *ir.Value, fn int) {
	for i, arg := range args {
		fl.storeArg(ctxCallArg(i), arg)
	}
	fl.calleeFrame(v, frame)
	fl.emit(Inst{Op: CALL, Dst: L(fl.g.funcLabels[fn])})
}

// calleeFrame stores the callee's frame pointer, faulting when the call
// would nest deeper than the stack allows.
func (fl *funcLowering) calleeFrame(v *ir.Value, frame *ir.Value) {
	a := &fl.g.a
	fl.load(RAX, frame)
	fl.emit(Inst{Op: SUB, Size: 8, Dst: R(RAX), Src: Imm(vm.StackFrameSize)})
	fl.emit(Inst{Op: LEA, Size: 8, Dst: R(RDX), Src: M(RAX, -vm.StackFrameSize)})
	fl.emit(Inst{Op: CMP, Size: 8, Dst: R(RDX), Src: ctx(native.OffStackLo)})
	tooDeep := a.NewLabel()
	fl.emit(Inst{Op: JCC, Cond: CondB, Dst: L(tooDeep)})
	fl.emit(Inst{Op: MOV, Size: 8, Dst: ctxCallArg(ir.ArgFrame), Src: R(RAX)})
	pc := v.PC
	fl.deferred = append(fl.deferred, func() {
		a.Bind(tooDeep)
		a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffExitPC), Src: Imm(int64(pc))})
		a.Emit(pc, Inst{Op: MOV, Size: 8, Dst: ctx(native.OffFault), Src: Imm(int64(vm.FaultCallDepth))})
		a.Emit(pc, Inst{Op: JMP, Dst: L(fl.g.faultExit)})
	})
}

// callX calls through a value: a function reference made by a func lddw
// calls that function; anything else is a helper id, checked by the Go
// side when the exit arrives.
func (fl *funcLowering) callX(v *ir.Value) {
	a := &fl.g.a
	fl.saveAcross(v)
	target, args, frame := v.Args[0], v.Args[1:6], v.Args[6]
	done := a.NewLabel()
	type local struct {
		label int
		fn    int
	}
	var locals []local
	fl.load(RAX, target)
	fl.emit(Inst{Op: MOV, Size: 8, Dst: M(RSP, -8), Src: R(RAX)})
	for _, f := range fl.g.prog.Funcs {
		l := a.NewLabel()
		fl.movConst(RCX, vm.FuncRefBase+uint64(f.Start))
		fl.emit(Inst{Op: CMP, Size: 8, Dst: R(RAX), Src: R(RCX)})
		fl.emit(Inst{Op: JCC, Cond: CondE, Dst: L(l)})
		locals = append(locals, local{l, f.Index})
	}
	fl.helperCall(v, args, func() {
		fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: M(RSP, -8)})
		fl.emit(Inst{Op: MOV, Size: 8, Dst: ctx(native.OffHelperID), Src: R(RAX)})
	})
	fl.emit(Inst{Op: MOV, Size: 8, Dst: R(RAX), Src: ctxArg(0)})
	fl.emit(Inst{Op: JMP, Dst: L(done)})
	for _, l := range locals {
		a.Bind(l.label)
		fl.localCall(v, args, frame, l.fn)
		fl.emit(Inst{Op: JMP, Dst: L(done)})
	}
	a.Bind(done)
	fl.result(v, R(RAX))
	fl.restoreAcross(v)
}

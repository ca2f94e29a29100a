package arm64

import (
	"fmt"

	"github.com/ebpfjit/ebpfjit/ir"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/regalloc"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Features select instruction-set extensions.
type Features struct {
	// LSE enables the ARMv8.1 atomics (LDADD, SWP, CAS, ...). Without it
	// atomics are load-exclusive/store-exclusive loops, which every
	// ARMv8.0 core has.
	LSE bool
}

// Generate lowers every function of an allocated program to machine code
// and assembles it with the shared stubs.
func Generate(p *ir.Program, allocs []*regalloc.Result, feat Features, listing bool) (*native.Code, []Listing, error) {
	g := &generator{prog: p, allocs: allocs, feat: feat}
	a := &g.a
	g.funcLabels = make([]int, len(p.Funcs))
	for i := range g.funcLabels {
		g.funcLabels[i] = a.NewLabel()
	}
	g.exitHelper, g.faultExit, g.packetEnd = a.NewLabel(), a.NewLabel(), a.NewLabel()
	g.pollExit, g.pollLeave = a.NewLabel(), a.NewLabel()
	preamble := a.NewLabel()

	// The preamble: the trampoline jumps here on the native stack; it
	// calls the entry function and leaves with its result (in X0).
	a.Bind(preamble)
	a.Emit(-1, Inst{Op: BL, Label: g.funcLabels[0]})
	a.Emit(-1, Inst{Op: STR, Size: 8, Rt: X0, Mem: ctxArg(0)})
	g.leave(native.ExitReturn)
	// The call preamble runs a callback for a helper: the function at
	// Context.CallTarget.
	callPreamble := a.NewLabel()
	a.Bind(callPreamble)
	a.Emit(-1, Inst{Op: LDR, Size: 8, Rt: tmp0, Mem: ctxMem(native.OffCallTarget)})
	a.Emit(-1, Inst{Op: BLR, Rn: tmp0})
	a.Emit(-1, Inst{Op: STR, Size: 8, Rt: X0, Mem: ctxArg(0)})
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
	return &native.Code{Arch: "arm64", Text: code, Preamble: labels[preamble], CallPreamble: labels[callPreamble],
		NativeStack: stack, Functions: funcs}, lines, nil
}

type generator struct {
	a          Assembler
	prog       *ir.Program
	allocs     []*regalloc.Result
	feat       Features
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

func (g *generator) emit(in Inst) { g.a.Emit(-1, in) }

// movConst loads a constant into rd.
func (g *generator) movConst(pc int, rd Reg, c uint64) {
	g.a.EmitAll(pc, MovConst(rd, c))
}

// leave restores Go's stack pointer, frame pointer and link register and
// returns to the Go side of the trampoline with the given exit code.
//
// The fuel count goes to the context, where Go reads it (the trampolines
// load it back into FuelReg when they enter or resume native code).
func (g *generator) leave(code int) {
	if !g.prog.NoPolls {
		g.emit(Inst{Op: STR, Size: 8, Rt: FuelReg, Mem: ctxMem(native.OffFuel)})
	}
	g.movConst(-1, tmp1, uint64(code))
	g.emit(Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffExitCode)})
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffGoSP)})
	g.emit(Inst{Op: MOV, Size: 8, Rd: SP, Rn: tmp1})
	g.emit(Inst{Op: LDR, Size: 8, Rt: X29, Mem: ctxMem(native.OffGoBP)})
	g.emit(Inst{Op: LDR, Size: 8, Rt: X30, Mem: ctxMem(native.OffGoLR)})
	g.emit(Inst{Op: RET})
}

func (g *generator) stubs() {
	a := &g.a
	// exitHelper: reached by BL with the helper id and arguments in the
	// context; the return address in X30 is where native code resumes.
	a.Bind(g.exitHelper)
	g.emit(Inst{Op: STR, Size: 8, Rt: X30, Mem: ctxMem(native.OffResume)})
	g.emit(Inst{Op: MOV, Size: 8, Rd: tmp0, Rn: SP})
	g.emit(Inst{Op: STR, Size: 8, Rt: tmp0, Mem: ctxMem(native.OffNativeSP)})
	g.leave(native.ExitHelper)

	// pollExit: reached by BL from a poll point that ran out of fuel,
	// with ExitPC set. Values live in every register there, so it saves
	// them all (and its own return address) on the native stack, leaves
	// with ExitPoll (pollLeave, which works like exitHelper) and restores
	// them when Go resumes it.
	if g.polls {
		var saved []Reg
		for r := X0; r <= X17; r++ {
			saved = append(saved, r)
		}
		// Not FuelReg (X26): the trampoline that resumes loads the
		// count Go granted into it.
		for r := X19; r <= X25; r++ {
			saved = append(saved, r)
		}
		saved = append(saved, X30)
		size := int64(8*len(saved)+15) &^ 15
		a.Bind(g.pollExit)
		g.emit(Inst{Op: SUB, Size: 8, Rd: SP, Rn: SP, Imm: size})
		for i, r := range saved {
			g.emit(Inst{Op: STR, Size: 8, Rt: r, Mem: M(SP, int64(8*i))})
		}
		g.emit(Inst{Op: BL, Label: g.pollLeave})
		for i, r := range saved {
			g.emit(Inst{Op: LDR, Size: 8, Rt: r, Mem: M(SP, int64(8*i))})
		}
		g.emit(Inst{Op: ADD, Size: 8, Rd: SP, Rn: SP, Imm: size})
		g.emit(Inst{Op: RET})
		a.Bind(g.pollLeave)
		g.emit(Inst{Op: STR, Size: 8, Rt: X30, Mem: ctxMem(native.OffResume)})
		g.emit(Inst{Op: MOV, Size: 8, Rd: tmp0, Rn: SP})
		g.emit(Inst{Op: STR, Size: 8, Rt: tmp0, Mem: ctxMem(native.OffNativeSP)})
		g.leave(native.ExitPoll)
	}

	a.Bind(g.faultExit)
	g.leave(native.ExitFault)

	a.Bind(g.packetEnd)
	g.emit(Inst{Op: STR, Size: 8, Rt: XZR, Mem: ctxArg(0)})
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
// perm: the address is in X16 and lies outside the input region. It
// returns if the access fits the stack or one region of the table at
// Context.Regions (sorted by address, disjoint) that allows it; otherwise
// it leaves with a fault (ExitPC was set by the caller). The region at
// Context.RegionHint is tried first; else the table is binary-searched
// for the last region starting at or below the address, exactly as
// vm.Find does, and the result becomes the hint. It changes only X13-X15
// and X17.
func (g *generator) emitRegionCheck(size int, perm vm.Perm, label int) {
	a := &g.a
	ok, loop, searched, found, fail, readOnly, writeOnly := a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel()
	a.Bind(label)
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffStackLo)})
	g.emit(Inst{Op: SUB, Size: 8, Rd: tmp1, Rn: tmp0, Rm: tmp1})
	g.movConst(-1, tmp2, uint64(vm.StackSize-size+1))
	g.emit(Inst{Op: CMP, Size: 8, Rn: tmp1, Rm: tmp2})
	g.emit(Inst{Op: BCOND, Cond: CondLO, Label: ok})
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp4, Mem: ctxMem(native.OffNumRegions)})
	g.emit(Inst{Op: CBZ, Size: 8, Rt: tmp4, Label: fail})
	// The region the last search found comes first.
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp3, Mem: ctxMem(native.OffRegionHint)})
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: M(tmp3, native.RegionStart)})
	g.emit(Inst{Op: SUB, Size: 8, Rd: tmp1, Rn: tmp0, Rm: tmp1})
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp2, Mem: M(tmp3, native.RegionLen)})
	g.emit(Inst{Op: CMP, Size: 8, Rn: tmp1, Rm: tmp2})
	g.emit(Inst{Op: BCOND, Cond: CondLO, Label: found})
	// tmp4 entries from tmp3 on; halve until one is left.
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp3, Mem: ctxMem(native.OffRegions)})
	a.Bind(loop)
	g.emit(Inst{Op: CMP, Size: 8, Rn: tmp4, Imm: 1})
	g.emit(Inst{Op: BCOND, Cond: CondLS, Label: searched})
	g.emit(Inst{Op: LSR, Size: 8, Rd: tmp2, Rn: tmp4, Imm: 1})
	g.emit(Inst{Op: SUB, Size: 8, Rd: tmp4, Rn: tmp4, Rm: tmp2})
	g.emit(Inst{Op: ADD, Size: 8, Rd: tmp2, Rn: tmp3, Rm: tmp2, Shift: ShiftLSL, Amount: native.RegionSizeShift})
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: M(tmp2, native.RegionStart)})
	g.emit(Inst{Op: CMP, Size: 8, Rn: tmp0, Rm: tmp1})
	g.emit(Inst{Op: CSEL, Size: 8, Rd: tmp3, Rn: tmp2, Rm: tmp3, Cond: CondHS})
	g.emit(Inst{Op: B, Label: loop})
	a.Bind(searched)
	g.emit(Inst{Op: STR, Size: 8, Rt: tmp3, Mem: ctxMem(native.OffRegionHint)})
	a.Bind(found)
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: M(tmp3, native.RegionStart)})
	g.emit(Inst{Op: SUB, Size: 8, Rd: tmp1, Rn: tmp0, Rm: tmp1}) // offset into the region
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp2, Mem: M(tmp3, native.RegionLen)})
	g.emit(Inst{Op: CMP, Size: 8, Rn: tmp1, Rm: tmp2})
	g.emit(Inst{Op: BCOND, Cond: CondHS, Label: fail})
	g.emit(Inst{Op: ADD, Size: 8, Rd: tmp1, Rn: tmp1, Imm: int64(size)})
	g.emit(Inst{Op: CMP, Size: 8, Rn: tmp1, Rm: tmp2})
	g.emit(Inst{Op: BCOND, Cond: CondHI, Label: fail})
	// The permissions, in vm.PermFault's order: a missing write first.
	g.emit(Inst{Op: LDR, Size: 8, Rt: tmp2, Mem: M(tmp3, native.RegionPerm)})
	if perm&vm.PermWrite != 0 {
		g.emit(Inst{Op: TBZ, Rt: tmp2, Imm: 1, Label: readOnly})
	}
	if perm&vm.PermRead != 0 {
		g.emit(Inst{Op: TBZ, Rt: tmp2, Imm: 0, Label: writeOnly})
	}
	a.Bind(ok)
	g.emit(Inst{Op: RET})
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
		g.emit(Inst{Op: STR, Size: 8, Rt: tmp0, Mem: ctxMem(native.OffFaultArg)})
		g.movConst(-1, tmp1, native.FaultWord(f.fault, size, store))
		g.emit(Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffFault)})
		g.emit(Inst{Op: B, Label: g.faultExit})
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

// funcLowering lowers one function. Its native frame holds the spill
// slots from SP upwards and the saved link register at the top.
type funcLowering struct {
	g        *generator
	f        *ir.Func
	ra       *regalloc.Result
	frame    int64
	labels   []int       // by block ID
	forward  []*ir.Block // by block ID: where an empty block forwards to
	pc       int
	deferred []func()
}

func (fl *funcLowering) emit(in Inst) { fl.g.a.Emit(fl.pc, in) }

func (fl *funcLowering) movConst(rd Reg, c uint64) { fl.g.movConst(fl.pc, rd, c) }

func (fl *funcLowering) lower() error {
	a := &fl.g.a
	f := fl.f
	fl.frame = (int64(fl.ra.NumSlots)*8 + 8 + 15) &^ 15
	fl.labels = make([]int, f.NumBlocks())
	for _, b := range fl.ra.Order {
		fl.labels[b.ID] = a.NewLabel()
	}
	fl.pc = f.Start
	a.Bind(fl.g.funcLabels[f.Index])
	fl.adjustSP(SUB, fl.frame)
	fl.emit(Inst{Op: STR, Size: 8, Rt: X30, Mem: fl.spMem(fl.frame - 8)})
	fl.zeroFrame()
	// Blocks that need no code forward their labels to their
	// destinations; the others are emitted in order, and a branch to the
	// block laid out next falls through.
	var order []*ir.Block
	order, fl.forward = fl.ra.Layout(regalloc.RegOperand(regalloc.Reg(tmp0)))
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

// adjustSP adds or subtracts n bytes from SP.
func (fl *funcLowering) adjustSP(op Op, n int64) {
	if n == 0 {
		return
	}
	if AddSubImm(n) {
		fl.emit(Inst{Op: op, Size: 8, Rd: SP, Rn: SP, Imm: n})
		return
	}
	fl.movConst(tmp1, uint64(n))
	fl.emit(Inst{Op: op, Size: 8, Rd: SP, Rn: SP, Rm: tmp1})
}

// spMem returns [SP, #off], through X14 when the offset does not encode.
func (fl *funcLowering) spMem(off int64) Mem {
	if OffsetFits(8, off) {
		return M(SP, off)
	}
	fl.movConst(tmp3, uint64(off))
	return MIndex(SP, tmp3)
}

func (fl *funcLowering) slotMem(slot int) Mem { return fl.spMem(8 * int64(slot)) }

// zeroFrame clears the part of the eBPF frame the function may read
// before writing.
func (fl *funcLowering) zeroFrame() {
	pairs := (fl.f.FrameZero + 15) / 16
	if pairs == 0 {
		return
	}
	fl.emit(Inst{Op: LDR, Size: 8, Rt: tmp0, Mem: ctxCallArg(ir.ArgFrame)})
	if pairs <= 8 {
		for i := 1; i <= pairs; i++ {
			fl.emit(Inst{Op: STP, Size: 8, Rt: XZR, Rt2: XZR, Mem: M(tmp0, int64(-16*i))})
		}
		return
	}
	loop := fl.g.a.NewLabel()
	fl.movConst(tmp1, uint64(pairs))
	fl.g.a.Bind(loop)
	fl.emit(Inst{Op: STP, Size: 8, Rt: XZR, Rt2: XZR, Mem: MPre(tmp0, -16)})
	fl.emit(Inst{Op: SUBS, Size: 8, Rd: tmp1, Rn: tmp1, Imm: 1})
	fl.emit(Inst{Op: BCOND, Cond: CondNE, Label: loop})
}

func (fl *funcLowering) loc(v *ir.Value) regalloc.Location { return fl.ra.Of(v) }

// reg returns a register holding v, loading or materialising it into
// scratch when needed. It never returns XZR, since register number 31
// means SP in many operand slots; regOrZero does, for the slots that
// read it as zero.
func (fl *funcLowering) reg(v *ir.Value, scratch Reg) Reg {
	if v.IsConst() {
		fl.movConst(scratch, v.Const())
		return scratch
	}
	l := fl.loc(v)
	if l.InReg() {
		return Reg(l.Reg)
	}
	if l.Slot < 0 {
		panic(fmt.Sprintf("arm64: %s has no location", v.LongString()))
	}
	fl.emit(Inst{Op: LDR, Size: 8, Rt: scratch, Mem: fl.slotMem(l.Slot)})
	return scratch
}

// dest returns the register to compute v into and a function completing
// the definition (storing a spilled value).
// regOrZero is reg, with XZR for the constant zero.
func (fl *funcLowering) regOrZero(v *ir.Value, scratch Reg) Reg {
	if v.IsConst() && v.Const() == 0 {
		return XZR
	}
	return fl.reg(v, scratch)
}

func (fl *funcLowering) dest(v *ir.Value) (Reg, func()) {
	l := fl.loc(v)
	if l.InReg() {
		return Reg(l.Reg), func() {}
	}
	if l.Slot < 0 {
		return tmp2, func() {}
	}
	return tmp2, func() {
		fl.emit(Inst{Op: STR, Size: 8, Rt: tmp2, Mem: fl.slotMem(l.Slot)})
	}
}

func (fl *funcLowering) block(b *ir.Block, next *ir.Block) error {
	fl.g.a.Bind(fl.labels[b.ID])
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
		r := fl.regOrZero(b.Controls[0], X0)
		if r != X0 {
			fl.emit(Inst{Op: MOV, Size: 8, Rd: X0, Rn: r})
		}
		fl.emit(Inst{Op: LDR, Size: 8, Rt: X30, Mem: fl.spMem(fl.frame - 8)})
		fl.adjustSP(ADD, fl.frame)
		fl.emit(Inst{Op: RET})
	case ir.BlockJump:
		e := b.Succs[0]
		for _, m := range fl.ra.EdgeMoves(e.Args, e.To.Params, regalloc.RegOperand(regalloc.Reg(tmp0))) {
			fl.move(m)
		}
		if fl.landing(e.To) != next {
			fl.emit(Inst{Op: B, Label: fl.labels[e.To.ID]})
		}
	case ir.BlockIf:
		fl.branch(b, next)
	}
	return nil
}

func (fl *funcLowering) move(m regalloc.Move) {
	var src Reg
	switch m.Src.Kind {
	case regalloc.InReg:
		src = Reg(m.Src.Reg)
	case regalloc.IsConst:
		if m.Dst.Kind == regalloc.InReg {
			fl.movConst(Reg(m.Dst.Reg), m.Src.Const)
			return
		}
		src = XZR
		if m.Src.Const != 0 {
			fl.movConst(tmp1, m.Src.Const)
			src = tmp1
		}
	case regalloc.InSlot:
		dst := tmp1
		if m.Dst.Kind == regalloc.InReg {
			dst = Reg(m.Dst.Reg)
		}
		fl.emit(Inst{Op: LDR, Size: 8, Rt: dst, Mem: fl.slotMem(m.Src.Slot)})
		if m.Dst.Kind == regalloc.InReg {
			return
		}
		src = dst
	}
	if m.Dst.Kind == regalloc.InReg {
		fl.emit(Inst{Op: MOV, Size: 8, Rd: Reg(m.Dst.Reg), Rn: src})
		return
	}
	fl.emit(Inst{Op: STR, Size: 8, Rt: src, Mem: fl.slotMem(m.Dst.Slot)})
}

var condCodes = [...]Cond{
	ir.CondEq: CondEQ, ir.CondNe: CondNE, ir.CondGt: CondHI, ir.CondGe: CondHS,
	ir.CondLt: CondLO, ir.CondLe: CondLS, ir.CondSGt: CondGT, ir.CondSGe: CondGE,
	ir.CondSLt: CondLT, ir.CondSLe: CondLE, ir.CondSet: CondNE, ir.CondClear: CondEQ,
}

func sizeOf(is32 bool) uint8 {
	if is32 {
		return 4
	}
	return 8
}

// constFor returns the immediate of constant v at an operand size.
func constFor(v *ir.Value, size uint8) uint64 {
	if size == 4 {
		return uint64(uint32(v.Const()))
	}
	return v.Const()
}

// compare sets the flags for c on x and y and returns the condition code.
func (fl *funcLowering) compare(c ir.Cond, is32 bool, x, y *ir.Value) Cond {
	size := sizeOf(is32)
	xr := fl.reg(x, tmp0)
	if c == ir.CondSet || c == ir.CondClear {
		if y.IsConst() && LogicalImm(constFor(y, size), size) {
			fl.emit(Inst{Op: TST, Size: size, Rn: xr, Imm: int64(constFor(y, size))})
		} else {
			fl.emit(Inst{Op: TST, Size: size, Rn: xr, Rm: fl.reg(y, tmp1)})
		}
		return condCodes[c]
	}
	if y.IsConst() {
		k := constFor(y, size)
		neg := -k
		if size == 4 {
			neg = uint64(uint32(neg))
		}
		switch {
		case AddSubImm(int64(k)):
			fl.emit(Inst{Op: CMP, Size: size, Rn: xr, Imm: int64(k)})
			return condCodes[c]
		case k != 0 && AddSubImm(int64(neg)):
			fl.emit(Inst{Op: CMN, Size: size, Rn: xr, Imm: int64(neg)})
			return condCodes[c]
		}
	}
	fl.emit(Inst{Op: CMP, Size: size, Rn: xr, Rm: fl.reg(y, tmp1)})
	return condCodes[c]
}

func (fl *funcLowering) branch(b *ir.Block, next *ir.Block) {
	taken, fall := fl.landing(b.Succs[0].To), fl.landing(b.Succs[1].To)
	x, y := b.Controls[0], b.Controls[1]
	jump := func(cc Cond, target *ir.Block) {
		fl.emit(Inst{Op: BCOND, Cond: cc, Label: fl.labels[target.ID]})
	}
	// Equality with zero is a compare-and-branch.
	if y.IsConst() && y.Const() == 0 && (b.Cond == ir.CondEq || b.Cond == ir.CondNe) && !x.IsConst() {
		xr := fl.reg(x, tmp0)
		op, inv := CBZ, CBNZ
		if b.Cond == ir.CondNe {
			op, inv = CBNZ, CBZ
		}
		size := sizeOf(b.Is32)
		switch {
		case fall == next:
			fl.emit(Inst{Op: op, Size: size, Rt: xr, Label: fl.labels[taken.ID]})
		case taken == next:
			fl.emit(Inst{Op: inv, Size: size, Rt: xr, Label: fl.labels[fall.ID]})
		default:
			fl.emit(Inst{Op: op, Size: size, Rt: xr, Label: fl.labels[taken.ID]})
			fl.emit(Inst{Op: B, Label: fl.labels[fall.ID]})
		}
		return
	}
	cc := fl.compare(b.Cond, b.Is32, x, y)
	switch {
	case fall == next:
		jump(cc, taken)
	case taken == next:
		jump(cc.Invert(), fall)
	default:
		jump(cc, taken)
		fl.emit(Inst{Op: B, Label: fl.labels[fall.ID]})
	}
}

func (fl *funcLowering) value(v *ir.Value) error {
	switch {
	case v.Op == ir.OpArg:
		d, fin := fl.dest(v)
		fl.emit(Inst{Op: LDR, Size: 8, Rt: d, Mem: ctxCallArg(int(v.Aux))})
		fin()
	case v.Op.IsBinary():
		fl.binary(v)
	case v.Op == ir.OpLoad:
		fl.load(v)
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
		fl.helperCall(v, v.Args, func() {
			fl.movConst(tmp1, uint64(v.Aux))
			fl.emit(Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffHelperID)})
		})
		fl.result(v, func(d Reg) { fl.emit(Inst{Op: LDR, Size: 8, Rt: d, Mem: ctxArg(0)}) })
		fl.restoreAcross(v)
	case v.Op == ir.OpCallLocal:
		fl.saveAcross(v)
		fl.localCall(v, v.Args[:5], v.Args[5], int(v.Aux))
		fl.result(v, func(d Reg) {
			if d != X0 {
				fl.emit(Inst{Op: MOV, Size: 8, Rd: d, Rn: X0})
			}
		})
		fl.restoreAcross(v)
	case v.Op == ir.OpCallX:
		fl.callX(v)
	case v.Op == ir.OpHelperReturned:
		fl.result(v, func(d Reg) { fl.emit(Inst{Op: LDR, Size: 8, Rt: d, Mem: ctxMem(native.OffReturned)}) })
	case v.Op == ir.OpMapAddr:
		k := int64(vm.MapTableIndex(int(v.Aux), v.Aux2 >= 0))
		d, fin := fl.dest(v)
		fl.emit(Inst{Op: LDR, Size: 8, Rt: tmp0, Mem: ctxMem(native.OffMapTable)})
		if OffsetFits(8, 8*k) {
			fl.emit(Inst{Op: LDR, Size: 8, Rt: d, Mem: M(tmp0, 8*k)})
		} else {
			fl.movConst(tmp1, uint64(8*k))
			fl.emit(Inst{Op: LDR, Size: 8, Rt: d, Mem: MIndex(tmp0, tmp1)})
		}
		if v.Aux2 > 0 {
			fl.addConst(d, d, v.Aux2)
		}
		fin()
	default:
		fl.unary(v)
	}
	return nil
}

func (fl *funcLowering) result(v *ir.Value, produce func(d Reg)) {
	d, fin := fl.dest(v)
	produce(d)
	fin()
}

func opSize(v *ir.Value) uint8 { return sizeOf(v.Op.Is32()) }

var binaryOps = map[ir.Op]Op{
	ir.OpAdd: ADD, ir.OpSub: SUB, ir.OpOr: ORR, ir.OpAnd: AND, ir.OpXor: EOR, ir.OpMul: MUL,
	ir.OpShl: LSL, ir.OpShrU: LSR, ir.OpShrS: ASR, ir.OpDivU: UDIV, ir.OpDivS: SDIV,
}

// binary lowers two-operand arithmetic. Division needs no checks: UDIV
// and SDIV give 0 for a zero divisor and INT_MIN for INT_MIN/-1, and the
// remainder a - (a/b)*b is then a for b = 0 and 0 for INT_MIN%-1, exactly
// eBPF's rules. 32-bit ops on W registers zero-extend for free.
func (fl *funcLowering) binary(v *ir.Value) {
	size := opSize(v)
	wide := v.Op.Wide()
	a, b := v.Args[0], v.Args[1]
	ar := fl.reg(a, tmp0)
	d, fin := fl.dest(v)
	if wide == ir.OpModU || wide == ir.OpModS {
		br := fl.reg(b, tmp1)
		div := UDIV
		if wide == ir.OpModS {
			div = SDIV
		}
		fl.emit(Inst{Op: div, Size: size, Rd: tmp3, Rn: ar, Rm: br})
		fl.emit(Inst{Op: MSUB, Size: size, Rd: d, Rn: tmp3, Rm: br, Ra: ar})
		fin()
		return
	}
	op := binaryOps[wide]
	if b.IsConst() {
		k := constFor(b, size)
		switch op {
		case LSL, LSR, ASR:
			fl.emit(Inst{Op: op, Size: size, Rd: d, Rn: ar, Imm: int64(k % uint64(8*size))})
			fin()
			return
		case ADD, SUB:
			neg := -k
			if size == 4 {
				neg = uint64(uint32(neg))
			}
			switch {
			case AddSubImm(int64(k)):
				fl.emit(Inst{Op: op, Size: size, Rd: d, Rn: ar, Imm: int64(k)})
				fin()
				return
			case AddSubImm(int64(neg)):
				other := map[Op]Op{ADD: SUB, SUB: ADD}[op]
				fl.emit(Inst{Op: other, Size: size, Rd: d, Rn: ar, Imm: int64(neg)})
				fin()
				return
			}
		case AND, ORR, EOR:
			if LogicalImm(k, size) {
				fl.emit(Inst{Op: op, Size: size, Rd: d, Rn: ar, Imm: int64(k)})
				fin()
				return
			}
		}
	}
	br := fl.reg(b, tmp1)
	fl.emit(Inst{Op: op, Size: size, Rd: d, Rn: ar, Rm: br})
	fin()
}

func (fl *funcLowering) unary(v *ir.Value) {
	a := fl.reg(v.Args[0], tmp0)
	d, fin := fl.dest(v)
	switch v.Op {
	case ir.OpNeg:
		fl.emit(Inst{Op: NEG, Size: 8, Rd: d, Rn: a})
	case ir.OpNeg32:
		fl.emit(Inst{Op: NEG, Size: 4, Rd: d, Rn: a})
	case ir.OpSExt8:
		fl.emit(Inst{Op: SXTB, Size: 8, Rd: d, Rn: a})
	case ir.OpSExt16:
		fl.emit(Inst{Op: SXTH, Size: 8, Rd: d, Rn: a})
	case ir.OpSExt32:
		fl.emit(Inst{Op: SXTW, Size: 8, Rd: d, Rn: a})
	case ir.OpSExt8To32:
		fl.emit(Inst{Op: SXTB, Size: 4, Rd: d, Rn: a})
	case ir.OpSExt16To32:
		fl.emit(Inst{Op: SXTH, Size: 4, Rd: d, Rn: a})
	case ir.OpZExt8:
		fl.emit(Inst{Op: UXTB, Size: 4, Rd: d, Rn: a})
	case ir.OpZExt16:
		fl.emit(Inst{Op: UXTH, Size: 4, Rd: d, Rn: a})
	case ir.OpZExt32:
		fl.emit(Inst{Op: MOV, Size: 4, Rd: d, Rn: a})
	case ir.OpBswap16:
		fl.emit(Inst{Op: REV16, Size: 4, Rd: d, Rn: a})
		fl.emit(Inst{Op: UXTH, Size: 4, Rd: d, Rn: d})
	case ir.OpBswap32:
		fl.emit(Inst{Op: REV, Size: 4, Rd: d, Rn: a})
	case ir.OpBswap64:
		fl.emit(Inst{Op: REV, Size: 8, Rd: d, Rn: a})
	default:
		panic(fmt.Sprintf("arm64: cannot lower %s", v.LongString()))
	}
	fin()
}

// address returns the memory operand of an access that needs perm.
// Checked accesses are tested against the input region (always
// read-write) inline and against the others out of line, which also
// checks perm; their address is then in X16.
func (fl *funcLowering) address(v *ir.Value, perm vm.Perm) Mem {
	base := fl.reg(v.Args[0], tmp0)
	if !v.Checked {
		if OffsetFits(v.Size, v.Aux) {
			return M(base, v.Aux)
		}
		fl.movConst(tmp1, uint64(v.Aux))
		return MIndex(base, tmp1)
	}
	// The address: the base itself when there is no displacement. The
	// out-of-line checker takes it in tmp0 and keeps every register it
	// does not use as scratch.
	addr := base
	if v.Aux != 0 {
		fl.addConst(tmp0, base, v.Aux)
		addr = tmp0
	}
	a := &fl.g.a
	ok, slow := a.NewLabel(), a.NewLabel()
	fl.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffMemStart)})
	fl.emit(Inst{Op: SUB, Size: 8, Rd: tmp1, Rn: addr, Rm: tmp1})
	fl.emit(Inst{Op: LDR, Size: 8, Rt: tmp2, Mem: ctxMem(native.OffMemLimit + 8*native.LimitIndex(v.Size))})
	fl.emit(Inst{Op: CMP, Size: 8, Rn: tmp1, Rm: tmp2})
	fl.emit(Inst{Op: BCOND, Cond: CondHS, Label: slow})
	a.Bind(ok)
	pc := v.PC
	check := fl.g.regionChecker(int(v.Size), perm)
	fl.deferred = append(fl.deferred, func() {
		a.Bind(slow)
		fl.g.movConst(pc, tmp1, uint64(pc))
		a.Emit(pc, Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffExitPC)})
		if addr != tmp0 {
			a.Emit(pc, Inst{Op: MOV, Size: 8, Rd: tmp0, Rn: addr})
		}
		a.Emit(pc, Inst{Op: BL, Label: check})
		a.Emit(pc, Inst{Op: B, Label: ok})
	})
	return M(addr, 0)
}

// addConst computes rd = rn + c.
func (fl *funcLowering) addConst(rd, rn Reg, c int64) {
	switch {
	case c == 0:
		if rd != rn {
			fl.emit(Inst{Op: MOV, Size: 8, Rd: rd, Rn: rn})
		}
	case AddSubImm(c):
		fl.emit(Inst{Op: ADD, Size: 8, Rd: rd, Rn: rn, Imm: c})
	case AddSubImm(-c):
		fl.emit(Inst{Op: SUB, Size: 8, Rd: rd, Rn: rn, Imm: -c})
	default:
		fl.movConst(tmp1, uint64(c))
		fl.emit(Inst{Op: ADD, Size: 8, Rd: rd, Rn: rn, Rm: tmp1})
	}
}

func (fl *funcLowering) load(v *ir.Value) {
	mem := fl.address(v, vm.PermRead)
	d, fin := fl.dest(v)
	var op Op
	size := uint8(0)
	switch {
	case v.Size == 8:
		op, size = LDR, 8
	case v.Size == 4 && v.Signed:
		op, size = LDRSW, 8
	case v.Size == 4:
		op, size = LDR, 4
	case v.Size == 2 && v.Signed:
		op, size = LDRSH, 8
	case v.Size == 2:
		op = LDRH
	case v.Signed:
		op, size = LDRSB, 8
	default:
		op = LDRB
	}
	fl.emit(Inst{Op: op, Size: size, Rt: d, Mem: mem})
	fin()
}

func (fl *funcLowering) store(v *ir.Value) {
	mem := fl.address(v, vm.PermWrite)
	scratch := tmp1
	if mem.Mode == AddrIndex && mem.Index == tmp1 {
		scratch = tmp2
	}
	val := fl.regOrZero(v.Args[1], scratch)
	var op Op
	size := uint8(0)
	switch v.Size {
	case 8:
		op, size = STR, 8
	case 4:
		op, size = STR, 4
	case 2:
		op = STRH
	default:
		op = STRB
	}
	fl.emit(Inst{Op: op, Size: size, Rt: val, Mem: mem})
}

// atomic lowers the read-modify-write operations: with LSE one
// instruction each (acquire-release), without it a load-exclusive/
// store-exclusive loop. The address (in X16) is checked like any access
// and must be aligned.
func (fl *funcLowering) atomic(v *ir.Value) {
	a := &fl.g.a
	if mem := fl.address(v, vm.PermRW); mem.Base != tmp0 {
		fl.emit(Inst{Op: MOV, Size: 8, Rd: tmp0, Rn: mem.Base})
	}
	size := v.Size
	misaligned := a.NewLabel()
	fl.emit(Inst{Op: TST, Size: 8, Rn: tmp0, Imm: int64(size - 1)})
	fl.emit(Inst{Op: BCOND, Cond: CondNE, Label: misaligned})
	pc := v.PC
	fl.deferred = append(fl.deferred, func() {
		a.Bind(misaligned)
		fl.g.movConst(pc, tmp1, uint64(pc))
		a.Emit(pc, Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffExitPC)})
		a.Emit(pc, Inst{Op: STR, Size: 8, Rt: tmp0, Mem: ctxMem(native.OffFaultArg)})
		fl.g.movConst(pc, tmp1, native.FaultWord(vm.FaultMisaligned, int(size), false))
		a.Emit(pc, Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffFault)})
		a.Emit(pc, Inst{Op: B, Label: fl.g.faultExit})
	})
	// X16 = address, X13 = operand, X17 = old value.
	src := fl.reg(v.Args[1], tmp4)
	if src != tmp4 {
		fl.emit(Inst{Op: MOV, Size: 8, Rd: tmp4, Rn: src})
	}
	op := int32(v.Aux2)
	at := M(tmp0, 0)
	if op == isa.AtomicCmpXchg {
		exp := fl.reg(v.Args[2], tmp1)
		if exp != tmp1 {
			fl.emit(Inst{Op: MOV, Size: 8, Rd: tmp1, Rn: exp})
		}
	}
	if fl.g.feat.LSE {
		switch op &^ isa.AtomicFetch {
		case isa.AtomicAdd:
			fl.emit(Inst{Op: LDADD, Size: size, Order: AcqRel, Rs: tmp4, Rt: tmp1, Mem: at})
		case isa.AtomicOr:
			fl.emit(Inst{Op: LDSET, Size: size, Order: AcqRel, Rs: tmp4, Rt: tmp1, Mem: at})
		case isa.AtomicXor:
			fl.emit(Inst{Op: LDEOR, Size: size, Order: AcqRel, Rs: tmp4, Rt: tmp1, Mem: at})
		case isa.AtomicAnd:
			fl.emit(Inst{Op: MVN, Size: 8, Rd: tmp4, Rn: tmp4})
			fl.emit(Inst{Op: LDCLR, Size: size, Order: AcqRel, Rs: tmp4, Rt: tmp1, Mem: at})
		case isa.AtomicXchg &^ isa.AtomicFetch:
			fl.emit(Inst{Op: SWP, Size: size, Order: AcqRel, Rs: tmp4, Rt: tmp1, Mem: at})
		case isa.AtomicCmpXchg &^ isa.AtomicFetch:
			fl.emit(Inst{Op: CAS, Size: size, Order: AcqRel, Rs: tmp1, Rt: tmp4, Mem: at})
		}
	} else {
		// X15 = old value, X14 = new value, and the store-exclusive status
		// in whichever of X17/X14 the operation leaves free.
		loop, done := a.NewLabel(), a.NewLabel()
		a.Bind(loop)
		fl.emit(Inst{Op: LDXR, Size: size, Order: Acquire, Rt: tmp2, Mem: at})
		newVal, status := tmp3, tmp1
		switch op &^ isa.AtomicFetch {
		case isa.AtomicAdd:
			fl.emit(Inst{Op: ADD, Size: size, Rd: newVal, Rn: tmp2, Rm: tmp4})
		case isa.AtomicOr:
			fl.emit(Inst{Op: ORR, Size: size, Rd: newVal, Rn: tmp2, Rm: tmp4})
		case isa.AtomicXor:
			fl.emit(Inst{Op: EOR, Size: size, Rd: newVal, Rn: tmp2, Rm: tmp4})
		case isa.AtomicAnd:
			fl.emit(Inst{Op: AND, Size: size, Rd: newVal, Rn: tmp2, Rm: tmp4})
		case isa.AtomicXchg &^ isa.AtomicFetch:
			newVal = tmp4
		case isa.AtomicCmpXchg &^ isa.AtomicFetch:
			fl.emit(Inst{Op: CMP, Size: size, Rn: tmp2, Rm: tmp1})
			fl.emit(Inst{Op: BCOND, Cond: CondNE, Label: done})
			newVal, status = tmp4, tmp3
		}
		fl.emit(Inst{Op: STXR, Size: size, Order: Release, Rs: status, Rt: newVal, Mem: at})
		fl.emit(Inst{Op: CBNZ, Size: 4, Rt: status, Label: loop})
		a.Bind(done)
		fl.emit(Inst{Op: DMB, Imm: BarrierISH})
		fl.emit(Inst{Op: MOV, Size: 8, Rd: tmp1, Rn: tmp2})
	}
	if op&isa.AtomicFetch != 0 {
		d, fin := fl.dest(v)
		fl.emit(Inst{Op: MOV, Size: sizeOf(size == 4), Rd: d, Rn: tmp1})
		fin()
	}
}

// legacyLoad is BPF_ABS/BPF_IND: a big-endian load from the input at a
// constant offset (plus a register); out of range ends the program with
// r0 = 0.
func (fl *funcLowering) legacyLoad(v *ir.Value) {
	fl.movConst(tmp0, uint64(int64(int32(v.Aux))))
	if len(v.Args) > 0 {
		idx := fl.reg(v.Args[0], tmp1)
		fl.emit(Inst{Op: SXTW, Size: 8, Rd: tmp1, Rn: idx})
		fl.emit(Inst{Op: ADD, Size: 8, Rd: tmp0, Rn: tmp0, Rm: tmp1})
	}
	fl.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffMemLimit + 8*native.LimitIndex(v.Size))})
	fl.emit(Inst{Op: CMP, Size: 8, Rn: tmp0, Rm: tmp1})
	fl.emit(Inst{Op: BCOND, Cond: CondHS, Label: fl.g.packetEnd})
	fl.emit(Inst{Op: LDR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffMemStart)})
	d, fin := fl.dest(v)
	mem := MIndex(tmp1, tmp0)
	switch v.Size {
	case 1:
		fl.emit(Inst{Op: LDRB, Rt: d, Mem: mem})
	case 2:
		fl.emit(Inst{Op: LDRH, Rt: d, Mem: mem})
		fl.emit(Inst{Op: REV16, Size: 4, Rd: d, Rn: d})
	default:
		fl.emit(Inst{Op: LDR, Size: 4, Rt: d, Mem: mem})
		fl.emit(Inst{Op: REV, Size: 4, Rd: d, Rn: d})
	}
	fin()
}

func (fl *funcLowering) saveAcross(v *ir.Value) {
	for _, s := range fl.ra.Saves[v] {
		l := fl.loc(s)
		fl.emit(Inst{Op: STR, Size: 8, Rt: Reg(l.Reg), Mem: fl.slotMem(l.Slot)})
	}
}

func (fl *funcLowering) restoreAcross(v *ir.Value) {
	for _, s := range fl.ra.Saves[v] {
		l := fl.loc(s)
		fl.emit(Inst{Op: LDR, Size: 8, Rt: Reg(l.Reg), Mem: fl.slotMem(l.Slot)})
	}
}

func (fl *funcLowering) storeTo(dst Mem, v *ir.Value) {
	fl.emit(Inst{Op: STR, Size: 8, Rt: fl.regOrZero(v, tmp1), Mem: dst})
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
	fl.emit(Inst{Op: SUBS, Size: 8, Rd: FuelReg, Rn: FuelReg, Imm: 1})
	fl.emit(Inst{Op: BCOND, Cond: CondLO, Label: stub})
	a.Bind(back)
	if to := fl.pollLanding(v, regalloc.RegOperand(regalloc.Reg(tmp0))); to != nil {
		back = fl.labels[to.ID]
	}
	pc := v.PC
	fl.deferred = append(fl.deferred, func() {
		a.Bind(stub)
		a.EmitAll(pc, MovConst(tmp1, uint64(pc)))
		a.Emit(pc, Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffExitPC)})
		a.Emit(pc, Inst{Op: BL, Label: fl.g.pollExit})
		a.Emit(pc, Inst{Op: B, Label: back})
	})
}

func (fl *funcLowering) helperCall(v *ir.Value, args []*ir.Value, setID func()) {
	for i, arg := range args[:5] {
		fl.storeTo(ctxArg(i+1), arg)
	}
	if len(args) > 5 {
		// A helper with a callback: its frame goes below this one.
		fl.storeTo(ctxMem(native.OffHelperFrame), args[5])
	}
	setID()
	fl.movConst(tmp1, uint64(v.PC))
	fl.emit(Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffExitPC)})
	fl.emit(Inst{Op: BL, Label: fl.g.exitHelper})
}

func (fl *funcLowering) localCall(v *ir.Value, args []*ir.Value, frame *ir.Value, fn int) {
	for i, arg := range args {
		fl.storeTo(ctxCallArg(i), arg)
	}
	a := &fl.g.a
	fr := fl.reg(frame, tmp0)
	fl.emit(Inst{Op: SUB, Size: 8, Rd: tmp0, Rn: fr, Imm: vm.StackFrameSize})
	fl.emit(Inst{Op: SUB, Size: 8, Rd: tmp1, Rn: tmp0, Imm: vm.StackFrameSize})
	fl.emit(Inst{Op: LDR, Size: 8, Rt: tmp2, Mem: ctxMem(native.OffStackLo)})
	fl.emit(Inst{Op: CMP, Size: 8, Rn: tmp1, Rm: tmp2})
	tooDeep := a.NewLabel()
	fl.emit(Inst{Op: BCOND, Cond: CondLO, Label: tooDeep})
	fl.emit(Inst{Op: STR, Size: 8, Rt: tmp0, Mem: ctxCallArg(ir.ArgFrame)})
	pc := v.PC
	fl.deferred = append(fl.deferred, func() {
		a.Bind(tooDeep)
		fl.g.movConst(pc, tmp1, uint64(pc))
		a.Emit(pc, Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffExitPC)})
		fl.g.movConst(pc, tmp1, uint64(vm.FaultCallDepth))
		a.Emit(pc, Inst{Op: STR, Size: 8, Rt: tmp1, Mem: ctxMem(native.OffFault)})
		a.Emit(pc, Inst{Op: B, Label: fl.g.faultExit})
	})
	fl.emit(Inst{Op: BL, Label: fl.g.funcLabels[fn]})
}

// callX calls through a value: a function reference made by a func lddw
// calls that function; anything else is a helper id, checked by the Go
// side when the exit arrives.
func (fl *funcLowering) callX(v *ir.Value) {
	a := &fl.g.a
	fl.saveAcross(v)
	target, args, frame := v.Args[0], v.Args[1:6], v.Args[6]
	done := a.NewLabel()
	t := fl.reg(target, tmp4)
	if t != tmp4 {
		fl.emit(Inst{Op: MOV, Size: 8, Rd: tmp4, Rn: t})
	}
	type local struct{ label, fn int }
	var locals []local
	for _, f := range fl.g.prog.Funcs {
		l := a.NewLabel()
		fl.movConst(tmp1, vm.FuncRefBase+uint64(f.Start))
		fl.emit(Inst{Op: CMP, Size: 8, Rn: tmp4, Rm: tmp1})
		fl.emit(Inst{Op: BCOND, Cond: CondEQ, Label: l})
		locals = append(locals, local{l, f.Index})
	}
	fl.helperCall(v, args, func() {
		fl.emit(Inst{Op: STR, Size: 8, Rt: tmp4, Mem: ctxMem(native.OffHelperID)})
	})
	fl.emit(Inst{Op: LDR, Size: 8, Rt: X0, Mem: ctxArg(0)})
	fl.emit(Inst{Op: B, Label: done})
	for _, l := range locals {
		a.Bind(l.label)
		fl.localCall(v, args, frame, l.fn)
		fl.emit(Inst{Op: B, Label: done})
	}
	a.Bind(done)
	fl.result(v, func(d Reg) {
		if d != X0 {
			fl.emit(Inst{Op: MOV, Size: 8, Rd: d, Rn: X0})
		}
	})
	fl.restoreAcross(v)
}

package ir

import (
	"fmt"
	"sort"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/validate"
	"github.com/ebpfjit/ebpfjit/vm"
)

// BuildOptions control SSA construction.
type BuildOptions struct {
	// PromoteStack turns r10-relative slots whose address never escapes
	// into SSA variables (on at -O2).
	PromoteStack bool
	// NoPolls leaves out the poll points (benchmarks only, to measure
	// what they cost: such code cannot be stopped).
	NoPolls bool
}

// Build translates a validated program into SSA form, one Func per eBPF
// function.
func Build(prog []isa.Instruction, info *validate.Info, opts BuildOptions) (*Program, error) {
	p := &Program{NoPolls: opts.NoPolls}
	escapes := false
	for _, fn := range info.Functions {
		escapes = escapes || frameEscapes(prog, fn)
	}
	for i := range info.Functions {
		f, err := buildFunc(prog, info, i, opts, escapes)
		if err != nil {
			return nil, err
		}
		p.Funcs = append(p.Funcs, f)
	}
	return p, nil
}

// Variables are numbered 0-9 for r0-r9, then one per promoted stack slot.
// Sets of variables are bit masks.
const (
	numRegVars  = 10
	maxVars     = 64
	maxSlotVars = maxVars - numRegVars
	firstVar    = numRegVars // the first promoted slot's variable
)

type varSet uint64

func regBit(r isa.Register) varSet { return 1 << r }

// allArgs is r1-r5, the registers a call passes and clobbers.
const allArgs varSet = 0b111110

type slotKey struct {
	off  int16
	size uint8
}

// bblock is a basic block of eBPF instructions, before translation.
type bblock struct {
	start, end int   // slots [start, end)
	succs      []int // indices into builder.blocks
	use, def   varSet
	liveIn     varSet
	liveOut    varSet
	reachable  bool
	ir         *Block
	paramVars  []int // variables bound by ir.Params, in order
}

type builder struct {
	prog  []isa.Instruction
	info  *validate.Info
	fn    validate.Function
	f     *Func
	opts  BuildOptions
	slots map[slotKey]int // promoted slot -> variable
	nvars int

	blocks  []*bblock
	blockAt map[int]int // leader slot -> index in blocks
	// slotList lists the promoted slots by variable (index v-firstVar).
	slotList []slotKey
	// synced holds, by variable, the value the frame memory of a promoted
	// slot is known to hold in the block being translated (nil: unknown).
	synced []*Value
	kinds  []isa.Kind // by slot: classifying costs, and it is asked for often

	frame *Value // the r10 argument

	// progEscapes is set when some function of the program lets its
	// frame address escape r10, so that it can compute addresses in the
	// frames of the functions that called it.
	progEscapes bool
	// reachable is set when code this function calls may reach its
	// frame that way: the frame starts zeroed and promoted slots are
	// written back and reloaded around such calls.
	reachable bool
	slotVars  varSet // the promoted slots' variables
}

func buildFunc(prog []isa.Instruction, info *validate.Info, fi int, opts BuildOptions, progEscapes bool) (*Func, error) {
	fn := info.Functions[fi]
	b := &builder{
		prog: prog, info: info, fn: fn, opts: opts, progEscapes: progEscapes,
		f:     &Func{Name: fmt.Sprintf("f%d", fn.Start), Index: fi, Start: fn.Start},
		nvars: firstVar,
	}
	if fi == 0 {
		b.f.Name = "main"
	}
	b.kinds = make([]isa.Kind, fn.End-fn.Start)
	for pc := fn.Start; pc < fn.End; pc++ {
		b.kinds[pc-fn.Start] = prog[pc].Kind()
	}
	b.analyzeStack()
	b.findBlocks()
	b.liveness()
	b.translate()
	eliminateTrivialParams(b.f)
	return b.f, nil
}

// kind returns the kind of the instruction at slot pc.
func (b *builder) kind(pc int) isa.Kind { return b.kinds[pc-b.fn.Start] }

// instructions calls fn for every instruction start of the function.
func (b *builder) instructions(fn func(pc int, ins isa.Instruction)) {
	for pc := b.fn.Start; pc < b.fn.End; pc++ {
		fn(pc, b.prog[pc])
		if b.prog[pc].IsLDDW() {
			pc++
		}
	}
}

// analyzeStack decides which r10-relative slots become variables and how
// much of the frame must be zeroed on entry.
//
// A slot is promoted when the frame address never escapes the function
// (r10 is only ever used as the base of a load or store), every access
// touching its bytes has the same offset and width, and no atomic touches
// it. Whatever stays in memory and is read gets zeroed on entry.
func (b *builder) analyzeStack() {
	type access struct {
		key    slotKey
		atomic bool
		read   bool
	}
	var accesses []access
	callsCode := false
	b.instructions(func(pc int, ins isa.Instruction) {
		switch b.kind(pc) {
		case isa.KindLoad, isa.KindLoadSX:
			if ins.Src == isa.R10 {
				accesses = append(accesses, access{slotKey{ins.Offset, uint8(ins.Size().Bytes())}, false, true})
			}
		case isa.KindStore:
			if ins.Dst == isa.R10 {
				accesses = append(accesses, access{slotKey{ins.Offset, uint8(ins.Size().Bytes())}, false, false})
			}
		case isa.KindStoreX, isa.KindAtomic:
			if ins.Dst == isa.R10 {
				atomic := ins.Kind() == isa.KindAtomic
				accesses = append(accesses, access{slotKey{ins.Offset, uint8(ins.Size().Bytes())}, atomic, atomic})
			}
		case isa.KindCallLocal, isa.KindCallX:
			callsCode = true
		case isa.KindCall:
			if vm.TakesCallback(ins.Imm) || ins.Imm == vm.HelperTailCall {
				callsCode = true
			}
		}
	})
	escapes := frameEscapes(b.prog, b.fn)
	// Code this function calls may compute addresses in its frame from
	// its own r10 when any function of the program can (see
	// flushSlots): then whatever the function never reads itself may
	// still be read, so the whole frame starts zeroed, and promoted
	// slots go to memory around such calls.
	b.reachable = callsCode && b.info != nil && b.progEscapes
	if escapes || b.reachable {
		// Anything may read any byte of the frame.
		b.f.FrameZero = vm.StackFrameSize
	}
	if escapes {
		return
	}
	promotable := map[slotKey]bool{}
	if b.opts.PromoteStack {
		var owner [vm.StackFrameSize]slotKey
		var conflict [vm.StackFrameSize]bool
		var used [vm.StackFrameSize]bool
		for _, a := range accesses {
			for i := int(a.key.off); i < int(a.key.off)+int(a.key.size); i++ {
				j := i + vm.StackFrameSize
				if used[j] && owner[j] != a.key {
					conflict[j] = true
				}
				used[j], owner[j] = true, a.key
			}
			if _, seen := promotable[a.key]; !seen {
				promotable[a.key] = true
			}
			if a.atomic {
				promotable[a.key] = false
			}
		}
		for key := range promotable {
			for i := int(key.off); i < int(key.off)+int(key.size); i++ {
				if conflict[i+vm.StackFrameSize] {
					promotable[key] = false
				}
			}
		}
	}
	// Deterministic numbering: by offset.
	keys := make([]slotKey, 0, len(promotable))
	for k, ok := range promotable {
		if ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].off < keys[j].off })
	b.slots = map[slotKey]int{}
	for _, k := range keys {
		if len(b.slots) == maxSlotVars {
			break
		}
		b.slots[k] = b.nvars
		b.slotList = append(b.slotList, k)
		b.slotVars |= 1 << b.nvars
		b.nvars++
	}
	b.synced = make([]*Value, b.nvars)
	lo := 0
	for _, a := range accesses {
		if _, ok := b.slots[a.key]; !ok && a.read && int(a.key.off) < lo {
			lo = int(a.key.off)
		}
	}
	if !b.reachable {
		b.f.FrameZero = -lo
	}
}

// frameEscapes reports whether function fn lets its frame address leave
// r10: r10 is used other than as the base of a load or store (copied,
// computed with, stored, passed), so code may reach any byte of the frame
// through a pointer.
func frameEscapes(prog []isa.Instruction, fn validate.Function) bool {
	for pc := fn.Start; pc < fn.End; pc++ {
		ins := prog[pc]
		if ins.IsLDDW() {
			pc++
			continue
		}
		x := ins.Source() == isa.SourceX
		switch ins.Kind() {
		case isa.KindStoreX, isa.KindAtomic:
			if ins.Src == isa.R10 {
				return true
			}
		case isa.KindALU, isa.KindMov, isa.KindMovSX, isa.KindJump:
			if x && (ins.Src == isa.R10 || ins.Dst == isa.R10) {
				return true
			}
		case isa.KindCallX:
			if ins.Dst == isa.R10 {
				return true
			}
		case isa.KindLegacyLoad:
			if ins.Src == isa.R10 && ins.Mode() == isa.ModeIND {
				return true
			}
		}
	}
	return false
}

// slotVar returns the variable of a promoted slot, or -1.
func (b *builder) slotVar(off int16, size isa.Size) int {
	if v, ok := b.slots[slotKey{off, uint8(size.Bytes())}]; ok {
		return v
	}
	return -1
}

// findBlocks splits the function into basic blocks and marks the ones
// reachable from its start.
func (b *builder) findBlocks() {
	leaders := map[int]bool{b.fn.Start: true}
	b.instructions(func(pc int, ins isa.Instruction) {
		next := pc + 1
		switch b.kind(pc) {
		case isa.KindJA:
			leaders[pc+1+int(ins.Offset)] = true
		case isa.KindJA32:
			leaders[pc+1+int(ins.Imm)] = true
		case isa.KindJump:
			leaders[pc+1+int(ins.Offset)] = true
		case isa.KindExit:
		case isa.KindCall:
			if ins.Imm != vm.HelperTailCall {
				return
			}
			// A tail call may end the function: the block ends here.
		default:
			return
		}
		if next < b.fn.End {
			leaders[next] = true
		}
	})
	starts := make([]int, 0, len(leaders))
	for pc := range leaders {
		starts = append(starts, pc)
	}
	sort.Ints(starts)
	b.blockAt = make(map[int]int, len(starts))
	for i, s := range starts {
		end := b.fn.End
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		b.blocks = append(b.blocks, &bblock{start: s, end: end})
		b.blockAt[s] = i
	}
	for i, bb := range b.blocks {
		last := b.lastInstruction(bb)
		ins := b.prog[last]
		switch b.kind(last) {
		case isa.KindJA:
			bb.succs = []int{b.blockAt[last+1+int(ins.Offset)]}
		case isa.KindJA32:
			bb.succs = []int{b.blockAt[last+1+int(ins.Imm)]}
		case isa.KindJump:
			bb.succs = []int{b.blockAt[last+1+int(ins.Offset)], i + 1}
		case isa.KindExit:
		default:
			bb.succs = []int{i + 1}
		}
	}
	stack := []int{0}
	b.blocks[0].reachable = true
	for len(stack) > 0 {
		bb := b.blocks[stack[len(stack)-1]]
		stack = stack[:len(stack)-1]
		for _, s := range bb.succs {
			if !b.blocks[s].reachable {
				b.blocks[s].reachable = true
				stack = append(stack, s)
			}
		}
	}
}

func (b *builder) lastInstruction(bb *bblock) int {
	last := bb.start
	for pc := bb.start; pc < bb.end; pc++ {
		last = pc
		if b.prog[pc].IsLDDW() {
			pc++
		}
	}
	return last
}

// useDef returns the variables an instruction reads before writing, and
// those it writes.
func (b *builder) useDef(pc int) (use, def varSet) {
	ins := b.prog[pc]
	reg := func(r isa.Register) varSet {
		if r == isa.R10 {
			return 0
		}
		return regBit(r)
	}
	slot := func(off int16, size isa.Size) varSet {
		if v := b.slotVar(off, size); v >= 0 {
			return 1 << v
		}
		return 0
	}
	x := ins.Source() == isa.SourceX
	switch b.kind(pc) {
	case isa.KindALU:
		use = reg(ins.Dst)
		if x {
			use |= reg(ins.Src)
		}
		def = reg(ins.Dst)
	case isa.KindNeg, isa.KindEnd, isa.KindBswap:
		use, def = reg(ins.Dst), reg(ins.Dst)
	case isa.KindMov:
		if x {
			use = reg(ins.Src)
		}
		def = reg(ins.Dst)
	case isa.KindMovSX:
		use, def = reg(ins.Src), reg(ins.Dst)
	case isa.KindLDDW:
		def = reg(ins.Dst)
	case isa.KindLoad, isa.KindLoadSX:
		if ins.Src == isa.R10 {
			use = slot(ins.Offset, ins.Size())
		} else {
			use = reg(ins.Src)
		}
		def = reg(ins.Dst)
	case isa.KindStore:
		if ins.Dst == isa.R10 {
			def = slot(ins.Offset, ins.Size())
		} else {
			use = reg(ins.Dst)
		}
	case isa.KindStoreX:
		use = reg(ins.Src)
		if ins.Dst == isa.R10 {
			def = slot(ins.Offset, ins.Size())
		} else {
			use |= reg(ins.Dst)
		}
	case isa.KindAtomic:
		use = reg(ins.Dst) | reg(ins.Src)
		if ins.Imm == isa.AtomicCmpXchg {
			use |= regBit(isa.R0)
			def = regBit(isa.R0)
		} else if ins.Imm&isa.AtomicFetch != 0 {
			def = reg(ins.Src)
		}
	case isa.KindJump:
		use = reg(ins.Dst)
		if x {
			use |= reg(ins.Src)
		}
	case isa.KindCall, isa.KindCallLocal:
		use, def = allArgs, allArgs|regBit(isa.R0)
		if b.runsCode(ins) {
			use |= b.slotVars
			def |= b.slotVars
		}
	case isa.KindCallX:
		use, def = allArgs|reg(ins.Dst), allArgs|regBit(isa.R0)
		if b.reachable {
			use |= b.slotVars
			def |= b.slotVars
		}
	case isa.KindExit:
		use = regBit(isa.R0)
	case isa.KindLegacyLoad:
		if ins.Mode() == isa.ModeIND {
			use = reg(ins.Src)
		}
		def = regBit(isa.R0)
	}
	return use, def
}

// poll is a poll point at pc (validate.Info.PollPoint): native code
// counts the run's fuel down there and leaves for Go when there is none.
func (b *builder) poll(blk *Block, pc int) {
	if !b.opts.NoPolls {
		blk.NewValue(OpPoll, pc)
	}
}

// liveness computes, per block, the variables live on entry.
func (b *builder) liveness() {
	for _, bb := range b.blocks {
		var use, def varSet
		for pc := bb.start; pc < bb.end; pc++ {
			u, d := b.useDef(pc)
			use |= u &^ def
			def |= d
			if b.prog[pc].IsLDDW() {
				pc++
			}
		}
		bb.use, bb.def = use, def
	}
	for changed := true; changed; {
		changed = false
		for i := len(b.blocks) - 1; i >= 0; i-- {
			bb := b.blocks[i]
			var out varSet
			for _, s := range bb.succs {
				out |= b.blocks[s].liveIn
			}
			in := bb.use | out&^bb.def
			if in != bb.liveIn || out != bb.liveOut {
				bb.liveIn, bb.liveOut, changed = in, out, true
			}
		}
	}
}

// translate creates the IR blocks and fills them.
func (b *builder) translate() {
	f := b.f
	entry := f.NewBlock(-1)
	args := make([]*Value, NumArgs)
	for i := range args {
		args[i] = entry.NewValue(OpArg, b.fn.Start)
		args[i].Aux = int64(i)
		if i < 5 {
			args[i].Var = int8(i + 1)
		}
	}
	b.frame = args[ArgFrame]

	for _, bb := range b.blocks {
		if !bb.reachable {
			continue
		}
		bb.ir = f.NewBlock(bb.start)
		for v := 0; v < b.nvars; v++ {
			if bb.liveIn&(1<<v) != 0 {
				var hint int8 = -1
				if v < numRegVars {
					hint = int8(v)
				}
				bb.ir.NewParam(hint)
				bb.paramVars = append(bb.paramVars, v)
			}
		}
	}

	// Entry state: r1-r5 are the arguments, everything else is zero.
	cur := make([]*Value, b.nvars)
	zero := entry.NewConst(0, b.fn.Start)
	for v := range cur {
		cur[v] = zero
	}
	for r := 1; r <= 5; r++ {
		cur[r] = args[r-1]
	}
	first := b.blocks[0]
	entry.Kind = BlockJump
	entry.AddEdge(first.ir, b.edgeArgs(first, cur))

	for _, bb := range b.blocks {
		if !bb.reachable {
			continue
		}
		for i, v := range bb.paramVars {
			cur[v] = bb.ir.Params[i]
		}
		b.translateBlock(bb, cur)
	}
}

func (b *builder) edgeArgs(to *bblock, cur []*Value) []*Value {
	args := make([]*Value, len(to.paramVars))
	for i, v := range to.paramVars {
		args[i] = cur[v]
	}
	return args
}

// set assigns a value to a register variable and records the register as
// the value's allocation hint.
func set(cur []*Value, r isa.Register, v *Value) {
	if v.Var < 0 && v.Op != OpConst {
		v.Var = int8(r)
	}
	cur[r] = v
}

func (b *builder) get(cur []*Value, r isa.Register) *Value {
	if r == isa.R10 {
		return b.frame
	}
	return cur[r]
}

var aluOps = map[isa.ALUOp]Op{
	isa.ALUAdd: OpAdd, isa.ALUSub: OpSub, isa.ALUMul: OpMul, isa.ALUDiv: OpDivU,
	isa.ALUOr: OpOr, isa.ALUAnd: OpAnd, isa.ALULsh: OpShl, isa.ALURsh: OpShrU,
	isa.ALUMod: OpModU, isa.ALUXor: OpXor, isa.ALUArsh: OpShrS,
}

var jumpConds = map[isa.JumpOp]Cond{
	isa.JumpEq: CondEq, isa.JumpNE: CondNe, isa.JumpGT: CondGt, isa.JumpGE: CondGe,
	isa.JumpLT: CondLt, isa.JumpLE: CondLe, isa.JumpSGT: CondSGt, isa.JumpSGE: CondSGe,
	isa.JumpSLT: CondSLt, isa.JumpSLE: CondSLe, isa.JumpSet: CondSet,
}

// zextOps truncate a stored value to the width of a promoted slot.
var zextOps = map[int]Op{1: OpZExt8, 2: OpZExt16, 4: OpZExt32}

// sextOps sign-extend a value of the given width to 64 bits.
var sextOps = map[int]Op{1: OpSExt8, 2: OpSExt16, 4: OpSExt32}

func (b *builder) translateBlock(bb *bblock, cur []*Value) {
	blk := bb.ir
	clear(b.synced)
	if b.info.PollPoint(bb.start) {
		b.poll(blk, bb.start)
	}
	for pc := bb.start; pc < bb.end; pc++ {
		ins := b.prog[pc]
		if b.translateInstruction(blk, bb, pc, ins, cur) {
			return
		}
		if ins.IsLDDW() {
			pc++
		}
	}
	// Fell through to the next block.
	next := b.blocks[bb.succs[0]]
	if lastPC := b.lastInstruction(bb); b.kind(lastPC) == isa.KindCall && b.prog[lastPC].Imm == vm.HelperTailCall {
		// If the tail call happened, the function returns its result.
		done := blk.NewValue(OpHelperReturned, lastPC)
		ret := b.f.NewBlock(-1)
		ret.Kind, ret.Controls = BlockReturn, []*Value{cur[isa.R0]}
		blk.Kind, blk.Cond = BlockIf, CondNe
		blk.Controls = []*Value{done, b.f.Const(0)}
		blk.AddEdge(ret, nil)
		blk.AddEdge(next.ir, b.edgeArgs(next, cur))
		return
	}
	blk.Kind = BlockJump
	blk.AddEdge(next.ir, b.edgeArgs(next, cur))
}

// translateInstruction emits one instruction; it returns true when the
// instruction ended the block.
func (b *builder) translateInstruction(blk *Block, bb *bblock, pc int, ins isa.Instruction, cur []*Value) bool {
	x := ins.Source() == isa.SourceX
	is32 := !ins.Is64()
	imm := func() *Value { return blk.NewConst(uint64(int64(ins.Imm)), pc) }
	operand := func() *Value {
		if x {
			return b.get(cur, ins.Src)
		}
		return imm()
	}
	unary := func(op Op, arg *Value) {
		set(cur, ins.Dst, blk.NewValue(op, pc, arg))
	}
	switch b.kind(pc) {
	case isa.KindALU:
		op := aluOps[ins.ALUOp()]
		if ins.IsSigned() {
			op = map[Op]Op{OpDivU: OpDivS, OpModU: OpModS}[op]
		}
		if is32 {
			op = op.Narrow()
		}
		set(cur, ins.Dst, blk.NewValue(op, pc, b.get(cur, ins.Dst), operand()))
	case isa.KindNeg:
		if is32 {
			unary(OpNeg32, cur[ins.Dst])
		} else {
			unary(OpNeg, cur[ins.Dst])
		}
	case isa.KindMov:
		switch {
		case is32 && x:
			unary(OpZExt32, b.get(cur, ins.Src))
		case is32:
			set(cur, ins.Dst, blk.NewConst(uint64(uint32(ins.Imm)), pc))
		default:
			set(cur, ins.Dst, operand())
		}
	case isa.KindMovSX:
		src := b.get(cur, ins.Src)
		switch {
		case is32 && ins.Offset == 8:
			unary(OpSExt8To32, src)
		case is32:
			unary(OpSExt16To32, src)
		default:
			unary(sextOps[int(ins.Offset)/8], src)
		}
	case isa.KindEnd, isa.KindBswap:
		be := ins.Kind() == isa.KindBswap || ins.Source() == isa.SourceX
		switch {
		case be:
			unary(map[int32]Op{16: OpBswap16, 32: OpBswap32, 64: OpBswap64}[ins.Imm], cur[ins.Dst])
		case ins.Imm == 16:
			unary(OpZExt16, cur[ins.Dst])
		case ins.Imm == 32:
			unary(OpZExt32, cur[ins.Dst])
		}
	case isa.KindLDDW:
		set(cur, ins.Dst, b.lddw(blk, pc, ins))
	case isa.KindLoad, isa.KindLoadSX:
		size := ins.Size().Bytes()
		signed := ins.Kind() == isa.KindLoadSX
		if v := b.slotVar(ins.Offset, ins.Size()); ins.Src == isa.R10 && v >= 0 {
			val := cur[v]
			if signed {
				val = blk.NewValue(sextOps[size], pc, val)
			}
			set(cur, ins.Dst, val)
			break
		}
		ld := blk.NewValue(OpLoad, pc, b.get(cur, ins.Src))
		ld.Aux, ld.Size, ld.Signed, ld.Checked = int64(ins.Offset), uint8(size), signed, ins.Src != isa.R10
		set(cur, ins.Dst, ld)
	case isa.KindStore, isa.KindStoreX:
		size := ins.Size().Bytes()
		var val *Value
		x := ins.Kind() == isa.KindStoreX
		if x {
			val = b.get(cur, ins.Src)
		} else {
			val = blk.NewConst(truncate(uint64(int64(ins.Imm)), size), pc)
		}
		if v := b.slotVar(ins.Offset, ins.Size()); ins.Dst == isa.R10 && v >= 0 {
			if x && size < 8 {
				val = blk.NewValue(zextOps[size], pc, val)
			}
			cur[v] = val
			break
		}
		st := blk.NewValue(OpStore, pc, b.get(cur, ins.Dst), val)
		st.Aux, st.Size, st.Checked = int64(ins.Offset), uint8(size), ins.Dst != isa.R10
	case isa.KindAtomic:
		args := []*Value{b.get(cur, ins.Dst), b.get(cur, ins.Src)}
		if ins.Imm == isa.AtomicCmpXchg {
			args = append(args, cur[isa.R0])
		}
		at := blk.NewValue(OpAtomic, pc, args...)
		at.Aux, at.Aux2, at.Size = int64(ins.Offset), int64(ins.Imm), uint8(ins.Size().Bytes())
		at.Checked = true // alignment is checked even on the stack
		switch {
		case ins.Imm == isa.AtomicCmpXchg:
			set(cur, isa.R0, at)
		case ins.Imm&isa.AtomicFetch != 0:
			set(cur, ins.Src, at)
		}
	case isa.KindLegacyLoad:
		var args []*Value
		if ins.Mode() == isa.ModeIND {
			args = []*Value{b.get(cur, ins.Src)}
		}
		ld := blk.NewValue(OpLegacyLoad, pc, args...)
		ld.Aux, ld.Size = int64(ins.Imm), uint8(ins.Size().Bytes())
		set(cur, isa.R0, ld)
	case isa.KindCall:
		args := cur[1:6]
		runsCode := b.runsCode(ins)
		if vm.TakesCallback(ins.Imm) {
			// The callback's frame goes below this function's.
			args = append(append([]*Value(nil), args...), b.frame)
		}
		if runsCode {
			b.flushSlots(blk, pc, cur)
		}
		call := blk.NewValue(OpCall, pc, args...)
		call.Aux = int64(ins.Imm)
		b.afterCall(blk, pc, cur, call)
		if runsCode {
			b.reloadSlots(blk, pc, cur)
		}
	case isa.KindCallLocal:
		b.flushSlots(blk, pc, cur)
		call := blk.NewValue(OpCallLocal, pc, append(append([]*Value{}, cur[1:6]...), b.frame)...)
		call.Aux = int64(b.info.FunctionAt(pc + 1 + int(ins.Imm)))
		b.afterCall(blk, pc, cur, call)
		b.reloadSlots(blk, pc, cur)
	case isa.KindCallX:
		b.flushSlots(blk, pc, cur)
		args := append([]*Value{b.get(cur, ins.Dst)}, cur[1:6]...)
		call := blk.NewValue(OpCallX, pc, append(args, b.frame)...)
		b.afterCall(blk, pc, cur, call)
		b.reloadSlots(blk, pc, cur)
	case isa.KindExit:
		blk.Kind = BlockReturn
		blk.Controls = []*Value{cur[isa.R0]}
		return true
	case isa.KindJA, isa.KindJA32:
		next := b.blocks[bb.succs[0]]
		blk.Kind = BlockJump
		blk.AddEdge(next.ir, b.edgeArgs(next, cur))
		return true
	case isa.KindJump:
		blk.Kind = BlockIf
		blk.Cond = jumpConds[ins.JumpOp()]
		blk.Is32 = is32
		blk.Controls = []*Value{b.get(cur, ins.Dst), operand()}
		taken, fall := b.blocks[bb.succs[0]], b.blocks[bb.succs[1]]
		blk.AddEdge(taken.ir, b.edgeArgs(taken, cur))
		blk.AddEdge(fall.ir, b.edgeArgs(fall, cur))
		return true
	default:
		panic(fmt.Sprintf("ir: instruction %d (%v) passed validation but cannot be translated", pc, ins))
	}
	return false
}

// Promoted slots across calls.
//
// A promoted slot lives in a register, but its bytes are still part of
// the frame, and code this function calls can reach them without any
// pointer from us: frames are adjacent, so a callee (a local function, a
// callx target, a callback run by bpf_loop and friends, a tail-call
// target running in this frame) computes the caller's slot from its own
// r10 plus a constant (when any function of the program computes with
// its r10 at all: builder.reachable). The interpreter sees memory there,
// so before such a call the function writes back every promoted slot whose register
// value may differ from memory, and after it reloads them all: callees
// may have written them. Nothing else can observe the register copy: the
// frame's address never escapes the function (else nothing is promoted),
// helpers that run no program code only see memory through pointers they
// are given, and frames below the current one hold unspecified bytes by
// the contract (vm/doc.go), so the caller never legitimately reads a
// callee's promoted slots. Reloads nobody uses are unchecked loads that
// dead-code elimination removes.

// runsCode reports whether a call instruction may run code of the
// program that can reach this function's frame (see above): a local
// call, a callx, a helper with a callback or a tail call, when the
// program computes with r10 at all.
func (b *builder) runsCode(ins isa.Instruction) bool {
	if !b.reachable {
		return false
	}
	switch ins.Kind() {
	case isa.KindCallLocal, isa.KindCallX:
		return true
	case isa.KindCall:
		return vm.TakesCallback(ins.Imm) || ins.Imm == vm.HelperTailCall
	}
	return false
}

// flushSlots stores the promoted slots that memory may not hold.
func (b *builder) flushSlots(blk *Block, pc int, cur []*Value) {
	if !b.reachable {
		return
	}
	for i, k := range b.slotList {
		v := firstVar + i
		if b.synced[v] == cur[v] {
			continue
		}
		st := blk.NewValue(OpStore, pc, b.frame, cur[v])
		st.Aux, st.Size = int64(k.off), k.size
		b.synced[v] = cur[v]
	}
}

// reloadSlots reads every promoted slot back from memory after a call
// that may have written it.
func (b *builder) reloadSlots(blk *Block, pc int, cur []*Value) {
	if !b.reachable {
		return
	}
	for i, k := range b.slotList {
		v := firstVar + i
		ld := blk.NewValue(OpLoad, pc, b.frame)
		ld.Aux, ld.Size = int64(k.off), k.size
		cur[v] = ld
		b.synced[v] = ld
	}
}

// afterCall records a call's result in r0 and the contract's zeroed
// scratch registers r1-r5.
func (b *builder) afterCall(blk *Block, pc int, cur []*Value, call *Value) {
	set(cur, isa.R0, call)
	zero := blk.NewConst(0, pc)
	for r := 1; r <= 5; r++ {
		cur[r] = zero
	}
}

func (b *builder) lddw(blk *Block, pc int, ins isa.Instruction) *Value {
	switch ins.Src {
	case isa.PseudoFunc:
		return blk.NewConst(vm.FuncRefBase+uint64(pc+1+int(ins.Imm)), pc)
	case isa.PseudoMapIdx, isa.PseudoMapIdxValue:
		v := blk.NewValue(OpMapAddr, pc)
		v.Aux, v.Aux2 = int64(ins.Imm), -1
		if ins.Src == isa.PseudoMapIdxValue {
			v.Aux2 = int64(uint32(b.prog[pc+1].Imm))
		}
		return v
	}
	return blk.NewConst(isa.Imm64(b.prog, pc), pc)
}

func truncate(v uint64, size int) uint64 {
	if size == 8 {
		return v
	}
	return v & (1<<(8*size) - 1)
}

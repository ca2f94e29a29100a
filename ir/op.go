package ir

// Op is the operation of a value.
type Op uint8

// Operations. 32-bit operations read the low halves of their operands and
// produce a zero-extended result, exactly like eBPF's ALU class; the
// others work on all 64 bits.
const (
	OpInvalid Op = iota

	OpConst // Aux: the 64-bit constant
	OpArg   // function argument; Aux: 0-4 for r1-r5, ArgFrame for r10
	OpParam // block parameter (the SSA join of a variable)

	OpAdd
	OpSub
	OpMul
	OpDivU
	OpDivS
	OpModU
	OpModS
	OpOr
	OpAnd
	OpXor
	OpShl
	OpShrU
	OpShrS

	OpAdd32
	OpSub32
	OpMul32
	OpDivU32
	OpDivS32
	OpModU32
	OpModS32
	OpOr32
	OpAnd32
	OpXor32
	OpShl32
	OpShrU32
	OpShrS32

	OpNeg
	OpNeg32
	OpSExt8      // sign-extend the low 8 bits to 64
	OpSExt16     //
	OpSExt32     //
	OpSExt8To32  // sign-extend the low 8 bits to 32, zero-extend to 64
	OpSExt16To32 //
	OpZExt8      // keep the low 8 bits
	OpZExt16     //
	OpZExt32     //
	OpBswap16    // swap the low 2 bytes, zero-extend
	OpBswap32    // swap the low 4 bytes, zero-extend
	OpBswap64    //

	OpLoad   // Args: address; Aux: offset; Size, Signed, Checked
	OpStore  // Args: address, value; Aux: offset; Size, Checked
	OpAtomic // Args: address, value (, expected for cmpxchg); Aux: offset; Aux2: eBPF atomic op; Size
	// OpLegacyLoad is BPF_ABS/BPF_IND: a big-endian load from the input
	// memory; out of range ends the program with r0 = 0. Args: index
	// register (IND only); Aux: imm; Size.
	OpLegacyLoad

	OpCall      // helper call. Args: r1-r5 (and the frame for helpers with callbacks); Aux: helper id. Result: r0
	OpCallLocal // Args: r1-r5, callee frame; Aux: function index. Result: r0
	OpCallX     // Args: target, r1-r5, callee frame. Result: r0

	// OpHelperReturned is 1 when the helper just called (a tail call)
	// finished the calling function on its behalf, else 0.
	OpHelperReturned

	// OpMapAddr is the address an lddw map reference loads, known only
	// when the program is bound to its maps. Aux: map index; Aux2: offset
	// into the value, or -1 for the map itself.
	OpMapAddr

	// OpPoll is a poll point (vm.Limits, validate.Info.PollPoint): the
	// first instruction of a function or the head of a loop. Native code
	// counts the run's fuel down there (in a register of its own) and,
	// when it was already 0, leaves for Go, which decides whether the run
	// goes on. PC: the instruction it stands for.
	OpPoll

	numOps
)

// ArgFrame is the Aux of the OpArg holding the frame pointer (r10).
const ArgFrame = 5

// NumArgs is the number of function arguments: r1-r5 and the frame.
const NumArgs = 6

type opInfo struct {
	name        string
	args        int  // number of arguments, -1 if variable
	commutative bool // x op y == y op x
	effects     bool // must stay even if unused, in program order
	is32        bool // result is a zero-extended 32-bit value
}

var opTable = [numOps]opInfo{
	OpInvalid: {name: "invalid"},
	OpConst:   {name: "const"},
	OpArg:     {name: "arg"},
	OpParam:   {name: "param"},

	OpAdd:  {name: "add", args: 2, commutative: true},
	OpSub:  {name: "sub", args: 2},
	OpMul:  {name: "mul", args: 2, commutative: true},
	OpDivU: {name: "divu", args: 2},
	OpDivS: {name: "divs", args: 2},
	OpModU: {name: "modu", args: 2},
	OpModS: {name: "mods", args: 2},
	OpOr:   {name: "or", args: 2, commutative: true},
	OpAnd:  {name: "and", args: 2, commutative: true},
	OpXor:  {name: "xor", args: 2, commutative: true},
	OpShl:  {name: "shl", args: 2},
	OpShrU: {name: "shru", args: 2},
	OpShrS: {name: "shrs", args: 2},

	OpAdd32:  {name: "add32", args: 2, commutative: true, is32: true},
	OpSub32:  {name: "sub32", args: 2, is32: true},
	OpMul32:  {name: "mul32", args: 2, commutative: true, is32: true},
	OpDivU32: {name: "divu32", args: 2, is32: true},
	OpDivS32: {name: "divs32", args: 2, is32: true},
	OpModU32: {name: "modu32", args: 2, is32: true},
	OpModS32: {name: "mods32", args: 2, is32: true},
	OpOr32:   {name: "or32", args: 2, commutative: true, is32: true},
	OpAnd32:  {name: "and32", args: 2, commutative: true, is32: true},
	OpXor32:  {name: "xor32", args: 2, commutative: true, is32: true},
	OpShl32:  {name: "shl32", args: 2, is32: true},
	OpShrU32: {name: "shru32", args: 2, is32: true},
	OpShrS32: {name: "shrs32", args: 2, is32: true},

	OpNeg:        {name: "neg", args: 1},
	OpNeg32:      {name: "neg32", args: 1, is32: true},
	OpSExt8:      {name: "sext8", args: 1},
	OpSExt16:     {name: "sext16", args: 1},
	OpSExt32:     {name: "sext32", args: 1},
	OpSExt8To32:  {name: "sext8to32", args: 1, is32: true},
	OpSExt16To32: {name: "sext16to32", args: 1, is32: true},
	OpZExt8:      {name: "zext8", args: 1, is32: true},
	OpZExt16:     {name: "zext16", args: 1, is32: true},
	OpZExt32:     {name: "zext32", args: 1, is32: true},
	OpBswap16:    {name: "bswap16", args: 1, is32: true},
	OpBswap32:    {name: "bswap32", args: 1, is32: true},
	OpBswap64:    {name: "bswap64", args: 1},

	OpLoad:       {name: "load", args: 1},
	OpStore:      {name: "store", args: 2, effects: true},
	OpAtomic:     {name: "atomic", args: -1, effects: true},
	OpLegacyLoad: {name: "ldpkt", args: -1, effects: true},

	OpCall:      {name: "call", args: -1, effects: true},
	OpCallLocal: {name: "calllocal", args: 6, effects: true},
	OpCallX:     {name: "callx", args: 7, effects: true},

	OpHelperReturned: {name: "helperreturned"},
	OpMapAddr:        {name: "mapaddr"},
	OpPoll:           {name: "poll", effects: true},
}

func (op Op) String() string {
	if op < numOps {
		return opTable[op].name
	}
	return "op?"
}

// Commutative reports whether the operands of a binary op can be swapped.
func (op Op) Commutative() bool { return opTable[op].commutative }

// HasEffects reports whether the op must be kept and ordered even when its
// result is unused.
func (op Op) HasEffects() bool { return opTable[op].effects }

// Is32 reports whether the op's result always has its upper 32 bits zero
// by definition.
func (op Op) Is32() bool { return opTable[op].is32 }

// IsCall reports whether the op transfers control to a helper or another
// function (and so clobbers every register).
func (op Op) IsCall() bool { return op == OpCall || op == OpCallLocal || op == OpCallX }

// IsBinary reports whether the op takes two value operands.
func (op Op) IsBinary() bool { return op >= OpAdd && op <= OpShrS32 }

// Wide returns the 64-bit form of a 32-bit binary op and vice versa.
func (op Op) Wide() Op {
	if op >= OpAdd32 && op <= OpShrS32 {
		return op - OpAdd32 + OpAdd
	}
	return op
}

// Narrow returns the 32-bit form of a 64-bit binary op.
func (op Op) Narrow() Op {
	if op >= OpAdd && op <= OpShrS {
		return op - OpAdd + OpAdd32
	}
	return op
}

// Cond is the condition of a conditional branch.
type Cond uint8

// Conditions. Each comes in a 64-bit and (with Is32 set on the block) a
// 32-bit form.
const (
	CondEq Cond = iota
	CondNe
	CondGt // unsigned
	CondGe
	CondLt
	CondLe
	CondSGt // signed
	CondSGe
	CondSLt
	CondSLe
	CondSet   // x & y != 0
	CondClear // x & y == 0
)

var condNames = [...]string{"eq", "ne", "gt", "ge", "lt", "le", "sgt", "sge", "slt", "sle", "set", "clear"}

func (c Cond) String() string { return condNames[c] }

// Negate returns the condition that holds exactly when c does not.
func (c Cond) Negate() Cond {
	return [...]Cond{CondNe, CondEq, CondLe, CondLt, CondGe, CondGt, CondSLe, CondSLt, CondSGe, CondSGt, CondClear, CondSet}[c]
}

// Swap returns the condition with its operands exchanged: x c y == y c.Swap() x.
func (c Cond) Swap() Cond {
	return [...]Cond{CondEq, CondNe, CondLt, CondLe, CondGt, CondGe, CondSLt, CondSLe, CondSGt, CondSGe, CondSet, CondClear}[c]
}

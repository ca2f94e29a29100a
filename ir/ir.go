// Package ir is the compiler's intermediate representation: each eBPF
// function as a control-flow graph of basic blocks in SSA form, with block
// parameters in place of phi nodes, and the optimisation passes that work
// on it.
//
// Values are 64-bit integers. The eBPF registers r0-r9 and, at -O2, the
// fixed-offset stack slots whose address never escapes are the variables
// that SSA construction renames; r10 is the frame argument. Constants are
// values too, but they are never given registers: backends use them as
// immediates or rematerialise them.
package ir

import "fmt"

// Func is one eBPF function.
type Func struct {
	Name   string
	Index  int      // position in Program.Funcs
	Start  int      // eBPF slot of the first instruction
	Blocks []*Block // Blocks[0] is the entry block, which has no predecessors

	// FrameZero is the range of frame offsets [lo, 0) that must be zeroed
	// on entry because the function reads stack memory it may not have
	// written (the contract says frames start zeroed). Zero when nothing
	// has to be cleared.
	FrameZero int

	nextValue int
	nextBlock int
	consts    map[uint64]*Value
	slab      []Value // values are carved from slabs: one allocation per many
	slabSize  int     // size of the last slab: they double, from small, so tiny programs stay cheap

	spareReplacer *Replacer // kept between passes (newReplacer)
}

// Block is a basic block: parameters, a straight-line body and a
// terminator described by Kind, Cond, Controls and Succs.
type Block struct {
	ID     int
	Func   *Func
	PC     int      // eBPF slot where the block starts, -1 for synthetic ones
	Params []*Value // OpParam values, bound by the incoming edges' Args
	Values []*Value // the body, in execution order

	Kind     BlockKind
	Cond     Cond     // BlockIf
	Is32     bool     // BlockIf compares the low 32 bits
	Controls []*Value // BlockIf: x, y; BlockReturn: r0
	Succs    []Edge   // BlockJump: 1; BlockIf: 2 (taken, not taken)
	Preds    []*Block // one entry per incoming edge
}

// BlockKind says how a block ends.
type BlockKind uint8

// Block kinds.
const (
	BlockJump   BlockKind = iota // to Succs[0]
	BlockIf                      // to Succs[0] if Controls[0] Cond Controls[1], else Succs[1]
	BlockReturn                  // return Controls[0] as r0
)

// Edge is a control transfer carrying the arguments bound to the target
// block's parameters.
type Edge struct {
	To   *Block
	Args []*Value
}

// Value is one SSA value.
type Value struct {
	ID    int
	Op    Op
	Args  []*Value
	Aux   int64
	Aux2  int64
	Block *Block
	PC    int  // eBPF slot the value comes from, for faults and listings
	Var   int8 // eBPF register (0-9) the value was assigned to, or -1

	// Memory operations.
	Size    uint8 // access width in bytes
	Signed  bool  // sign-extending load
	Checked bool  // the address must be checked against the memory regions

	argStorage [3]*Value // Args of up to three operands, without an allocation
}

// Program is every function of one eBPF program.
type Program struct {
	Funcs []*Func // Funcs[0] is the entry point
	// NoPolls is set when the program was built without poll points
	// (BuildOptions.NoPolls): the backends then keep no fuel count.
	NoPolls bool
}

func (f *Func) newValue(b *Block, op Op, pc int, args ...*Value) *Value {
	f.nextValue++
	if len(f.slab) == 0 {
		f.slabSize = min(max(2*f.slabSize, 16), 1024)
		f.slab = make([]Value, f.slabSize)
	}
	v := &f.slab[0]
	f.slab = f.slab[1:]
	*v = Value{ID: f.nextValue, Op: op, Block: b, PC: pc, Var: -1}
	if len(args) <= len(v.argStorage) {
		v.Args = append(v.argStorage[:0], args...)
	} else {
		v.Args = append([]*Value(nil), args...)
	}
	return v
}

// NewBlock adds an empty block to the function.
func (f *Func) NewBlock(pc int) *Block {
	b := &Block{ID: f.nextBlock, Func: f, PC: pc}
	f.nextBlock++
	f.Blocks = append(f.Blocks, b)
	return b
}

// NumValues returns an upper bound of value IDs, for tables indexed by ID.
func (f *Func) NumValues() int { return f.nextValue + 1 }

// NumBlocks returns an upper bound of block IDs.
func (f *Func) NumBlocks() int { return f.nextBlock }

// NewValue appends a value to the block's body.
func (b *Block) NewValue(op Op, pc int, args ...*Value) *Value {
	v := b.Func.newValue(b, op, pc, args...)
	b.Values = append(b.Values, v)
	return v
}

// NewConst returns the function's constant c. Constants have no
// position (they are never computed in a register), so they all live in
// the entry block, once per value, where no transformation can remove
// them from under their uses.
func (b *Block) NewConst(c uint64, pc int) *Value { return b.Func.Const(c) }

// Const returns the constant c of the function.
func (f *Func) Const(c uint64) *Value {
	if v, ok := f.consts[c]; ok {
		return v
	}
	if f.consts == nil {
		f.consts = map[uint64]*Value{}
	}
	entry := f.Blocks[0]
	v := f.newValue(entry, OpConst, f.Start)
	v.Aux = int64(c)
	entry.Values = append(entry.Values, v)
	f.consts[c] = v
	return v
}

// NewParam appends a parameter to the block.
func (b *Block) NewParam(v8 int8) *Value {
	v := b.Func.newValue(b, OpParam, b.PC)
	v.Var = v8
	b.Params = append(b.Params, v)
	return v
}

// IsConst reports whether v is a constant.
func (v *Value) IsConst() bool { return v.Op == OpConst }

// Const returns the value of a constant.
func (v *Value) Const() uint64 { return uint64(v.Aux) }

func (v *Value) String() string {
	if v.Op == OpConst {
		return fmt.Sprintf("%#x", uint64(v.Aux))
	}
	return fmt.Sprintf("v%d", v.ID)
}

// AddEdge adds a successor edge from b to to.
func (b *Block) AddEdge(to *Block, args []*Value) {
	b.Succs = append(b.Succs, Edge{To: to, Args: args})
	to.Preds = append(to.Preds, b)
}

// predIndex returns the index in to.Preds of the i-th edge out of b.
func (b *Block) edgePredIndex(i int) int {
	to := b.Succs[i].To
	n := 0
	for j := 0; j < i; j++ {
		if b.Succs[j].To == to {
			n++
		}
	}
	for k, p := range to.Preds {
		if p == b {
			if n == 0 {
				return k
			}
			n--
		}
	}
	panic("ir: edge missing from predecessor list")
}

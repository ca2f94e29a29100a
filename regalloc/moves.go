package regalloc

import (
	"fmt"

	"github.com/ebpfjit/ebpfjit/ir"
)

// Operand is one end of a move: a register, a spill slot or a constant.
type Operand struct {
	Kind  OperandKind
	Reg   Reg
	Slot  int
	Const uint64
}

// OperandKind says what an Operand is.
type OperandKind uint8

// Operand kinds.
const (
	InReg OperandKind = iota
	InSlot
	IsConst
)

func (o Operand) String() string {
	switch o.Kind {
	case InReg:
		return fmt.Sprintf("r%d", o.Reg)
	case InSlot:
		return fmt.Sprintf("slot%d", o.Slot)
	}
	return fmt.Sprintf("$%#x", o.Const)
}

// RegOperand, SlotOperand and ConstOperand build operands.
func RegOperand(r Reg) Operand      { return Operand{Kind: InReg, Reg: r} }
func SlotOperand(s int) Operand     { return Operand{Kind: InSlot, Slot: s} }
func ConstOperand(c uint64) Operand { return Operand{Kind: IsConst, Const: c} }

// Move copies Src to Dst.
type Move struct {
	Dst, Src Operand
}

func (m Move) String() string { return fmt.Sprintf("%v <- %v", m.Dst, m.Src) }

// Sequentialize orders a set of moves meant to happen at once (the
// binding of block parameters on an edge) so that none overwrites a
// source another still needs. Cycles are broken through tmp, a location
// the caller keeps free for the purpose. Moves whose source and
// destination coincide disappear.
func Sequentialize(moves []Move, tmp Operand) []Move {
	var pending []Move
	for _, m := range moves {
		if m.Dst != m.Src {
			pending = append(pending, m)
		}
	}
	var out []Move
	blocks := func(m Move) bool {
		for _, o := range pending {
			if o != m && o.Src == m.Dst {
				return true
			}
		}
		return false
	}
	for len(pending) > 0 {
		progress := false
		for i := 0; i < len(pending); i++ {
			m := pending[i]
			if blocks(m) {
				continue
			}
			out = append(out, m)
			pending = append(pending[:i], pending[i+1:]...)
			i--
			progress = true
		}
		if progress {
			continue
		}
		// Only cycles remain: park one source in tmp.
		m := pending[0]
		out = append(out, Move{Dst: tmp, Src: m.Src})
		for i := range pending {
			if pending[i].Src == m.Src {
				pending[i].Src = tmp
			}
		}
	}
	return out
}

// EdgeMoves returns the moves binding the parameters of e.To from e's
// arguments, in the order they can be performed.
func (r *Result) EdgeMoves(args, params []*irValue, tmp Operand) []Move {
	moves := make([]Move, 0, len(params))
	for i, p := range params {
		dst, ok := r.operand(p)
		if !ok {
			continue // an unused parameter
		}
		src, _ := r.operand(args[i])
		moves = append(moves, Move{Dst: dst, Src: src})
	}
	return Sequentialize(moves, tmp)
}

// Needed reports whether v must be lowered: it has a location or an
// effect. Unused pure values (possible at -O0) need no code.
func (r *Result) Needed(v *ir.Value) bool {
	if v.Op == ir.OpConst {
		return false
	}
	if v.Op.HasEffects() || (v.Op == ir.OpLoad && v.Checked) {
		return true
	}
	l := r.Of(v)
	return l.InReg() || l.Slot >= 0
}

// Layout returns the blocks that emit code, in layout order, and by
// block ID where each of the others really sends control (Forwarders).
// Backends alias the labels of the others to their destinations, so
// branches skip them.
func (r *Result) Layout(tmp Operand) (emit, forward []*ir.Block) {
	forward = r.Forwarders(tmp)
	emit = make([]*ir.Block, 0, len(r.Order))
	for _, b := range r.Order {
		if forward[b.ID] == nil {
			emit = append(emit, b)
		}
	}
	return emit, forward
}

// Forwarders finds the blocks that need no code at all: a jump whose
// values all need nothing and whose edge moves are all no-ops, other
// than the first block of the layout. It returns, by block ID, where
// control really goes from such a block (following chains of them), and
// nil for blocks that emit code.
func (r *Result) Forwarders(tmp Operand) []*ir.Block {
	dest := make([]*ir.Block, r.Func.NumBlocks())
	empty := func(b *ir.Block) bool {
		if b.Kind != ir.BlockJump || b == r.Order[0] || b.Succs[0].To == b {
			return false
		}
		for _, v := range b.Values {
			if r.Needed(v) {
				return false
			}
		}
		return len(r.EdgeMoves(b.Succs[0].Args, b.Succs[0].To.Params, tmp)) == 0
	}
	for _, b := range r.Order {
		if empty(b) {
			dest[b.ID] = b.Succs[0].To
		}
	}
	// Follow chains; a cycle of empty blocks (an empty endless loop)
	// keeps its code.
	for _, b := range r.Order {
		d := dest[b.ID]
		for steps := 0; d != nil && dest[d.ID] != nil && steps < len(r.Order); steps++ {
			d = dest[d.ID]
		}
		if d != nil && dest[d.ID] != nil {
			dest[b.ID] = nil
			continue
		}
		dest[b.ID] = d
	}
	return dest
}

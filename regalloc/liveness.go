package regalloc

import "github.com/ebpfjit/ebpfjit/ir"

// Positions: every block gets a start position (where its parameters are
// defined), one position per value in its body, and an end position
// (where its terminator and outgoing edge arguments are used). Positions
// step by two so that a value used at p and a value defined at p can
// share a register.

type callSite struct {
	v   *ir.Value
	pos int
}

type liveness struct {
	blockStart, blockEnd []int // by block ID
	valuePos             []int // by value ID
	intervals            []*interval
	calls                []callSite
}

func computeLiveness(f *ir.Func, order []*ir.Block) *liveness {
	lv := &liveness{
		blockStart: make([]int, f.NumBlocks()),
		blockEnd:   make([]int, f.NumBlocks()),
		valuePos:   make([]int, f.NumValues()),
		intervals:  make([]*interval, f.NumValues()),
	}
	pos := 0
	for _, b := range order {
		lv.blockStart[b.ID] = pos
		for _, p := range b.Params {
			lv.valuePos[p.ID] = pos
		}
		pos += 2
		for _, v := range b.Values {
			if v.Op == ir.OpConst {
				continue
			}
			lv.valuePos[v.ID] = pos
			if v.Op.IsCall() {
				lv.calls = append(lv.calls, callSite{v, pos})
			}
			pos += 2
		}
		lv.blockEnd[b.ID] = pos
		pos += 2
	}

	// Uses, grouped by value: the block they are in and their position.
	// Two passes over the uses: count them, then fill one shared array.
	count := make([]int32, f.NumValues()+1)
	forEachUse(order, lv, func(v *ir.Value, _ *ir.Block, _ int) { count[v.ID+1]++ })
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	all := make([]useSite, count[len(count)-1])
	fill := append([]int32(nil), count...)
	forEachUse(order, lv, func(v *ir.Value, b *ir.Block, pos int) {
		all[fill[v.ID]] = useSite{b, pos}
		fill[v.ID]++
	})
	uses := func(v *ir.Value) []useSite { return all[count[v.ID]:count[v.ID+1]] }

	// Path exploration, one value at a time: from each use outside the
	// defining block walk up the predecessors until the defining block,
	// stretching the interval to the end of every block the value is live
	// out of. A block is visited at most once per value, so the cost is
	// the size of the value's live range.
	visited := make([]int32, f.NumBlocks()) // value ID + 1 that last visited
	var stack []*ir.Block
	define := func(v *ir.Value) {
		start := lv.valuePos[v.ID]
		iv := &interval{v: v, start: start, end: start + 1}
		lv.intervals[v.ID] = iv
		stamp := int32(v.ID + 1)
		for _, u := range uses(v) {
			if u.pos > iv.end {
				iv.end = u.pos
			}
			if u.b == v.Block || visited[u.b.ID] == stamp {
				continue
			}
			visited[u.b.ID] = stamp
			stack = append(stack[:0], u.b)
			for len(stack) > 0 {
				b := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, p := range b.Preds {
					if e := lv.blockEnd[p.ID]; e > iv.end {
						iv.end = e
					}
					if p != v.Block && visited[p.ID] != stamp {
						visited[p.ID] = stamp
						stack = append(stack, p)
					}
				}
			}
		}
	}
	for _, b := range order {
		for _, p := range b.Params {
			define(p)
		}
		for _, v := range b.Values {
			if v.Op != ir.OpConst && v.Op != ir.OpStore {
				define(v)
			}
		}
	}
	return lv
}

type useSite struct {
	b   *ir.Block
	pos int
}

// forEachUse calls fn for every use of a non-constant value: operands at
// their value's position, controls and edge arguments at the end of their
// block (where the moves binding the target's parameters go).
func forEachUse(order []*ir.Block, lv *liveness, fn func(v *ir.Value, b *ir.Block, pos int)) {
	use := func(v *ir.Value, b *ir.Block, pos int) {
		if v.Op != ir.OpConst {
			fn(v, b, pos)
		}
	}
	for _, b := range order {
		for _, v := range b.Values {
			if v.Op == ir.OpConst {
				continue
			}
			for _, a := range v.Args {
				use(a, b, lv.valuePos[v.ID])
			}
		}
		end := lv.blockEnd[b.ID]
		for _, c := range b.Controls {
			use(c, b, end)
		}
		for _, e := range b.Succs {
			for _, a := range e.Args {
				use(a, b, end)
			}
		}
	}
}

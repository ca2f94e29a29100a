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

	// Path exploration, one value at a time: from each use walk up the
	// predecessors until the defining block, extending the interval to
	// the end of every block the value is live out of.
	visited := make([]int, f.NumBlocks()) // generation stamps
	gen := 0
	var walk func(iv *interval, def *ir.Block, x *ir.Block)
	walk = func(iv *interval, def *ir.Block, x *ir.Block) {
		stack := []*ir.Block{x}
		for len(stack) > 0 {
			b := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, p := range b.Preds {
				if e := lv.blockEnd[p.ID]; e > iv.end {
					iv.end = e
				}
				if p != def && visited[p.ID] != gen {
					visited[p.ID] = gen
					stack = append(stack, p)
				}
			}
		}
	}
	use := func(v *ir.Value, at *ir.Block, p int, liveInAt bool) {
		if v.Op == ir.OpConst {
			return
		}
		iv := lv.intervals[v.ID]
		if iv == nil {
			start := lv.valuePos[v.ID]
			iv = &interval{v: v, start: start, end: start}
			lv.intervals[v.ID] = iv
		}
		if p > iv.end {
			iv.end = p
		}
		if at == v.Block {
			return
		}
		gen++
		visited[at.ID] = gen
		if liveInAt {
			walk(iv, v.Block, at)
			return
		}
		// An edge argument: live out of at, so live into it too unless
		// at defines it.
		walk(iv, v.Block, at)
	}
	inOrder := make([]bool, f.NumBlocks())
	for _, b := range order {
		inOrder[b.ID] = true
	}
	for _, b := range order {
		for _, v := range b.Values {
			if v.Op == ir.OpConst {
				continue
			}
			for _, a := range v.Args {
				use(a, b, lv.valuePos[v.ID], true)
			}
			if lv.intervals[v.ID] == nil && v.Op != ir.OpStore {
				// Defined but never used: it still needs a place to be
				// written (calls, atomics at -O0), for an instant.
				lv.intervals[v.ID] = &interval{v: v, start: lv.valuePos[v.ID], end: lv.valuePos[v.ID] + 1}
			}
		}
		end := lv.blockEnd[b.ID]
		for _, c := range b.Controls {
			use(c, b, end, true)
		}
		for _, e := range b.Succs {
			for _, a := range e.Args {
				use(a, b, end, false)
			}
		}
		for _, p := range b.Params {
			if lv.intervals[p.ID] == nil {
				lv.intervals[p.ID] = &interval{v: p, start: lv.valuePos[p.ID], end: lv.valuePos[p.ID] + 1}
			}
		}
	}
	return lv
}

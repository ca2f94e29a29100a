package ir

// SimplifyCFG cleans up the control-flow graph: branches on constants
// become jumps, two-way branches to the same place become jumps,
// unreachable blocks disappear, a block reached only by a jump merges
// into its predecessor, and empty blocks that only jump on are bypassed.
func SimplifyCFG(f *Func) bool {
	changed := false
	for _, b := range f.Blocks {
		if b.Kind != BlockIf {
			continue
		}
		x, y := b.Controls[0], b.Controls[1]
		switch {
		case x.IsConst() && y.IsConst():
			taken := 1
			if EvalCond(b.Cond, b.Is32, x.Const(), y.Const()) {
				taken = 0
			}
			b.keepOnlyEdge(taken)
			changed = true
		case b.Succs[0].To == b.Succs[1].To && sameArgs(b.Succs[0].Args, b.Succs[1].Args):
			b.keepOnlyEdge(0)
			changed = true
		}
	}
	if removeUnreachable(f) {
		changed = true
	}
	// Merging replaces the merged block's parameters by its incoming
	// arguments; the replacements are collected and applied once, since
	// the merge and bypass decisions look only at the graph.
	repl := newReplacer(f)
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(f.Blocks); i++ {
			b := f.Blocks[i]
			for mergeSuccessor(b, repl) {
				merged, changed = true, true
			}
			if bypassEmpty(f, b) {
				merged, changed = true, true
			}
		}
	}
	repl.Apply(f)
	repl.release(f)
	if changed {
		removeUnreachable(f)
	}
	return changed
}

func sameArgs(a, b []*Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !sameConst(a[i], b[i]) {
			return false
		}
	}
	return true
}

// keepOnlyEdge turns an if-block into a jump along edge i.
func (b *Block) keepOnlyEdge(i int) {
	drop := 1 - i
	b.Succs[drop].To.removePred(b, b.edgePredIndex(drop))
	b.Succs = []Edge{b.Succs[i]}
	b.Kind = BlockJump
	b.Controls = nil
}

// removePred removes the k-th predecessor entry.
func (b *Block) removePred(p *Block, k int) {
	if b.Preds[k] != p {
		panic("ir: predecessor mismatch")
	}
	b.Preds = append(b.Preds[:k], b.Preds[k+1:]...)
}

func removeUnreachable(f *Func) bool {
	reach := f.Reachable()
	if len(reach) == len(f.Blocks) {
		return false
	}
	ok := make([]bool, f.NumBlocks())
	for _, b := range reach {
		ok[b.ID] = true
	}
	for _, b := range f.Blocks {
		if ok[b.ID] {
			continue
		}
		for _, e := range b.Succs {
			if ok[e.To.ID] {
				for k := len(e.To.Preds) - 1; k >= 0; k-- {
					if e.To.Preds[k] == b {
						e.To.removePred(b, k)
						break
					}
				}
			}
		}
	}
	kept := f.Blocks[:0]
	for _, b := range f.Blocks {
		if ok[b.ID] {
			kept = append(kept, b)
		}
	}
	f.Blocks = kept
	return true
}

// mergeSuccessor appends b's only successor to b when b is that block's
// only predecessor.
func mergeSuccessor(b *Block, repl *Replacer) bool {
	if b.Kind != BlockJump {
		return false
	}
	c := b.Succs[0].To
	if c == b || len(c.Preds) != 1 || c == b.Func.Blocks[0] {
		return false
	}
	for i, p := range c.Params {
		repl.Set(p, b.Succs[0].Args[i])
	}
	for _, v := range c.Values {
		v.Block = b
	}
	b.Values = append(b.Values, c.Values...)
	b.Kind, b.Cond, b.Is32, b.Controls = c.Kind, c.Cond, c.Is32, c.Controls
	b.Succs = c.Succs
	for _, e := range c.Succs {
		for k, p := range e.To.Preds {
			if p == c {
				e.To.Preds[k] = b
			}
		}
	}
	// c is now unreachable; removeUnreachable drops it.
	c.Params, c.Values, c.Succs, c.Preds = nil, nil, nil, nil
	c.Kind = BlockReturn
	c.Controls = nil
	return true
}

// bypassEmpty redirects the predecessors of an empty jump-only block
// straight to its target.
func bypassEmpty(f *Func, e *Block) bool {
	// A block with parameters may dominate blocks that use them (a loop
	// header reached again through a back edge), so only parameterless
	// blocks are bypassed.
	if e.Kind != BlockJump || len(e.Values) != 0 || len(e.Params) != 0 || e == f.Blocks[0] || len(e.Preds) == 0 {
		return false
	}
	t := e.Succs[0].To
	if t == e {
		return false
	}
	// The target's parameters must not be bound twice by one predecessor
	// through different routes with different values; keep it simple and
	// only bypass when the target has no parameters, or the empty block is
	// the target's only way in from each of its predecessors.
	for _, p := range uniquePreds(e) {
		for _, s := range p.Succs {
			if s.To == t && len(t.Params) > 0 {
				return false
			}
		}
	}
	out := e.Succs[0].Args
	for _, p := range uniquePreds(e) {
		for j := range p.Succs {
			if p.Succs[j].To != e {
				continue
			}
			p.Succs[j] = Edge{To: t, Args: append([]*Value(nil), out...)}
			t.Preds = append(t.Preds, p)
		}
	}
	for k := len(t.Preds) - 1; k >= 0; k-- {
		if t.Preds[k] == e {
			t.removePred(e, k)
		}
	}
	e.Preds = nil
	return true
}

package ir

// SplitArgEdges gives every edge out of a two-way branch that passes
// arguments a block of its own, so that the moves binding block
// parameters always sit at the end of a block ending in a plain jump.
// Backends then never need to place moves "on" a conditional edge. An
// empty split block (its moves turned out to be no-ops) costs nothing:
// backends send branches straight through it.
func SplitArgEdges(f *Func) {
	for _, b := range append([]*Block(nil), f.Blocks...) {
		if b.Kind != BlockIf {
			continue
		}
		for i := range b.Succs {
			e := &b.Succs[i]
			if len(e.Args) == 0 {
				continue
			}
			to := e.To
			k := b.edgePredIndex(i)
			mid := f.NewBlock(to.PC)
			mid.Kind = BlockJump
			mid.Succs = []Edge{{To: to, Args: e.Args}}
			mid.Preds = []*Block{b}
			to.Preds[k] = mid
			e.To, e.Args = mid, nil
		}
	}
}

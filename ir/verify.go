package ir

import "fmt"

// Verify checks the structural invariants of f: terminators match their
// successor counts, edges bind exactly the target's parameters, the
// predecessor lists mirror the edges, and every operand is defined before
// its use in a block that dominates it. Passes are tested with it.
func (f *Func) Verify() error {
	if len(f.Blocks) == 0 {
		return fmt.Errorf("%s: no blocks", f.Name)
	}
	if len(f.Blocks[0].Preds) != 0 {
		return fmt.Errorf("%s: entry block has predecessors", f.Name)
	}
	inFunc := map[*Block]bool{}
	for _, b := range f.Blocks {
		inFunc[b] = true
	}
	edgeCount := map[[2]*Block]int{}
	for _, b := range f.Blocks {
		want := map[BlockKind]int{BlockJump: 1, BlockIf: 2, BlockReturn: 0}[b.Kind]
		if len(b.Succs) != want {
			return fmt.Errorf("%s: %s has %d successors, want %d", f.Name, b, len(b.Succs), want)
		}
		wantControls := map[BlockKind]int{BlockJump: 0, BlockIf: 2, BlockReturn: 1}[b.Kind]
		if len(b.Controls) != wantControls {
			return fmt.Errorf("%s: %s has %d controls, want %d", f.Name, b, len(b.Controls), wantControls)
		}
		for _, e := range b.Succs {
			if !inFunc[e.To] {
				return fmt.Errorf("%s: %s jumps to %s, which is not in the function", f.Name, b, e.To)
			}
			if len(e.Args) != len(e.To.Params) {
				return fmt.Errorf("%s: edge %s->%s has %d args for %d params", f.Name, b, e.To, len(e.Args), len(e.To.Params))
			}
			edgeCount[[2]*Block{b, e.To}]++
		}
	}
	for _, b := range f.Blocks {
		for _, p := range b.Preds {
			edgeCount[[2]*Block{p, b}]--
		}
	}
	for k, n := range edgeCount {
		if n != 0 {
			return fmt.Errorf("%s: predecessor list of %s disagrees with the edges from %s", f.Name, k[1], k[0])
		}
	}

	idom := f.Dominators()
	pos := map[*Value]int{}
	where := map[*Value]*Block{}
	for _, b := range f.Blocks {
		for _, p := range b.Params {
			if p.Op != OpParam || p.Block != b {
				return fmt.Errorf("%s: parameter %s of %s is malformed", f.Name, p, b)
			}
			where[p], pos[p] = b, -1
		}
		for i, v := range b.Values {
			if v.Block != b {
				return fmt.Errorf("%s: %s sits in %s but says %s", f.Name, v, b, v.Block)
			}
			where[v], pos[v] = b, i
		}
	}
	check := func(use *Block, at int, a *Value, what string) error {
		if a == nil {
			return fmt.Errorf("%s: nil operand of %s in %s", f.Name, what, use)
		}
		db, ok := where[a]
		if !ok {
			return fmt.Errorf("%s: %s uses %s, which is not defined in the function", f.Name, what, a.LongString())
		}
		if a.Op == OpConst {
			return nil
		}
		if db == use {
			if pos[a] >= at {
				return fmt.Errorf("%s: %s uses %s before its definition", f.Name, what, a)
			}
			return nil
		}
		if !dominates(idom, db, use) {
			return fmt.Errorf("%s: %s in %s uses %s from %s, which does not dominate it", f.Name, what, use, a, db)
		}
		return nil
	}
	for _, b := range f.Blocks {
		if _, ok := idom[b]; !ok && b != f.Blocks[0] {
			continue // unreachable: nothing to check
		}
		for i, v := range b.Values {
			for _, a := range v.Args {
				if err := check(b, i, a, v.String()); err != nil {
					return err
				}
			}
		}
		end := len(b.Values)
		for _, c := range b.Controls {
			if err := check(b, end, c, "terminator of "+b.String()); err != nil {
				return err
			}
		}
		for _, e := range b.Succs {
			for _, a := range e.Args {
				if err := check(b, end, a, "edge "+b.String()+"->"+e.To.String()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Dominators returns the immediate dominator of every reachable block
// (the entry maps to itself), by the iterative algorithm of Cooper,
// Harvey and Kennedy.
func (f *Func) Dominators() map[*Block]*Block {
	order := f.Reachable()
	index := map[*Block]int{}
	for i, b := range order {
		index[b] = i
	}
	idom := map[*Block]*Block{order[0]: order[0]}
	intersect := func(a, b *Block) *Block {
		for a != b {
			for index[a] > index[b] {
				a = idom[a]
			}
			for index[b] > index[a] {
				b = idom[b]
			}
		}
		return a
	}
	for changed := true; changed; {
		changed = false
		for _, b := range order[1:] {
			var d *Block
			for _, p := range b.Preds {
				if _, ok := idom[p]; !ok {
					continue
				}
				if d == nil {
					d = p
				} else {
					d = intersect(p, d)
				}
			}
			if idom[b] != d {
				idom[b] = d
				changed = true
			}
		}
	}
	return idom
}

func dominates(idom map[*Block]*Block, a, b *Block) bool {
	for {
		if a == b {
			return true
		}
		next, ok := idom[b]
		if !ok || next == b {
			return false
		}
		b = next
	}
}

package ir

// DeadCode removes values whose results are never used and that have no
// effect, and block parameters nobody reads (with the edge arguments that
// fed them). A checked load stays even when unused: it may fault, and
// faulting is observable.
func DeadCode(f *Func) bool {
	live := make([]bool, f.NumValues())
	var work []*Value
	mark := func(v *Value) {
		if !live[v.ID] {
			live[v.ID] = true
			work = append(work, v)
		}
	}
	paramIndex := map[*Value]int{}
	for _, b := range f.Blocks {
		for i, p := range b.Params {
			paramIndex[p] = i
		}
		for _, v := range b.Values {
			// Constants stay: they cost nothing and Func.Const hands
			// them out again.
			if hasEffects(v) || v.Op == OpConst {
				mark(v)
			}
		}
		for _, c := range b.Controls {
			mark(c)
		}
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		for _, a := range v.Args {
			mark(a)
		}
		if v.Op == OpParam {
			i := paramIndex[v]
			for _, pred := range uniquePreds(v.Block) {
				for _, e := range pred.Succs {
					if e.To == v.Block {
						mark(e.Args[i])
					}
				}
			}
		}
	}
	changed := false
	dead := newReplacer(f)
	for _, b := range f.Blocks {
		kept := b.Values[:0]
		for _, v := range b.Values {
			if live[v.ID] {
				kept = append(kept, v)
			} else if v.Op != OpConst {
				changed = true
			}
		}
		for i := len(kept); i < len(b.Values); i++ {
			b.Values[i] = nil
		}
		b.Values = kept
		for _, p := range b.Params {
			if !live[p.ID] {
				dead.Set(p, p)
			}
		}
	}
	if dead.Len() > 0 {
		removeParams(f, dead)
		changed = true
	}
	dead.release(f)
	return changed
}

func hasEffects(v *Value) bool {
	return v.Op.HasEffects() || (v.Op == OpLoad && v.Checked)
}

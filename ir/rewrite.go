package ir

// Replacer substitutes values: every use of a replaced value becomes a use
// of its replacement (following chains). Passes collect replacements and
// apply them in one sweep. It is indexed by value ID, so lookups are a
// slice access.
type Replacer struct {
	to      []*Value
	touched []int // IDs set, so that release clears only those
	n       int
}

// newReplacer returns an empty replacer for f, reusing the one the last
// pass released: passes run many times, and a fresh table each time is
// most of what optimising allocates.
func newReplacer(f *Func) *Replacer {
	r := f.spareReplacer
	if r == nil {
		r = &Replacer{}
	}
	f.spareReplacer = nil
	if n := f.NumValues(); len(r.to) < n {
		r.to = make([]*Value, n+n/4)
	}
	return r
}

// release empties r and keeps it for f's next pass. r must not be used
// afterwards.
func (r *Replacer) release(f *Func) {
	for _, id := range r.touched {
		r.to[id] = nil
	}
	r.touched, r.n = r.touched[:0], 0
	f.spareReplacer = r
}

// Set records that v is to be replaced by w.
func (r *Replacer) Set(v, w *Value) {
	for v.ID >= len(r.to) {
		r.to = append(r.to, make([]*Value, len(r.to)+1)...)
	}
	if r.to[v.ID] == nil {
		r.n++
		r.touched = append(r.touched, v.ID)
	}
	r.to[v.ID] = w
}

// Has reports whether v is replaced.
func (r *Replacer) Has(v *Value) bool { return v.ID < len(r.to) && r.to[v.ID] != nil }

// Len returns how many values are replaced.
func (r *Replacer) Len() int { return r.n }

func (r *Replacer) resolve(v *Value) *Value {
	if r.n == 0 {
		return v // the common case; spares a load from a large table
	}
	for v.ID < len(r.to) {
		w := r.to[v.ID]
		if w == nil || w == v {
			return v
		}
		v = w
	}
	return v
}

// Apply rewrites every operand, control and edge argument of f.
func (r *Replacer) Apply(f *Func) {
	if r.n == 0 {
		return
	}
	for _, b := range f.Blocks {
		for _, v := range b.Values {
			for i, a := range v.Args {
				v.Args[i] = r.resolve(a)
			}
		}
		for i, c := range b.Controls {
			b.Controls[i] = r.resolve(c)
		}
		for _, e := range b.Succs {
			for i, a := range e.Args {
				e.Args[i] = r.resolve(a)
			}
		}
	}
}

// eliminateTrivialParams removes block parameters that do not join
// anything: every incoming edge passes the same value (or the parameter
// itself, around a loop). Repeats until no parameter is trivial, since
// removing one can make another trivial. This is part of SSA
// construction, not an optimisation: -O0 gets it too.
func eliminateTrivialParams(f *Func) {
	for {
		repl := newReplacer(f)
		for _, b := range f.Blocks {
			if len(b.Params) == 0 || len(b.Preds) == 0 {
				continue
			}
			for i, p := range b.Params {
				var same *Value
				trivial := true
				for _, pred := range uniquePreds(b) {
					for _, e := range pred.Succs {
						if e.To != b {
							continue
						}
						a := repl.resolve(e.Args[i])
						if a == p || a == same {
							continue
						}
						if same != nil && !sameConst(a, same) {
							trivial = false
						}
						if same == nil {
							same = a
						}
					}
				}
				if trivial && same != nil {
					repl.Set(p, same)
				}
			}
		}
		if repl.Len() == 0 {
			repl.release(f)
			return
		}
		repl.Apply(f)
		removeParams(f, repl)
		repl.release(f)
	}
}

// sameConst reports whether two values are equal constants.
func sameConst(a, b *Value) bool {
	return a.Op == OpConst && b.Op == OpConst && a.Aux == b.Aux
}

// uniquePreds returns b's predecessors without duplicates.
func uniquePreds(b *Block) []*Block {
	out := make([]*Block, 0, len(b.Preds))
	for _, p := range b.Preds {
		dup := false
		for _, q := range out {
			if q == p {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

// removeParams deletes the parameters in dead (and the matching edge
// arguments).
func removeParams(f *Func, dead *Replacer) {
	for _, b := range f.Blocks {
		keep := make([]bool, len(b.Params))
		any := false
		for i, p := range b.Params {
			gone := dead.Has(p)
			keep[i] = !gone
			any = any || gone
		}
		if !any {
			continue
		}
		b.Params = filter(b.Params, keep)
		for _, pred := range uniquePreds(b) {
			for j := range pred.Succs {
				if pred.Succs[j].To == b {
					pred.Succs[j].Args = filter(pred.Succs[j].Args, keep)
				}
			}
		}
	}
}

func filter(vs []*Value, keep []bool) []*Value {
	out := vs[:0]
	for i, v := range vs {
		if keep[i] {
			out = append(out, v)
		}
	}
	return out
}

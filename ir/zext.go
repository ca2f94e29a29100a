package ir

// RemoveZExt removes zero extensions that cannot change anything: those of
// values whose upper bits are already zero (results of 32-bit operations,
// narrow unsigned loads, small constants, and block parameters fed only
// by such values), and those whose every consumer reads only the low 32
// bits anyway. clang emits many "w1 = w1" moves that become such
// extensions.
func RemoveZExt(f *Func) bool {
	narrow := narrowValues(f)
	repl := newReplacer(f)
	changed := false
	for _, b := range f.Blocks {
		for _, v := range b.Values {
			for i, a := range v.Args {
				if r := repl.resolve(a); r != a {
					v.Args[i] = r
				}
			}
			switch v.Op {
			case OpZExt32:
				if narrow[v.Args[0].ID] <= 32 {
					repl.Set(v, v.Args[0])
					changed = true
				}
			case OpZExt16:
				if narrow[v.Args[0].ID] <= 16 {
					repl.Set(v, v.Args[0])
					changed = true
				}
			case OpZExt8:
				if narrow[v.Args[0].ID] <= 8 {
					repl.Set(v, v.Args[0])
					changed = true
				}
			}
		}
	}
	repl.Apply(f)
	repl.release(f)
	// Consumers that look only at the low 32 bits can skip a ZExt32.
	for _, b := range f.Blocks {
		for _, v := range b.Values {
			for i, a := range v.Args {
				if a.Op == OpZExt32 && readsLow32(v, i) {
					v.Args[i] = a.Args[0]
					changed = true
				}
			}
		}
		if b.Kind == BlockIf && b.Is32 {
			for i, c := range b.Controls {
				if c.Op == OpZExt32 {
					b.Controls[i] = c.Args[0]
					changed = true
				}
			}
		}
	}
	return changed
}

// readsLow32 reports whether v uses only the low 32 bits of argument i.
func readsLow32(v *Value, i int) bool {
	switch {
	case v.Op.IsBinary() && v.Op.Is32():
		return true
	case v.Op == OpNeg32, v.Op == OpSExt8To32, v.Op == OpSExt16To32, v.Op == OpSExt8, v.Op == OpSExt16,
		v.Op == OpSExt32, v.Op == OpZExt8, v.Op == OpZExt16, v.Op == OpZExt32, v.Op == OpBswap16, v.Op == OpBswap32:
		return true
	case v.Op == OpStore:
		return i == 1 && v.Size <= 4
	case v.Op == OpAtomic:
		return i == 1 && v.Size == 4
	}
	return false
}

// narrowValues returns, per value ID, the number of low bits that may be
// non-zero (64 when unknown). Block parameters start optimistic and are
// widened until a fixed point, so loop counters kept in 32 bits are found.
func narrowValues(f *Func) []uint8 {
	width := make([]uint8, f.NumValues())
	for _, b := range f.Blocks {
		for _, p := range b.Params {
			width[p.ID] = 0
		}
		for _, v := range b.Values {
			width[v.ID] = valueWidth(v)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, b := range f.Blocks {
			for i, p := range b.Params {
				w := uint8(0)
				for _, pred := range uniquePreds(b) {
					for _, e := range pred.Succs {
						if e.To == b {
							if aw := width[e.Args[i].ID]; aw > w {
								w = aw
							}
						}
					}
				}
				if len(b.Preds) == 0 {
					w = 64
				}
				if w > width[p.ID] {
					width[p.ID] = w
					changed = true
				}
			}
		}
	}
	return width
}

func valueWidth(v *Value) uint8 {
	switch {
	case v.Op == OpConst:
		c := v.Const()
		switch {
		case c < 1<<8:
			return 8
		case c < 1<<16:
			return 16
		case c < 1<<32:
			return 32
		}
		return 64
	case v.Op == OpLoad && !v.Signed:
		return 8 * v.Size
	case v.Op == OpZExt8:
		return 8
	case v.Op == OpZExt16, v.Op == OpBswap16:
		return 16
	case v.Op == OpAtomic && v.Size == 4:
		return 32
	case v.Op == OpLegacyLoad:
		return 8 * v.Size
	case v.Op.Is32():
		return 32
	}
	return 64
}

package ir

// MapInfo describes a map a program references, for transformations
// that depend on its type.
type MapInfo struct {
	// Array marks a plain array map, whose lookups are arithmetic.
	Array      bool
	MaxEntries uint32
	Stride     uint32 // bytes from one value to the next
}

// helperMapLookupElem is bpf_map_lookup_elem's id.
const helperMapLookupElem = 1

// InlineArrayLookups replaces bpf_map_lookup_elem on array maps by the
// arithmetic the helper would do, so the lookup costs a few instructions
// instead of an exit to Go:
//
//	key  = *(u32 *)keyptr            (checked like any load)
//	ptr  = values + key * stride
//	r0   = key < max_entries ? ptr : 0
//
// where the comparison is a sign mask of key - max_entries (both below
// 2^32, so the difference is negative exactly when key is in range). The
// map's value address comes from the run's map table like any map
// reference.
func InlineArrayLookups(f *Func, maps []MapInfo) bool {
	changed := false
	repl := newReplacer(f)
	for _, b := range f.Blocks {
		var out []*Value
		for _, v := range b.Values {
			m, ok := arrayLookup(v, maps)
			if !ok {
				out = append(out, v)
				continue
			}
			pc := v.PC
			key := f.newValue(b, OpLoad, pc, v.Args[1])
			key.Size, key.Checked = 4, true
			base := f.newValue(b, OpMapAddr, pc)
			base.Aux, base.Aux2 = v.Args[0].Aux, 0
			diff := f.newValue(b, OpSub, pc, key, f.Const(uint64(m.MaxEntries)))
			mask := f.newValue(b, OpShrS, pc, diff, f.Const(63))
			off := f.newValue(b, OpMul, pc, key, f.Const(uint64(m.Stride)))
			ptr := f.newValue(b, OpAdd, pc, base, off)
			res := f.newValue(b, OpAnd, pc, ptr, mask)
			res.Var = v.Var
			out = append(out, key, base, diff, mask, off, ptr, res)
			repl.Set(v, res)
			changed = true
		}
		b.Values = out
	}
	repl.Apply(f)
	repl.release(f)
	return changed
}

func arrayLookup(v *Value, maps []MapInfo) (MapInfo, bool) {
	if v.Op != OpCall || v.Aux != helperMapLookupElem {
		return MapInfo{}, false
	}
	m := v.Args[0]
	if m.Op != OpMapAddr || m.Aux2 != -1 || m.Aux < 0 || int(m.Aux) >= len(maps) || !maps[m.Aux].Array {
		return MapInfo{}, false
	}
	return maps[m.Aux], true
}

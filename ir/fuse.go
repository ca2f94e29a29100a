package ir

// FuseBranches shapes conditional branches so that each becomes one
// compare-and-branch (or test-and-branch) in native code: constants move
// to the right operand, "(x & y) != 0" becomes a jset-style test of x and
// y, and a comparison of a zero-extended value with a small constant
// becomes a 32-bit comparison of the value itself.
func FuseBranches(f *Func) bool {
	changed := false
	for _, b := range f.Blocks {
		if b.Kind != BlockIf {
			continue
		}
		x, y := b.Controls[0], b.Controls[1]
		if x.IsConst() && !y.IsConst() {
			b.Controls[0], b.Controls[1] = y, x
			b.Cond = b.Cond.Swap()
			x, y = y, x
			changed = true
		}
		if y.IsConst() && y.Const() == 0 && (b.Cond == CondNe || b.Cond == CondEq) {
			if x.Op == OpAnd || x.Op == OpAnd32 {
				// And32's result is zero-extended, so testing it in 64
				// bits is a test of the low halves.
				b.Is32 = b.Is32 || x.Op == OpAnd32
				b.Controls[0], b.Controls[1] = x.Args[0], x.Args[1]
				if b.Cond == CondNe {
					b.Cond = CondSet
				} else {
					b.Cond = CondClear
				}
				changed = true
				continue
			}
		}
		if y.IsConst() && y.Const() <= 0xffffffff && x.Op == OpZExt32 && !b.Is32 {
			switch b.Cond {
			case CondEq, CondNe, CondGt, CondGe, CondLt, CondLe:
				// Unsigned comparisons of a zero-extended value with a
				// constant below 2^32 read the same in 32 bits.
				b.Is32 = true
				b.Controls[0] = x.Args[0]
				changed = true
			}
		}
	}
	return changed
}

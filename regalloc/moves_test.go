package regalloc

import (
	"math/rand"
	"testing"
)

// TestSequentialize checks parallel-move semantics on random move sets:
// permutations, cycles, fan-out from one source, slots and constants.
// Performing the returned moves one after another must leave every
// destination holding what its source held before any move, and touch
// nothing else but the scratch location.
func TestSequentialize(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	tmp := RegOperand(99)
	locations := func() []Operand {
		var ls []Operand
		for r := 0; r < 6; r++ {
			ls = append(ls, RegOperand(Reg(r)))
		}
		for s := 0; s < 3; s++ {
			ls = append(ls, SlotOperand(s))
		}
		return ls
	}()
	for iter := 0; iter < 20000; iter++ {
		// Distinct destinations; sources anywhere (or constants).
		perm := rng.Perm(len(locations))
		n := rng.Intn(len(locations) + 1)
		var moves []Move
		for i := 0; i < n; i++ {
			dst := locations[perm[i]]
			var src Operand
			if rng.Intn(5) == 0 {
				src = ConstOperand(uint64(rng.Intn(1000)))
			} else {
				src = locations[rng.Intn(len(locations))]
			}
			moves = append(moves, Move{Dst: dst, Src: src})
		}
		before := map[Operand]uint64{}
		for i, l := range locations {
			before[l] = uint64(1000 + i)
		}
		state := map[Operand]uint64{}
		for k, v := range before {
			state[k] = v
		}
		read := func(o Operand) uint64 {
			if o.Kind == IsConst {
				return o.Const
			}
			return state[o]
		}
		seq := Sequentialize(moves, tmp)
		for _, m := range seq {
			if m.Dst.Kind == IsConst {
				t.Fatalf("move into a constant: %v", m)
			}
			state[m.Dst] = read(m.Src)
		}
		want := map[Operand]uint64{}
		for k, v := range before {
			want[k] = v
		}
		for _, m := range moves {
			if m.Src.Kind == IsConst {
				want[m.Dst] = m.Src.Const
			} else {
				want[m.Dst] = before[m.Src]
			}
		}
		for _, l := range locations {
			if state[l] != want[l] {
				t.Fatalf("moves %v sequentialised as %v: %v holds %d, want %d", moves, seq, l, state[l], want[l])
			}
		}
		for _, m := range seq {
			if m.Dst == m.Src {
				t.Fatalf("moves %v: sequence %v keeps a no-op move", moves, seq)
			}
		}
	}
}

package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// Synthetic returns a program of about n instructions shaped like
// compiled C: runs of arithmetic on r0-r9, loads from the input and
// spills to the stack, forward branches every few instructions, a short
// loop now and then, and helper calls. It measures how compile time grows
// with program size; the program computes nothing meaningful but is
// valid and terminates.
func Synthetic(n int, seed uint64) []isa.Instruction {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var sb strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&sb, format+"\n", args...) }
	w("mov %%r9, %%r1")
	for i := 0; i <= 8; i++ {
		if i != 1 {
			w("mov %%r%d, %d", i, i*7)
		}
	}
	ops := []string{"add", "sub", "xor", "or", "and", "mul", "lsh", "rsh", "add32", "xor32", "mov"}
	count, label := 9, 0
	reg := func() int { return r.IntN(9) } // r0-r8; r9 keeps the input pointer
	for count < n {
		switch k := r.IntN(20); {
		case k < 12:
			op := ops[r.IntN(len(ops))]
			if r.IntN(2) == 0 {
				w("%s %%r%d, %%r%d", op, reg(), reg())
			} else {
				w("%s %%r%d, %d", op, reg(), r.IntN(64))
			}
			count++
		case k < 14:
			w("ldxw %%r%d, [%%r9+%d]", reg(), 4*r.IntN(8))
			count++
		case k < 16:
			off := 8 * (1 + r.IntN(32))
			w("stxdw [%%r10-%d], %%r%d", off, reg())
			w("ldxdw %%r%d, [%%r10-%d]", reg(), off)
			count += 2
		case k < 18:
			label++
			w("jgt %%r%d, %%r%d, L%d", reg(), reg(), label)
			for j := 0; j < 1+r.IntN(4); j++ {
				w("add %%r%d, %d", reg(), r.IntN(100))
				count++
			}
			w("L%d:", label)
			count++
		case k < 19:
			label++
			c := reg()
			for c == 0 {
				c = reg()
			}
			w("mov %%r%d, 0", c)
			w("L%d:", label)
			w("add %%r0, %%r%d", c)
			w("add %%r%d, 1", c)
			w("jlt %%r%d, 4, L%d", c, label)
			count += 4
		default:
			w("call 8")
			count++
		}
	}
	w("exit")
	prog, err := asm.Assemble(sb.String())
	if err != nil {
		panic("bench: synthetic program does not assemble: " + err.Error())
	}
	return prog
}

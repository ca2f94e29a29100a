package loader

import (
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
)

// TestReachable checks the analysis that decides which CO-RE-poisoned
// instructions are dead: constant branches go one way, anything unknown
// goes both, and calls forget what they clobber.
func TestReachable(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		dead []int // instructions no run reaches
	}{
		{"constant guard", `
			mov %r1, 0
			jeq %r1, 0, skip
			mov %r0, 1
		skip:
			exit`, []int{2}},
		{"unknown register", `
			ldxw %r1, [%r1+0]
			jeq %r1, 0, skip
			mov %r0, 1
		skip:
			exit`, nil},
		{"lddw constant and jne", `
			lddw %r2, 0x100000000
			jne %r2, 0, out
			mov %r0, 2
		out:
			exit`, []int{3}},
		{"32-bit compare sees the low half", `
			lddw %r2, 0x100000000
			jeq32 %r2, 0, out
			mov %r0, 2
		out:
			exit`, []int{3}},
		{"arithmetic on constants", `
			mov %r3, 6
			and %r3, 4
			rsh %r3, 2
			jne %r3, 1, out
			mov %r0, 2
			exit
		out:
			mov %r0, 3
			exit`, []int{6, 7}},
		{"helper call clobbers r1-r5, not r6", `
			mov %r1, 0
			mov %r6, 0
			call 1
			jeq %r6, 0, a
			mov %r0, 1
		a:
			jeq %r1, 0, b
			mov %r0, 2
		b:
			exit`, []int{4}},
		{"both ways merge to unknown", `
			ldxw %r2, [%r1+0]
			mov %r3, 1
			jeq %r2, 0, join
			mov %r3, 2
		join:
			jeq %r3, 1, out
			mov %r0, 7
		out:
			exit`, nil},
		{"local call: callee reached, r6 kept", `
			mov %r6, 5
			call local sub
			jeq %r6, 5, out
			mov %r0, 1
		out:
			exit
		sub:
			mov %r0, 0
			exit`, []int{3}},
	} {
		prog, err := asm.Assemble(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		live := reachable(prog)
		dead := map[int]bool{}
		for _, pc := range tc.dead {
			dead[pc] = true
		}
		for pc := range prog {
			if prog[pc].Opcode == 0 {
				continue // second slot of lddw
			}
			if live[pc] == dead[pc] {
				t.Errorf("%s: instruction %d (%v): live %v, want %v", tc.name, pc, prog[pc], live[pc], !dead[pc])
			}
		}
	}
}

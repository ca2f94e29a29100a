package jit_test

import (
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
	"golang.org/x/arch/x86/x86asm"

	"github.com/ebpfjit/ebpfjit/internal/progen"
	"github.com/ebpfjit/ebpfjit/jit"
)

// branchTargets decodes code and returns, by offset, whether the
// instruction there is an unconditional direct jump, and the targets of
// every direct branch.
func branchTargets(t *testing.T, arch string, code []byte) (isJump map[int]bool, targets map[int]int) {
	isJump, targets = map[int]bool{}, map[int]int{}
	for off := 0; off < len(code); {
		switch arch {
		case "amd64":
			in, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				t.Fatalf("offset %#x: %v", off, err)
			}
			if rel, ok := in.Args[0].(x86asm.Rel); ok && in.Op != x86asm.CALL {
				targets[off] = off + in.Len + int(rel)
				isJump[off] = in.Op == x86asm.JMP
			}
			off += in.Len
		case "arm64":
			in, err := arm64asm.Decode(code[off:])
			if err == nil {
				for _, a := range in.Args {
					if rel, ok := a.(arm64asm.PCRel); ok && in.Op != arm64asm.BL && in.Op != arm64asm.ADR {
						targets[off] = off + int(rel)
						isJump[off] = in.Op == arm64asm.B && in.Args[1] == nil
					}
				}
			}
			off += 4
		}
	}
	return isJump, targets
}

// TestNoJumpToJump checks that no branch lands on an unconditional jump:
// blocks that need no code (empty edges, jumps whose moves vanish) are
// skipped by the branches that reach them.
func TestNoJumpToJump(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	for _, arch := range jit.Arches() {
		for seed := uint64(0); seed < uint64(n); seed++ {
			p := progen.Generate(progen.NewRandSource(seed), progen.Config{})
			res, err := jit.Compile(p.Insns, jit.Options{Arch: arch, OptLevel: 2, Helpers: progen.DeterministicHelpers()})
			if err != nil {
				t.Fatalf("%s seed %d: %v", arch, seed, err)
			}
			isJump, targets := branchTargets(t, arch, res.Code.Text)
			for from, to := range targets {
				if isJump[to] && targets[to] != to {
					t.Errorf("%s seed %d: branch at %#x lands on the jump at %#x (to %#x)", arch, seed, from, to, targets[to])
				}
			}
		}
	}
}

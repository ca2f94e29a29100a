package ir

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ebpfjit/ebpfjit/internal/progen"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/vm"
)

// compareWithInterpreter builds prog at -O0 and -O2 and checks that the
// IR evaluator computes what the interpreter computes: r0, the fault and
// its pc, and the input memory. On a mismatch it reports the program and
// the IR and returns false.
func compareWithInterpreter(t *testing.T, name string, prog []isa.Instruction, mem []byte) bool {
	t.Helper()
	// runInterp has no step limit: make sure first that the program
	// ends, so that a generator bug cannot hang the test.
	ip, err := interp.New(prog, interp.Options{Helpers: progen.DeterministicHelpers(), Budget: 1_000_000})
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, isa.Disassemble(prog))
	}
	var re *vm.RunError
	if _, err := ip.Run(append([]byte(nil), mem...)); errors.As(err, &re) && re.Fault == vm.FaultBudget {
		t.Fatalf("%s: the program does not terminate\n%s", name, isa.Disassemble(prog))
	}
	want := runInterp(t, prog, mem)
	for _, level := range []Level{O0, O2} {
		p := buildLevel(t, prog, level)
		got := runIR(t, p, mem)
		if !got.Equal(want) {
			t.Errorf("%s at O%d: IR gives %s, interpreter %s\nprogram:\n%s\nIR:\n%s",
				name, level, got.Diff(want.Mem), want, isa.Disassemble(prog), p)
			return false
		}
	}
	return true
}

// TestGeneratedPrograms compares the IR with the interpreter on random
// programs from package progen.
func TestGeneratedPrograms(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	failed := 0
	for seed := range uint64(n) {
		p := progen.Generate(progen.NewRandSource(seed), progen.Config{})
		if !compareWithInterpreter(t, fmt.Sprintf("seed %d", seed), p.Insns, p.Mem) {
			if failed++; failed == 3 {
				t.Fatal("giving up after 3 mismatches")
			}
		}
	}
}

// TestRegression_HelperCallArgsAlias: Build gave a helper call the slice
// cur[1:6] of the builder's register state as its Args, so every later
// assignment to r1-r5 rewrote the call's operands, finally to whatever
// r1-r5 held at the end of the last block translated. Here the call's
// first operand became the load in the following block, which does not
// dominate it. The generator found it with seed 0 (fixed in 716a874).
func TestRegression_HelperCallArgsAlias(t *testing.T) {
	prog := assemble(t, `
		mov %r1, 7
		call 8
		ja +0
		ldxdw %r1, [%r10-8]
		exit`)
	p := buildLevel(t, prog, O0)
	calls := 0
	for _, b := range p.Funcs[0].Blocks {
		for _, v := range b.Values {
			if v.Op != OpCall {
				continue
			}
			calls++
			if v.Args[0].Op != OpConst || v.Args[0].Const() != 7 {
				t.Fatalf("helper call's r1 is %s, want the constant 7:\n%s", v.Args[0].LongString(), p)
			}
		}
	}
	if calls != 1 {
		t.Fatalf("%d helper calls, want 1:\n%s", calls, p)
	}
	compareWithInterpreter(t, "program", prog, nil)
}

// TestRegression_TrivialParamConstFromDeadBlock: when every edge into a
// block passed an equal constant, eliminateTrivialParams replaced the
// parameter with the constant Value of one predecessor (sameConst accepts
// distinct Values). Here that predecessor is the fall-through of a branch
// on constants, which SimplifyCFG deletes at -O2, and Verify then found
// the return using a constant no longer defined in the function. The
// generator found it with seed 0 (fixed in 68203d3, which keeps constants
// in the entry block).
func TestRegression_TrivialParamConstFromDeadBlock(t *testing.T) {
	prog := assemble(t, `
		jeq %r0, 0, +2
		mov %r1, 5
		ja +1
		mov %r1, 5
		mov %r0, %r1
		exit`)
	compareWithInterpreter(t, "program", prog, nil)
}

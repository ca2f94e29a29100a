package jit_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ebpfjit/ebpfjit/internal/progen"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// differential runs one generated program on the interpreter and on the
// native code at -O0 and -O2, and reports any disagreement.
func differential(t *testing.T, name string, p *progen.Program) {
	t.Helper()
	helpers := progen.DeterministicHelpers()
	ip, err := interp.New(p.Insns, interp.Options{Helpers: helpers, Budget: 2_000_000})
	if err != nil {
		t.Fatalf("%s: generated program rejected: %v\n%s", name, err, p.Text)
	}
	mem := append([]byte(nil), p.Mem...)
	lim := vm.Limits{Budget: 2_000_000}
	r0, err := ip.RunWith(mem, &vm.Binding{Limits: &lim})
	want := progen.OutcomeOf(r0, err, mem)
	if want.Fault == vm.FaultBudget {
		t.Fatalf("%s: generated program does not terminate\n%s", name, p.Text)
	}
	// The same program stopped halfway through its polls: every engine
	// stops at the same poll, with the same memory.
	half := lim.Used / 2
	mem = append([]byte(nil), p.Mem...)
	r0, err = ip.RunWith(mem, &vm.Binding{Limits: &vm.Limits{Budget: half}})
	wantHalf := progen.OutcomeOf(r0, err, mem)
	if half > 0 && wantHalf.Fault != vm.FaultBudget && want.Fault == vm.FaultNone {
		t.Fatalf("%s: a run with half of its %d polls did not stop: %v", name, lim.Used, wantHalf)
	}
	for _, level := range []int{0, 2} {
		res, err := jit.Compile(p.Insns, jit.Options{OptLevel: level, Helpers: helpers})
		if err != nil {
			t.Fatalf("%s -O%d: compile: %v\n%s", name, level, err, p.Text)
		}
		np, err := native.Load(res.Code, helpers)
		if err != nil {
			t.Fatal(err)
		}
		mem := append([]byte(nil), p.Mem...)
		jlim := vm.Limits{Budget: 2_000_000}
		r0, err := np.RunWith(mem, &vm.Binding{Limits: &jlim})
		got := progen.OutcomeOf(r0, err, mem)
		if !got.Equal(want) {
			t.Fatalf("%s -O%d: jit %v, interpreter %v\nmemory differs: %v\nprogram:\n%s\nIR:\n%s",
				name, level, got, want, !bytes.Equal(got.Mem, want.Mem), isa.Disassemble(p.Insns), res.IR)
		}
		if jlim.Used != lim.Used {
			t.Fatalf("%s -O%d: jit passed %d polls, interpreter %d\nprogram:\n%s", name, level, jlim.Used, lim.Used, isa.Disassemble(p.Insns))
		}
		mem = append([]byte(nil), p.Mem...)
		r0, err = np.RunWith(mem, &vm.Binding{Limits: &vm.Limits{Budget: half}})
		got = progen.OutcomeOf(r0, err, mem)
		np.Close()
		if !got.Equal(wantHalf) {
			t.Fatalf("%s -O%d with budget %d: jit %v, interpreter %v\nprogram:\n%s\nIR:\n%s",
				name, level, half, got, wantHalf, isa.Disassemble(p.Insns), res.IR)
		}
	}
}

// TestDifferential compares the native code with the interpreter on
// generated programs: loops, local calls, atomics, division edge cases,
// every width, jmp32, helper calls and deliberate faults.
func TestDifferential(t *testing.T) {
	hostSupported(t)
	n := 1500
	if testing.Short() {
		n = 200
	}
	for seed := uint64(0); seed < uint64(n); seed++ {
		p := progen.Generate(progen.NewRandSource(seed), progen.Config{})
		differential(t, fmt.Sprintf("seed %d", seed), p)
	}
}

// FuzzJIT drives the program generator with the fuzzer's bytes.
func FuzzJIT(f *testing.F) {
	hostSupported(f)
	for _, seed := range []string{"", "\x01\x02\x03", "jit differential fuzzing seed corpus", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := progen.Generate(&progen.ByteSource{Data: data}, progen.Config{})
		differential(t, "fuzz", p)
	})
}

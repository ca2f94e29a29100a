package bench

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

func jitSupported(b testing.TB) {
	if !slices.Contains(jit.Arches(), runtime.GOARCH) {
		b.Skipf("no jit backend for %s", runtime.GOARCH)
	}
}

// BenchmarkSuite runs every program of the suite on every engine:
// BenchmarkSuite/<program>/<engine>. Compare ratios within one run
// (benchstat); the report (go run ./bench/report) gives the same numbers
// as a table.
func BenchmarkSuite(b *testing.B) {
	for _, s := range Suite {
		for _, eng := range append(Engines[:len(Engines):len(Engines)], Variants...) {
			b.Run(s.Name+"/"+eng, func(b *testing.B) {
				r, err := NewRunner(s, eng)
				if errors.Is(err, ErrSkip) {
					b.Skip(err)
				}
				if err != nil {
					b.Fatal(err)
				}
				defer r.Close()
				if res, _, err := r.Batch(1); err != nil || res != s.Want && !(eng == "kernel" && res == uint64(uint32(s.Want))) {
					b.Fatalf("result %d, %v; want %d", res, err, s.Want)
				}
				b.ResetTimer()
				if _, _, err := r.Batch(b.N); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// TestEveryEngine checks every program on every engine once (the short
// mode of the suite: it must never rot).
func TestEveryEngine(t *testing.T) {
	for _, s := range Suite {
		for _, eng := range Engines {
			t.Run(s.Name+"/"+eng, func(t *testing.T) {
				if (eng != "interp" && eng != "go" && eng != "kernel") && !slices.Contains(jit.Arches(), runtime.GOARCH) {
					t.Skip("no jit for this machine")
				}
				r, err := NewRunner(s, eng)
				if errors.Is(err, ErrSkip) {
					t.Skip(err)
				}
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				m, err := Measure(r, 1, 0)
				if err != nil {
					t.Fatal(err)
				}
				want := s.Want
				if eng == "kernel" {
					want = uint64(uint32(want))
				}
				if m.Result != want {
					t.Fatalf("result %d, want %d", m.Result, want)
				}
			})
		}
	}
}

func load(b testing.TB, prog []isa.Instruction, level int) *native.Program {
	b.Helper()
	jitSupported(b)
	res, err := jit.Compile(prog, jit.Options{OptLevel: level})
	if err != nil {
		b.Fatal(err)
	}
	p, err := native.Load(res.Code, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}

func mustAssemble(b testing.TB, src string) []isa.Instruction {
	prog, err := asm.Assemble(src)
	if err != nil {
		b.Fatal(err)
	}
	return prog
}

// BenchmarkEmptyCall measures the cost of running a program that does
// nothing: entering native code from Go and coming back.
func BenchmarkEmptyCall(b *testing.B) {
	prog := mustAssemble(b, "mov %r0, 0\nexit")
	p := load(b, prog, 2)
	b.Run("instance", func(b *testing.B) {
		inst := p.NewInstance()
		for b.Loop() {
			inst.Run(nil)
		}
	})
	b.Run("pooled", func(b *testing.B) {
		for b.Loop() {
			p.Run(nil)
		}
	})
	ip, _ := interp.New(prog, interp.Options{})
	b.Run("interp", func(b *testing.B) {
		for b.Loop() {
			ip.Run(nil)
		}
	})
}

// BenchmarkHelperExit measures one exit to a Go helper and the re-entry:
// the same loop of 1000 iterations with and without a call to helper 8,
// measured in one benchmark; the difference per call is ns/exit.
func BenchmarkHelperExit(b *testing.B) {
	const n = 1000
	loop := func(body string) string {
		return fmt.Sprintf("mov %%r6, 0\nloop:\n%s\nadd %%r6, 1\njlt %%r6, %d, loop\nmov %%r0, %%r6\nexit", body, n)
	}
	with := load(b, mustAssemble(b, loop("call 8")), 2).NewInstance()
	without := load(b, mustAssemble(b, loop("mov %r0, 0")), 2).NewInstance()
	w, wo := FuncRunner(func() (uint64, error) { return with.Run(nil) }), FuncRunner(func() (uint64, error) { return without.Run(nil) })
	var withNS, withoutNS int64
	for b.Loop() {
		_, d1, _ := w.Batch(1)
		_, d2, _ := wo.Batch(1)
		withNS += d1.Nanoseconds()
		withoutNS += d2.Nanoseconds()
	}
	b.ReportMetric(float64(withNS-withoutNS)/float64(b.N)/n, "ns/exit")
}

package bench

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

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

type runner func(mem []byte) (uint64, error)

// engines builds the engines compared on every program.
func engines(b testing.TB, prog []isa.Instruction) map[string]runner {
	ip, err := interp.New(prog, interp.Options{})
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]runner{"interp": ip.Run}
	if slices.Contains(jit.Arches(), runtime.GOARCH) {
		out["jit-O0"] = load(b, prog, 0).NewInstance().Run
		out["jit-O2"] = load(b, prog, 2).NewInstance().Run
	}
	return out
}

// TestResults checks every engine and the Go baseline compute the
// expected result of every program.
func TestResults(t *testing.T) {
	for _, p := range LoopPrograms {
		prog, err := p.Instructions()
		if err != nil {
			t.Fatal(err)
		}
		mem := p.Input()
		if got := p.Go(mem); got != p.Want {
			t.Errorf("%s: Go baseline gives %d, want %d", p.Name, got, p.Want)
		}
		for name, run := range engines(t, prog) {
			got, err := run(mem)
			if err != nil || got != p.Want {
				t.Errorf("%s on %s: %d, %v; want %d", p.Name, name, got, err, p.Want)
			}
		}
	}
}

// BenchmarkLoops compares the engines with plain Go on the loop-heavy
// programs. Compare ratios within one run (benchstat).
func BenchmarkLoops(b *testing.B) {
	for _, p := range LoopPrograms {
		prog, err := p.Instructions()
		if err != nil {
			b.Fatal(err)
		}
		mem := p.Input()
		b.Run(p.Name+"/go", func(b *testing.B) {
			for b.Loop() {
				if p.Go(mem) != p.Want {
					b.Fatal("wrong result")
				}
			}
		})
		runs := engines(b, prog)
		for _, name := range []string{"interp", "jit-O0", "jit-O2"} {
			run, ok := runs[name]
			if !ok {
				continue
			}
			b.Run(p.Name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if r, err := run(mem); err != nil || r != p.Want {
						b.Fatal("wrong result", r, err)
					}
				}
			})
		}
	}
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
// each iteration runs a loop of 1000 calls to helper 8 and the same loop
// without the call; the difference per call is reported as ns/exit.
func BenchmarkHelperExit(b *testing.B) {
	const n = 1000
	loop := func(body string) string {
		return fmt.Sprintf("mov %%r6, 0\nloop:\n%s\nadd %%r6, 1\njlt %%r6, %d, loop\nmov %%r0, %%r6\nexit", body, n)
	}
	with := load(b, mustAssemble(b, loop("call 8")), 2).NewInstance()
	without := load(b, mustAssemble(b, loop("mov %r0, 0")), 2).NewInstance()
	var withNS, withoutNS time.Duration
	for b.Loop() {
		t0 := time.Now()
		with.Run(nil)
		t1 := time.Now()
		without.Run(nil)
		withoutNS += time.Since(t1)
		withNS += t1.Sub(t0)
	}
	b.ReportMetric(float64(withNS-withoutNS)/float64(b.N)/n, "ns/exit")
}

// BenchmarkCompile measures compile time per eBPF instruction at -O0 and
// -O2 for synthetic programs of growing size; linear growth shows as a
// flat ns/insn.
func BenchmarkCompile(b *testing.B) {
	jitSupported(b)
	for _, n := range []int{1000, 10000, 100000} {
		prog := Synthetic(n, uint64(n))
		for _, level := range []int{0, 2} {
			b.Run(fmt.Sprintf("n=%d/O%d", n, level), func(b *testing.B) {
				for b.Loop() {
					if _, err := jit.Compile(prog, jit.Options{OptLevel: level}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(prog)), "ns/insn")
			})
		}
	}
}

func TestSyntheticRuns(t *testing.T) {
	prog := Synthetic(2000, 1)
	ip, err := interp.New(prog, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mem := make([]byte, 64)
	want, err := ip.Run(mem)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(jit.Arches(), runtime.GOARCH) {
		for _, level := range []int{0, 2} {
			got, err := load(t, prog, level).Run(mem)
			if err != nil || got != want {
				t.Fatalf("-O%d: %#x, %v; interpreter %#x", level, got, err, want)
			}
		}
	}
}

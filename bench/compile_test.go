package bench

import (
	"fmt"
	"testing"

	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/jit"
)

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

// TestSyntheticRuns checks the synthetic programs are valid and give the
// same result on every engine.
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
	jitSupported(t)
	for _, level := range []int{0, 2} {
		got, err := load(t, prog, level).Run(mem)
		if err != nil || got != want {
			t.Fatalf("-O%d: %#x, %v; interpreter %#x", level, got, err, want)
		}
	}
}

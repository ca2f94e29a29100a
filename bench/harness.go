package bench

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

// Engines are the ways a program of the suite runs, side by side in one
// process: the reference interpreter, native code at -O0 and -O2, native
// code loaded from an artifact, the same algorithm in plain Go, and the
// kernel's JIT through BPF_PROG_TEST_RUN.
var Engines = []string{"interp", "jit-O0", "jit-O2", "aot", "go", "kernel"}

// Variants are compiler variants the report measures beside JIT -O2 to
// show what one feature costs or gains; they are not for users.
//   - jit-O2-nopoll: without the poll points that make runs stoppable.
var Variants = []string{"jit-O2-nopoll"}

// Runner runs a program of the suite on one engine.
type Runner struct {
	// Batch runs the program n times and returns its result and the time
	// the n runs took.
	Batch func(n int) (r0 uint64, elapsed time.Duration, err error)
	Close func()
}

// ErrSkip marks an engine that cannot run here (no kernel peer, no
// bpf()).
var ErrSkip = errors.New("skipped")

// NewRunner prepares spec on the named engine.
func NewRunner(s *Spec, eng string) (*Runner, error) {
	switch eng {
	case "go":
		mem := s.Input()
		return &Runner{Batch: func(n int) (uint64, time.Duration, error) {
			var r uint64
			start := time.Now()
			for i := 0; i < n; i++ {
				r = s.Go(mem)
			}
			return r, time.Since(start), nil
		}, Close: func() {}}, nil
	case "kernel":
		k, err := KernelPeer(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSkip, err)
		}
		return &Runner{Batch: func(n int) (uint64, time.Duration, error) {
			r, per, err := k.Run(n)
			return r, per * time.Duration(n), err
		}, Close: func() { k.Close() }}, nil
	}
	var coll *loader.Collection
	var err error
	switch eng {
	case "interp":
		coll, err = s.Load("interp", 0, loader.Options{})
	case "jit-O0":
		coll, err = s.Load("jit", 0, loader.Options{})
	case "jit-O2":
		coll, err = s.Load("jit", 2, loader.Options{})
	case "aot":
		coll, err = loadArtifact(s)
	case "jit-O2-nopoll":
		coll, err = s.LoadWith(engine.JITBuilder(jit.Options{OptLevel: 2, NoPolls: true}), loader.Options{})
	default:
		return nil, fmt.Errorf("unknown engine %q", eng)
	}
	if err != nil {
		return nil, err
	}
	inst := coll.Program(s.Program).NewInstance()
	mem := s.Input()
	runs := 0
	return &Runner{Batch: func(n int) (uint64, time.Duration, error) {
		var r uint64
		var elapsed time.Duration
		for n > 0 {
			// Programs with state to reset (a ring buffer to drain) run in
			// chunks, and the resets are not timed.
			chunk := n
			if s.Reset != nil {
				if runs >= s.ResetEvery {
					if err := s.Reset(coll); err != nil {
						return 0, 0, err
					}
					runs = 0
				}
				chunk = min(n, s.ResetEvery-runs)
			}
			start := time.Now()
			for i := 0; i < chunk; i++ {
				var err error
				if r, err = inst.RunOnCPU(0, mem); err != nil {
					return 0, 0, err
				}
			}
			elapsed += time.Since(start)
			runs += chunk
			n -= chunk
		}
		return r, elapsed, nil
	}, Close: func() { coll.Close() }}, nil
}

// loadArtifact compiles the program's object ahead of time, encodes and
// decodes the artifact, and loads it without the compiler.
func loadArtifact(s *Spec) (*loader.Collection, error) {
	data, err := s.ELF()
	if err != nil {
		return nil, err
	}
	a, err := engine.CompileArtifact(data, engine.CompileOptions{OptLevel: 2})
	if err != nil {
		return nil, err
	}
	b, err := artifact.Unmarshal(a.Marshal())
	if err != nil {
		return nil, err
	}
	return b.Load(native.HostFeatures(), loader.Options{})
}

// Measurement is the outcome of Measure.
type Measurement struct {
	Result   uint64
	NsPerRun float64 // the median round's time per run
	Runs     int     // runs per round
}

// Measure times a runner: one warm-up run (whose result is reported),
// then rounds of as many runs as take about target each; the result is
// the median round's time per run, which a noisy machine disturbs least.
func Measure(r *Runner, rounds int, target time.Duration) (Measurement, error) {
	result, _, err := r.Batch(1)
	if err != nil {
		return Measurement{}, err
	}
	n := 1
	for {
		_, d, err := r.Batch(n)
		if err != nil {
			return Measurement{}, err
		}
		if d >= target/4 || n >= 1<<30 {
			n = max(1, int(float64(n)*float64(target)/float64(max(d, time.Microsecond))))
			break
		}
		n *= 4
	}
	per := make([]float64, rounds)
	for i := range per {
		_, d, err := r.Batch(n)
		if err != nil {
			return Measurement{}, err
		}
		per[i] = float64(d.Nanoseconds()) / float64(n)
	}
	sort.Float64s(per)
	return Measurement{Result: result, NsPerRun: per[len(per)/2], Runs: n}, nil
}

// FuncRunner wraps a function running a program once.
func FuncRunner(run func() (uint64, error)) *Runner {
	return &Runner{Batch: func(n int) (uint64, time.Duration, error) {
		var r uint64
		start := time.Now()
		for i := 0; i < n; i++ {
			var err error
			if r, err = run(); err != nil {
				return 0, 0, err
			}
		}
		return r, time.Since(start), nil
	}, Close: func() {}}
}

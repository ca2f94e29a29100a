package loader_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/loader"
)

// fuzzTarget is the CO-RE target of the fuzzer: core_target_a.o's BTF, so
// that the CO-RE seeds get through relocation instead of failing early.
var fuzzTarget = sync.OnceValue(func() *btf.Spec {
	spec, err := btf.LoadSpec(filepath.Join(coreDir, "core_target_a.o"))
	if err != nil {
		return nil
	}
	return spec
})

// fuzzBudget bounds the polls of every run of a fuzzed program (a mutated jump
// easily makes an endless loop).
const fuzzBudget = 1 << 16

// parseAllocLimit bounds what Parse may allocate for one input (every
// testdata object needs a few MiB at most).
const parseAllocLimit = 256 << 20

// fuzzMaxJITInsns is the size up to which objects are compiled too.
const fuzzMaxJITInsns = 4096

// checkParse is the property the fuzzer checks, shared with
// TestFuzzCorpusFindings and the bit-flip tests: Parse does not panic,
// allocates at most parseAllocLimit, and fails with a non-empty message or
// returns a consistent object; building a collection of it with the
// interpreter does not panic; when that succeeds, the JIT builds it too
// (small objects), and every program runs once (step-limited) on a zeroed
// input without panicking.
//
// Environment knobs for fuzzing campaigns: EBPFJIT_FUZZ_STRICT also fails on panics of the ELF/BTF
// readers that Parse recovers, EBPFJIT_FUZZ_TRACE=dir writes each worker's
// current input to dir (Go's fuzzer kills a worker whose input runs over
// 10 s and says only "exit status 2").
func checkParse(t *testing.T, data []byte) {
	t.Helper()
	if dir := os.Getenv("EBPFJIT_FUZZ_TRACE"); dir != "" {
		// Hunting a hang: the input each worker is on.
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("current-%d", os.Getpid())), data, 0o644)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	obj, err := loader.Parse(data, loader.ParseOptions{CORETarget: fuzzTarget()})
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > parseAllocLimit {
		// The map memory limit comes later (maps.NewSet); a small
		// object must not make Parse itself allocate gigabytes: a few
		// such sections exhaust memory, a fatal error no recover stops.
		t.Fatalf("Parse of %d bytes allocated %d MiB (%v)", len(data), alloc>>20, err)
	}
	if err != nil {
		if strings.TrimSpace(err.Error()) == "" {
			t.Fatal("Parse failed with an empty message")
		}
		if os.Getenv("EBPFJIT_FUZZ_STRICT") != "" && strings.HasPrefix(err.Error(), "malformed ELF object") {
			// A panic of the ELF or BTF reader, recovered by Parse.
			t.Fatal(err)
		}
		return
	}
	if len(obj.Programs) == 0 {
		t.Fatal("Parse succeeded with no programs")
	}
	for _, p := range obj.Programs {
		if p == nil || len(p.Insns) == 0 {
			t.Fatalf("Parse returned an empty program %+v", p)
		}
	}
	for _, v := range obj.Variables {
		if v.Map < 0 || v.Map >= len(obj.Maps) {
			t.Fatalf("variable %q refers to map %d of %d", v.Name, v.Map, len(obj.Maps))
		}
	}
	for _, sl := range obj.ProgramSlots {
		if sl.Map < 0 || sl.Map >= len(obj.Maps) {
			t.Fatalf("program slot %+v refers to map %d of %d", sl, sl.Map, len(obj.Maps))
		}
	}
	opts := loader.Options{MaxMapMemory: 64 << 20, TraceOutput: discard{}}
	c, err := engine.LoadObject(obj, "interp", 0, opts)
	if err != nil {
		if strings.TrimSpace(err.Error()) == "" {
			t.Fatal("LoadObject failed with an empty message")
		}
		return
	}
	c.Close()

	// The compiler sees the same programs when they are small enough to
	// keep the fuzzer fast.
	total := 0
	for _, p := range obj.Programs {
		total += len(p.Insns)
	}
	if total <= fuzzMaxJITInsns {
		if engine.Check("jit") == nil {
			jc, err := engine.LoadObject(obj, "jit", 2, opts)
			if err != nil {
				t.Fatalf("the interpreter accepts the object but the JIT does not: %v", err)
			}
			jc.Close()
		}
	}

	// Run on a step-limited interpreter: the same collection, built by a
	// Builder of our own.
	limited := func(ps *loader.ProgramSpec, env loader.BuildEnv) (loader.Runner, error) {
		return interp.New(ps.Insns, interp.Options{Helpers: env.Helpers, MapValueSizes: env.MapValueSizes, Budget: fuzzBudget})
	}
	rc, err := loader.New(obj, opts, limited)
	if err != nil {
		t.Fatalf("engine.LoadObject succeeded but loader.New with a step limit failed: %v", err)
	}
	defer rc.Close()
	for _, name := range rc.Programs() {
		rc.Program(name).Run(make([]byte, 512)) // faults are fine
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// FuzzParse feeds the ELF path arbitrary bytes, seeded with every object
// of testdata/elf, testdata/core and testdata/isolation and a few mutants
// of them.
func FuzzParse(f *testing.F) {
	var seeds [][]byte
	for _, pattern := range []string{"../testdata/elf/*.o", "../testdata/core/*.o", "../testdata/isolation/*.o"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if len(data) > 64<<10 {
				continue // v4.o: 350 KB of unrolled code slows every exec
			}
			seeds = append(seeds, data)
		}
	}
	rng := rand.New(rand.NewSource(7))
	n := len(seeds)
	for i := 0; i < n; i++ {
		f.Add(seeds[i])
		if i%3 == 0 {
			f.Add(flipBits(rng, seeds[i], 1+rng.Intn(4)))
			f.Add(seeds[i][:len(seeds[i])*3/4])
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
	})
}

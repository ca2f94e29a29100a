package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/bench"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Benchmark rounds: after a warm-up, each round runs the program enough
// times to last about roundTarget, and the result is the median round's
// time per run.
const (
	benchRounds = 11
	roundTarget = 30 * time.Millisecond
)

func cmdBench(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "[--engine interp|jit] [-O0|-O2] [--program NAME] [--btf FILE] [--mem FILE | --mem-hex HEX] [--rounds N] [--timeout D] [--budget N] FILE")
	core := newBTFFlag(fs)
	eng := fs.String("engine", "jit", "engine: jit (native code, the default) or interp; artifacts run as compiled")
	program := fs.String("program", "", "program of an ELF object or artifact (needed when it has several)")
	rounds := fs.Int("rounds", benchRounds, "timed rounds (at least 11 for a stable median)")
	mem := memoryFlagSet(fs)
	opt := optFlags(fs)
	lim := addLimitFlags(fs)
	file, err := parseOneFile(fs, args, stderr, "program file")
	if err != nil {
		return err
	}
	if *rounds < 1 {
		return badInput("--rounds must be positive")
	}
	// --timeout bounds the whole measurement, --budget every run.
	ctx, cancel := lim.context()
	defer cancel()
	run, closeFn, defMem, err := benchTarget(file, *eng, opt.level(), *program, core, lim.options(ctx))
	if err != nil {
		return err
	}
	defer closeFn()
	memory, err := mem.load(defMem)
	if err != nil {
		return err
	}
	result, ns, err := measure(run, memory, *rounds)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "result=%d median_ns_per_run=%.2f\n", result, ns)
	return nil
}

// benchTarget builds the runner for a file: an artifact, an ELF object or
// a bytecode program.
func benchTarget(path, eng string, level int, program string, core *btfFlag, ro *loader.RunOptions) (func([]byte) (uint64, error), func(), []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, badInput("%v", err)
	}
	var coll *loader.Collection
	switch {
	case isArtifact(data):
		a, err := artifact.Unmarshal(data)
		if err != nil {
			return nil, nil, nil, badInput("%s: %v", path, err)
		}
		if coll, err = a.Load(native.HostFeatures(), loader.Options{}); err != nil {
			return nil, nil, nil, badInput("%s: %v", path, err)
		}
	case detectFormat(path, data) == formatELF:
		po, err := core.parseOptions()
		if err != nil {
			return nil, nil, nil, err
		}
		if coll, err = engine.LoadFile(path, eng, level, loader.Options{Parse: po}); err != nil {
			return nil, nil, nil, badInput("%v", err)
		}
	default:
		in, err := readProgram(path)
		if err != nil {
			return nil, nil, nil, err
		}
		p, err := buildProgram(eng, in, engine.Options{OptLevel: level})
		if err != nil {
			return nil, nil, nil, err
		}
		if ro.Budget == 0 && ro.Ctx.Done() == nil {
			return p.Run, func() { p.Close() }, in.mem, nil
		}
		lim := &vm.Limits{}
		b := &vm.Binding{Limits: lim}
		run := func(mem []byte) (uint64, error) {
			*lim = vm.Limits{Ctx: ro.Ctx, Budget: ro.Budget}
			return p.RunWith(mem, b)
		}
		return run, func() { p.Close() }, in.mem, nil
	}
	name, err := pickProgram(coll.Programs(), program)
	if err != nil {
		coll.Close()
		return nil, nil, nil, err
	}
	inst := coll.Program(name).NewInstance()
	run := func(mem []byte) (uint64, error) { return inst.RunWith(mem, ro) }
	return run, func() { coll.Close() }, nil, nil
}

// measure times run on mem with the suite's method (bench.Measure). Runs
// reuse mem in place: a program that changes its input sees its own
// changes on the next run.
func measure(run func([]byte) (uint64, error), mem []byte, rounds int) (uint64, float64, error) {
	m, err := bench.Measure(bench.FuncRunner(func() (uint64, error) { return run(mem) }), rounds, roundTarget)
	return m.Result, m.NsPerRun, err
}

// Command report runs the benchmark suite on every engine and writes
// docs/benchmarks.md (tables) and docs/benchmarks.svg (a chart): run time
// per program and engine with ratios to plain Go and to the interpreter,
// compile speed per eBPF instruction, and ahead-of-time load times.
//
//	go run ./bench/report              # the full run (a few minutes)
//	go run ./bench/report -short -o /tmp/benchmarks.md   # what CI runs
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/bench"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

func main() {
	short := flag.Bool("short", false, "a quick run that checks every result (CI): few short rounds, small compile sizes")
	out := flag.String("o", "docs/benchmarks.md", "where to write the report; the chart goes beside it as .svg")
	flag.Parse()
	if err := run(*short, *out); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

type row struct {
	name    string
	about   string
	ns      map[string]float64 // engine -> ns per run; missing when skipped
	skipped map[string]string
}

func run(short bool, out string) error {
	rounds, target := 11, 30*time.Millisecond
	sizes := []int{1000, 10000, 100000, 1000000}
	if short {
		rounds, target = 3, 2*time.Millisecond
		sizes = []int{1000, 10000}
	}
	var rows []row
	for _, s := range bench.Suite {
		r := row{name: s.Name, about: s.About, ns: map[string]float64{}, skipped: map[string]string{}}
		for _, eng := range append(bench.Engines[:len(bench.Engines):len(bench.Engines)], bench.Variants...) {
			runner, err := bench.NewRunner(s, eng)
			if errors.Is(err, bench.ErrSkip) {
				r.skipped[eng] = err.Error()
				continue
			}
			if err != nil {
				return fmt.Errorf("%s on %s: %w", s.Name, eng, err)
			}
			m, err := bench.Measure(runner, rounds, target)
			runner.Close()
			if err != nil {
				return fmt.Errorf("%s on %s: %w", s.Name, eng, err)
			}
			want := s.Want
			if eng == "kernel" {
				want = uint64(uint32(want))
			}
			if m.Result != want {
				return fmt.Errorf("%s on %s: result %d, want %d", s.Name, eng, m.Result, want)
			}
			r.ns[eng] = m.NsPerRun
			fmt.Fprintf(os.Stderr, "%-16s %-7s %12.1f ns/run\n", s.Name, eng, m.NsPerRun)
		}
		rows = append(rows, r)
	}
	compile, err := compileSpeed(sizes)
	if err != nil {
		return err
	}
	aot, err := aheadOfTime(short)
	if err != nil {
		return err
	}
	var md bytes.Buffer
	writeReport(&md, rows, compile, aot, short, rounds, target)
	if err := os.WriteFile(out, md.Bytes(), 0o644); err != nil {
		return err
	}
	svg := strings.TrimSuffix(out, filepath.Ext(out)) + ".svg"
	return os.WriteFile(svg, chart(rows), 0o644)
}

type compileRow struct {
	n           int
	o0, o2      float64 // ns per instruction
	codePerInsn float64 // native bytes per instruction at -O2
}

func compileSpeed(sizes []int) ([]compileRow, error) {
	var rows []compileRow
	for _, n := range sizes {
		prog := bench.Synthetic(n-64, uint64(n))
		r := compileRow{n: len(prog)}
		for _, level := range []int{0, 2} {
			best := math.Inf(1)
			var code int
			for i := 0; i < 3; i++ {
				start := time.Now()
				res, err := jit.Compile(prog, jit.Options{OptLevel: level})
				if err != nil {
					return nil, fmt.Errorf("compiling %d instructions: %w", n, err)
				}
				best = min(best, float64(time.Since(start).Nanoseconds())/float64(len(prog)))
				code = len(res.Code.Text)
			}
			if level == 0 {
				r.o0 = best
			} else {
				r.o2, r.codePerInsn = best, float64(code)/float64(len(prog))
			}
		}
		fmt.Fprintf(os.Stderr, "compile %8d insns: -O0 %7.0f ns/insn, -O2 %7.0f ns/insn\n", r.n, r.o0, r.o2)
		rows = append(rows, r)
	}
	return rows, nil
}

type aotRow struct {
	name          string
	insns         int
	compile, load time.Duration
	jitLoad       time.Duration // the object to a runnable collection through the JIT
	size          int
}

// aheadOfTime compares compiling each program's object with loading its
// artifact (decode and map; median of several).
func aheadOfTime(short bool) ([]aotRow, error) {
	reps := 9
	if short {
		reps = 3
	}
	var rows []aotRow
	for _, s := range bench.Suite {
		data, err := s.ELF()
		if err != nil {
			return nil, err
		}
		obj, err := loader.Parse(data, loader.ParseOptions{})
		if err != nil {
			return nil, err
		}
		r := aotRow{name: s.Name}
		for _, p := range obj.Programs {
			r.insns += len(p.Insns)
		}
		var compiles, loads, jitLoads []time.Duration
		var encoded []byte
		for i := 0; i < reps; i++ {
			start := time.Now()
			a, err := engine.CompileArtifact(data, engine.CompileOptions{OptLevel: 2})
			if err != nil {
				return nil, err
			}
			compiles = append(compiles, time.Since(start))
			encoded = a.Marshal()
			start = time.Now()
			b, err := artifact.Unmarshal(encoded)
			if err != nil {
				return nil, err
			}
			coll, err := b.Load(native.HostFeatures(), loader.Options{})
			if err != nil {
				return nil, err
			}
			loads = append(loads, time.Since(start))
			coll.Close()
			start = time.Now()
			obj, err := loader.Parse(data, loader.ParseOptions{})
			if err != nil {
				return nil, err
			}
			jc, err := engine.LoadObject(obj, "jit", 2, loader.Options{})
			if err != nil {
				return nil, err
			}
			jitLoads = append(jitLoads, time.Since(start))
			jc.Close()
		}
		r.compile, r.load, r.jitLoad, r.size = median(compiles), median(loads), median(jitLoads), len(encoded)
		rows = append(rows, r)
	}
	return rows, nil
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

var engineTitles = map[string]string{
	"interp": "interpreter", "jit-O0": "JIT -O0", "jit-O2": "JIT -O2", "aot": "artifact (-O2)",
	"go": "plain Go", "kernel": "kernel JIT",
}

func writeReport(w *bytes.Buffer, rows []row, compile []compileRow, aot []aotRow, short bool, rounds int, target time.Duration) {
	fmt.Fprintf(w, "# Benchmarks\n\n")
	if short {
		fmt.Fprintf(w, "**Short run** (CI mode: results checked, timings rough).\n\n")
	}
	fmt.Fprintf(w, "Generated by `go run ./bench/report` on %s at commit `%s`.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), commit())
	fmt.Fprintf(w, "Machine: %s, %d logical CPUs, %s, %s %s/%s.\n\n", cpuModel(), runtime.NumCPU(), kernelVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "Method: every program runs on every engine in the same process (the kernel through BPF_PROG_TEST_RUN with repeat); after a warm-up, %d rounds of about %v each; the figure is the median round's time per run. The machine is shared and noisy: compare ratios within this table rather than absolute times across runs. Every result is checked against the program's expected value. The switch row is bimodal on every engine, the kernel's included: the same 4096 values run every time, and whether the branch predictor has learned the sequence of that 64-way branch tree changes its time up to fourfold between runs. Programs and inputs: [bench/programs](../bench/programs/README.md).\n\n", rounds, target)
	fmt.Fprintf(w, "## Run time\n\nNanoseconds per run (lower is better).\n\n")
	fmt.Fprintf(w, "| program |")
	for _, e := range bench.Engines {
		fmt.Fprintf(w, " %s |", engineTitles[e])
	}
	fmt.Fprintf(w, " JIT -O2 ÷ Go | interpreter ÷ JIT -O2 | kernel ÷ JIT -O2 |\n|---|")
	for range bench.Engines {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintf(w, "---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |", r.name)
		for _, e := range bench.Engines {
			if v, ok := r.ns[e]; ok {
				fmt.Fprintf(w, " %s |", formatNs(v))
			} else {
				fmt.Fprintf(w, " — |")
			}
		}
		fmt.Fprintf(w, " %s | %s | %s |\n", ratio(r.ns["jit-O2"], r.ns["go"]), ratio(r.ns["interp"], r.ns["jit-O2"]), ratio(r.ns["kernel"], r.ns["jit-O2"]))
	}
	fmt.Fprintf(w, "\n![run time per program and engine, log scale](benchmarks.svg)\n\n")
	for _, r := range rows {
		for e, why := range r.skipped {
			fmt.Fprintf(w, "- %s on %s: %s\n", r.name, engineTitles[e], why)
		}
	}
	fmt.Fprintf(w, "\n## What safety costs\n\nJIT -O2 against the same compiler with one feature left out, in the same run (a benchmark-only switch; users never get such code). Poll points (a count-down at every loop back edge and function entry) are what make runs stoppable by a budget, a context or Close, and what keep a spinning program from stalling the Go runtime.\n\n")
	fmt.Fprintf(w, "| program | JIT -O2 | without polls | polls cost |\n|---|---:|---:|---:|\n")
	var logs float64
	var n int
	for _, r := range rows {
		with, without := r.ns["jit-O2"], r.ns["jit-O2-nopoll"]
		cost := "—"
		if with > 0 && without > 0 {
			cost = fmt.Sprintf("%+.1f%%", 100*(with/without-1))
			logs += math.Log(with / without)
			n++
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.name, formatNs(with), formatNs(without), cost)
	}
	if n > 0 {
		fmt.Fprintf(w, "| **geomean** | | | **%+.1f%%** |\n", 100*(math.Exp(logs/float64(n))-1))
	}
	fmt.Fprintf(w, "\n## Compile speed\n\nSynthetic programs shaped like compiled C (bench/synth.go), best of three compilations.\n\n")
	fmt.Fprintf(w, "| eBPF instructions | -O0 ns/instruction | -O2 ns/instruction | native bytes/instruction (-O2) |\n|---:|---:|---:|---:|\n")
	for _, c := range compile {
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.1f |\n", c.n, c.o0, c.o2, c.codePerInsn)
	}
	fmt.Fprintf(w, "\n## Ahead of time\n\nCompiling an object (parse, compile every program, -O2) and loading it through the JIT (the same plus creating the maps and mapping the code: what an application without an artifact pays at start) against loading its artifact (decode, verify the checksum, create the maps, map the code), median of several. Loading an artifact has a floor of a few microseconds of system calls (mapping code read-write, then read-execute), which dominates the smallest programs.\n\n")
	fmt.Fprintf(w, "| program | eBPF instructions | compile | load via JIT | load artifact | compile ÷ load | JIT load ÷ artifact load | artifact bytes | bytes/instruction |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, a := range aot {
		fmt.Fprintf(w, "| %s | %d | %v | %v | %v | %.0f× | %.0f× | %d | %.0f |\n", a.name, a.insns, a.compile.Round(time.Microsecond),
			a.jitLoad.Round(time.Microsecond), a.load.Round(time.Microsecond),
			float64(a.compile)/float64(a.load), float64(a.jitLoad)/float64(a.load), a.size, float64(a.size)/float64(max(a.insns, 1)))
	}
	fmt.Fprintf(w, "\n## Programs\n\n")
	for _, r := range rows {
		fmt.Fprintf(w, "- **%s**: %s\n", r.name, r.about)
	}
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func formatNs(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				if i := strings.Index(line, ":"); i >= 0 {
					return strings.TrimSpace(line[i+1:])
				}
			}
		}
	}
	return runtime.GOARCH + " CPU"
}

func kernelVersion() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown kernel"
	}
	return "Linux " + strings.TrimSpace(string(data))
}

var colors = map[string]string{
	"interp": "#9e9e9e", "jit-O0": "#90caf9", "jit-O2": "#1565c0", "aot": "#42a5f5", "go": "#2e7d32", "kernel": "#ef6c00",
}

// chart draws a horizontal grouped bar chart of ns per run on a log
// scale: one group per program, one bar per engine.
func chart(rows []row) []byte {
	const (
		left, right, top = 130, 30, 40
		bar, gap         = 9, 10
		width            = 900
	)
	lo, hi := math.Inf(1), 0.0
	for _, r := range rows {
		for _, v := range r.ns {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == 0 {
		lo, hi = 1, 10
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	x := func(v float64) float64 {
		return left + (width-left-right)*(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))
	}
	group := len(bench.Engines)*bar + gap
	height := top + len(rows)*group + 50
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14">ebpfjit benchmarks: ns per run, log scale (lower is better)</text>`+"\n", left)
	for d := lo; d <= hi*1.0001; d *= 10 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(d), top-5, x(d), height-40)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x(d), height-28, formatNs(d))
	}
	for i, r := range rows {
		y := top + i*group
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+group/2, r.name)
		for j, e := range bench.Engines {
			v, ok := r.ns[e]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s ns</title></rect>`+"\n",
				left, y+j*bar, math.Max(1, x(v)-left), bar-1, colors[e], r.name, engineTitles[e], formatNs(v))
		}
	}
	lx := left
	for _, e := range bench.Engines {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", lx, height-16, colors[e], lx+14, height-7, engineTitles[e])
		lx += 14 + 7*len(engineTitles[e]) + 16
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// Package jit compiles validated eBPF programs to native code: SSA
// construction and optimisation (package ir), register allocation
// (package regalloc) and lowering and encoding for one instruction set
// (jit/amd64, jit/arm64). The result is a native.Code that package
// loader/native maps and runs.
package jit

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/ebpfjit/ebpfjit/ir"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/jit/amd64"
	"github.com/ebpfjit/ebpfjit/jit/arm64"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/regalloc"
	"github.com/ebpfjit/ebpfjit/validate"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Options configure a compilation.
type Options struct {
	// Arch is the target: "amd64" or "arm64"; empty means the host.
	Arch string
	// OptLevel is 0 (no passes) or 2 (all passes, the default).
	OptLevel int
	// Helpers the program may call; nil means vm.BaseHelpers(). Calls
	// to other ids are rejected at compile time.
	Helpers *vm.Helpers
	// MapValueSizes gives the value size of each map the program may
	// reference by index.
	MapValueSizes []uint32
	// Maps describes the maps by index, so that lookups in arrays can be
	// compiled inline (optional).
	Maps []ir.MapInfo
	// Listing asks for Result.Listing (for disassembly).
	Listing bool
	// NoPolls leaves out the poll points at loop back edges and
	// function entries. It exists only so that benchmarks can measure
	// what polls cost: code built without them ignores budgets,
	// contexts and Close, and a long run stalls the Go runtime's garbage
	// collector. Nothing user-facing sets it.
	NoPolls bool
	// Features are the CPU features the code may use; nil means those
	// of this machine when compiling for it, and the baseline of the
	// architecture otherwise.
	Features *Features
}

// Features are optional instruction-set extensions.
type Features struct {
	// ARM64LSE allows the ARMv8.1 atomic instructions.
	ARM64LSE bool
}

// HostFeatures returns the features of the machine running this code.
func HostFeatures() Features {
	return FeaturesFromNames(native.HostFeatures())
}

// Names lists the features by name, as artifacts record them.
func (f Features) Names() []string {
	if f.ARM64LSE {
		return []string{"lse"}
	}
	return nil
}

// FeaturesFromNames is the inverse of Names.
func FeaturesFromNames(names []string) Features {
	return Features{ARM64LSE: slices.Contains(names, "lse")}
}

// Line is one native instruction of a listing.
type Line struct {
	Offset int    // byte offset in the code
	Bytes  []byte // its encoding
	Text   string // its assembly
	PC     int    // eBPF instruction it implements, -1 for shared code
}

// Result is a compiled program.
type Result struct {
	Code    *native.Code
	IR      *ir.Program // after optimisation
	Listing []Line
	// Instructions is the number of eBPF instruction slots compiled.
	Instructions int
	// Helpers lists the helper ids the compiled code calls (after inline
	// map lookups have replaced some calls).
	Helpers []int32
	// Duration is the time compilation took.
	Duration time.Duration
}

// Arches lists the targets this compiler has backends for.
func Arches() []string { return []string{"amd64", "arm64"} }

// Compile validates and compiles prog.
func Compile(prog []isa.Instruction, opts Options) (*Result, error) {
	start := time.Now()
	arch := opts.Arch
	if arch == "" {
		arch = runtime.GOARCH
	}
	helpers := opts.Helpers
	if helpers == nil {
		helpers = vm.BaseHelpers()
	}
	info, err := validate.Program(prog, &validate.Options{Helpers: helpers, MapValueSizes: opts.MapValueSizes})
	if err != nil {
		return nil, err
	}
	level := ir.O2
	if opts.OptLevel < 2 {
		level = ir.O0
	}
	p, err := ir.Build(prog, info, ir.BuildOptions{PromoteStack: level >= ir.O2, NoPolls: opts.NoPolls})
	if err != nil {
		return nil, err
	}
	if level >= ir.O2 && len(opts.Maps) > 0 {
		for _, f := range p.Funcs {
			ir.InlineArrayLookups(f, opts.Maps)
		}
	}
	ir.Optimize(p, level)

	feat := Features{}
	switch {
	case opts.Features != nil:
		feat = *opts.Features
	case arch == runtime.GOARCH:
		feat = HostFeatures()
	}
	var target regalloc.Target
	switch arch {
	case "amd64":
		target = amd64.Target{NoPolls: opts.NoPolls}
	case "arm64":
		target = arm64.Target{NoPolls: opts.NoPolls}
	default:
		return nil, fmt.Errorf("no backend for %s (have %v)", arch, Arches())
	}
	allocs := make([]*regalloc.Result, len(p.Funcs))
	for i, f := range p.Funcs {
		ir.SplitArgEdges(f)
		allocs[i] = regalloc.Allocate(f, target)
	}
	res := &Result{IR: p, Instructions: len(prog), Helpers: calledHelpers(p)}
	// Listings are empty unless asked for.
	switch arch {
	case "amd64":
		code, listing, err := amd64.Generate(p, allocs, opts.Listing)
		if err != nil {
			return nil, err
		}
		res.Code = code
		for _, l := range listing {
			res.Listing = append(res.Listing, listingLine(code, l.Offset, l.Size, l.Inst, l.PC))
		}
	case "arm64":
		code, listing, err := arm64.Generate(p, allocs, arm64.Features{LSE: feat.ARM64LSE}, opts.Listing)
		if err != nil {
			return nil, err
		}
		res.Code = code
		for _, l := range listing {
			res.Listing = append(res.Listing, listingLine(code, l.Offset, l.Size, l.Inst, l.PC))
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

// calledHelpers lists the helper ids the program's IR still calls.
func calledHelpers(p *ir.Program) []int32 {
	seen := map[int32]bool{}
	for _, f := range p.Funcs {
		for _, b := range f.Blocks {
			for _, v := range b.Values {
				if v.Op == ir.OpCall {
					seen[int32(v.Aux)] = true
				}
			}
		}
	}
	var ids []int32
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// listingLine is one native instruction of a listing.
func listingLine(code *native.Code, offset, size int, inst fmt.Stringer, pc int) Line {
	return Line{Offset: offset, Bytes: code.Text[offset : offset+size], Text: inst.String(), PC: pc}
}

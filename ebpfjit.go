// Package ebpfjit runs eBPF programs in userspace as native code.
//
// Load an ELF object built by clang (-target bpf), pick a program and run
// it on some input:
//
//	coll, err := ebpfjit.Load("prog.o", nil)
//	...
//	defer coll.Close()
//	prog, err := coll.Program("xdp_count")
//	r0, err := prog.Run(packet)
//
// Every program gets r1 = the address of its input (a writable copy, or
// the caller's memory with RunContext), r2 = the input's length, and
// returns r0. Programs may use maps, global variables, bpf-to-bpf calls,
// tail calls and the common helpers; Go code reads and writes the same
// maps and variables while programs run. Programs run on the native code
// of this machine (amd64 or arm64) or on the reference interpreter.
package ebpfjit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"

	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/maps"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Engine selects what runs the programs.
type Engine string

// Engines.
const (
	JIT         Engine = "jit"    // native code for this machine (the default)
	Interpreter Engine = "interp" // the reference interpreter
)

// Options configure Load. The zero value (or nil) is fine.
type Options struct {
	Engine Engine
	// NoOptimize compiles without the optimisation passes (-O0).
	NoOptimize bool
	// CPUs is the number of logical CPUs per-CPU maps have (default 1).
	CPUs int
	// BTF is a file with the BTF CO-RE relocations are resolved against
	// (an ELF with a .BTF section, or raw BTF such as
	// /sys/kernel/btf/vmlinux, the default when a program needs one).
	BTF string
	// Helpers add or replace helpers by id.
	Helpers []Helper
	// TraceOutput receives bpf_trace_printk output (default os.Stderr).
	TraceOutput io.Writer
	// MaxMapMemory bounds the memory of all maps (default 1 GiB).
	MaxMapMemory int
	// Cache compiles through the on-disk cache of artifacts (JIT only):
	// an object already compiled with the same options on this machine is
	// loaded instead of compiled. CacheDir overrides where the cache
	// lives (default: the user's cache folder).
	Cache    bool
	CacheDir string
	// PerfMap appends the programs' native code to /tmp/perf-PID.map as
	// it is loaded, so that Linux perf names the time spent in it.
	PerfMap bool
}

// Helper is a function programs call by id. Fn gets r1-r5 and returns
// r0; an error stops the program.
type Helper = vm.Helper

// HelperFunc implements a helper.
type HelperFunc = vm.HelperFunc

// Env is what a helper sees of the run that called it: memory access
// (bounds-checked), the run's CPU, and calls back into the program.
type Env = vm.Env

// RunError is the error of a program that faulted: the instruction and
// what went wrong.
type RunError = vm.RunError

// Map is a map of a loaded collection, shared by its programs and Go.
type Map = maps.Map

// Collection is a loaded object: programs, maps and global variables.
type Collection struct {
	c *loader.Collection
}

// Program is a program of a collection. It is safe to run from many
// goroutines at once.
type Program struct {
	p *loader.Program
}

// Load reads and loads an object file.
func Load(path string, opts *Options) (*Collection, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := load(data, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// LoadReader reads and loads an object from r.
func LoadReader(r io.Reader, opts *Options) (*Collection, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return load(data, opts)
}

func load(data []byte, opts *Options) (*Collection, error) {
	if opts == nil {
		opts = &Options{}
	}
	lo := loader.Options{
		CPUs: opts.CPUs, Helpers: opts.Helpers, TraceOutput: opts.TraceOutput, MaxMapMemory: opts.MaxMapMemory,
		PerfMap: opts.PerfMap,
	}
	var coreKey string
	if opts.BTF != "" {
		raw, err := os.ReadFile(opts.BTF)
		if err != nil {
			return nil, fmt.Errorf("BTF: %w", err)
		}
		spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("BTF %s: %w", opts.BTF, err)
		}
		lo.Parse.CORETarget = spec
		coreKey = fmt.Sprintf("%x", sha256.Sum256(raw))
	}
	eng, level := opts.engine()
	if opts.Cache && eng == JIT {
		cache := &engine.Cache{Dir: opts.CacheDir}
		if cache.Dir == "" {
			def, err := engine.DefaultCache()
			if err != nil {
				return nil, err
			}
			cache = def
		}
		a, _, err := cache.Artifact(data, engine.CompileOptions{OptLevel: level, Helpers: opts.Helpers, Parse: lo.Parse, COREKey: coreKey})
		if err != nil {
			return nil, err
		}
		c, err := a.Load(native.HostFeatures(), lo)
		if err != nil {
			return nil, err
		}
		return &Collection{c: c}, nil
	}
	obj, err := loader.Parse(data, lo.Parse)
	if err != nil {
		return nil, err
	}
	c, err := engine.LoadObject(obj, string(eng), level, lo)
	if err != nil {
		return nil, err
	}
	return &Collection{c: c}, nil
}

// engine returns the engine the options name (JIT by default) and the
// optimisation level.
func (o *Options) engine() (Engine, int) {
	eng := o.Engine
	if eng == "" {
		eng = JIT
	}
	if o.NoOptimize {
		return eng, 0
	}
	return eng, 2
}

// NewProgram builds a program from raw little-endian bytecode (no maps),
// as one program called "main" of its own collection.
func NewProgram(code []byte, opts *Options) (*Collection, *Program, error) {
	insns, err := isa.Decode(code)
	if err != nil {
		return nil, nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	eng, level := opts.engine()
	obj := &loader.Object{Programs: []*loader.ProgramSpec{{Name: "main", Insns: insns}}}
	c, err := engine.LoadObject(obj, string(eng), level, loader.Options{
		CPUs: opts.CPUs, Helpers: opts.Helpers, TraceOutput: opts.TraceOutput, PerfMap: opts.PerfMap,
	})
	if err != nil {
		return nil, nil, err
	}
	coll := &Collection{c: c}
	p, _ := coll.Program("main")
	return coll, p, nil
}

// LoadArtifact loads a compiled artifact (ebpfjit compile). It needs no
// compiler: the code runs as it was compiled.
func LoadArtifact(path string, opts *Options) (*Collection, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := artifact.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if opts == nil {
		opts = &Options{}
	}
	c, err := a.Load(native.HostFeatures(), loader.Options{
		CPUs: opts.CPUs, Helpers: opts.Helpers, TraceOutput: opts.TraceOutput, MaxMapMemory: opts.MaxMapMemory,
		PerfMap: opts.PerfMap,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Collection{c: c}, nil
}

// Programs lists the names of the programs.
func (c *Collection) Programs() []string { return c.c.Programs() }

// Program returns the named program.
func (c *Collection) Program(name string) (*Program, error) {
	p := c.c.Program(name)
	if p == nil {
		return nil, fmt.Errorf("no program %q (have %v)", name, c.c.Programs())
	}
	return &Program{p: p}, nil
}

// Map returns the named map (data sections are maps too, named after
// the section: ".data", ".bss", ".rodata").
func (c *Collection) Map(name string) (*Map, error) {
	m := c.c.Map(name)
	if m == nil {
		return nil, fmt.Errorf("no map %q", name)
	}
	return m, nil
}

// Maps lists the names of the maps.
func (c *Collection) Maps() []string {
	set := c.c.Maps()
	names := make([]string, set.Len())
	for i := range names {
		names[i] = set.Map(i).Name()
	}
	return names
}

// Variable returns the named global variable.
func (c *Collection) Variable(name string) (*Variable, error) {
	for _, v := range c.c.Object().Variables {
		if v.Name != name {
			continue
		}
		var mem vm.Memory
		mem.Share(c.c.Maps().Regions())
		addr := c.c.Maps().Map(v.Map).ValueAddr(0) + uint64(v.Offset)
		b, err := mem.Bytes(addr, uint64(v.Size), false)
		if err != nil {
			return nil, fmt.Errorf("variable %q: %w", name, err)
		}
		return &Variable{v: v, mem: b}, nil
	}
	return nil, fmt.Errorf("no global variable %q", name)
}

// SetTailCall points slot index of a program-array map at a program.
func (c *Collection) SetTailCall(mapName string, index uint32, program string) error {
	return c.c.SetTailCall(mapName, index, program)
}

// Close stops the collection. It is safe to call while programs run:
// runs in flight end with an error wrapping ErrClosed at their next loop
// iteration, function entry or helper call (or simply finish), and later
// runs fail with ErrClosed. The executable memory is unmapped once nothing
// references the collection any more, so code is never unmapped under a
// running program.
func (c *Collection) Close() error { return c.c.Close() }

// RunOptions are what a run may be given besides its memory.
type RunOptions struct {
	// Budget bounds the poll points the run may pass: every taken jump
	// backwards (a loop iteration) and every function entry costs one.
	// A run that spends it stops with an error naming the instruction,
	// the same on every engine. 0 means no bound.
	Budget uint64
	// CPU is the logical CPU the run is on (per-CPU maps,
	// bpf_get_smp_processor_id); it must be below Options.CPUs.
	CPU int
}

// Run runs the program on a copy of input and returns r0.
func (p *Program) Run(input []byte) (uint64, error) {
	return p.p.RunWith(append([]byte(nil), input...), nil)
}

// RunContext runs the program with mem as its input memory, modified in
// place (as a kernel hook passes its context), and returns r0. The run
// stops early with an error naming the instruction when ctx is done (the
// error wraps ctx.Err()), when opts.Budget is spent, or when the
// collection is closed (the error wraps ErrClosed). opts may be nil.
func (p *Program) RunContext(ctx context.Context, mem []byte, opts *RunOptions) (uint64, error) {
	o := loader.RunOptions{Ctx: ctx}
	if opts != nil {
		o.Budget, o.CPU = opts.Budget, opts.CPU
	}
	return p.p.RunWith(mem, &o)
}

// ErrClosed is the error of running a program of a closed collection.
// errors.Is(err, os.ErrClosed) holds for it, as for cilium/ebpf's closed
// objects.
var ErrClosed = vm.ErrClosed

// Name returns the program's name.
func (p *Program) Name() string { return p.p.Name }

// Variable is a global variable: bytes of a data section, read and
// written in place, so programs and Go see each other's changes.
type Variable struct {
	v   loader.Variable
	mem []byte
}

// Size returns the variable's size in bytes.
func (v *Variable) Size() int { return len(v.mem) }

// ReadOnly reports whether the variable lives in .rodata.
func (v *Variable) ReadOnly() bool { return v.v.ReadOnly }

// Get returns a copy of the variable's current bytes.
func (v *Variable) Get() []byte { return append([]byte(nil), v.mem...) }

// Set replaces the variable's bytes. Variables in .rodata cannot be set.
func (v *Variable) Set(value []byte) error {
	if v.v.ReadOnly {
		return fmt.Errorf("variable %q is read-only", v.v.Name)
	}
	if len(value) != len(v.mem) {
		return fmt.Errorf("variable %q has %d bytes, got %d", v.v.Name, len(v.mem), len(value))
	}
	copy(v.mem, value)
	return nil
}

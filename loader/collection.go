package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"

	"github.com/ebpfjit/ebpfjit/loader/maps"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Options configure loading.
type Options struct {
	// CPUs is the number of logical CPUs per-CPU maps have (default 1);
	// every run is bound to one of them.
	CPUs int
	// Helpers add or replace helpers, by id.
	Helpers []vm.Helper
	// TraceOutput receives bpf_trace_printk output (default os.Stderr).
	TraceOutput io.Writer
	// MaxMapMemory bounds the memory of all maps (default 1 GiB).
	MaxMapMemory int
	// Parse configures reading the object (CO-RE target BTF).
	Parse ParseOptions
	// PerfMap appends the native code of the programs to
	// /tmp/perf-PID.map, so that Linux perf names it.
	PerfMap bool
}

// Collection is a loaded object: its maps and its programs, bound to one
// another and ready to run from any number of goroutines.
type Collection struct {
	closed   atomic.Bool
	obj      *Object
	set      *maps.Set
	helpers  *vm.Helpers
	programs []*Program
	byName   map[string]*Program
	table    []uint64
	regions  []vm.Region
	cpus     int
}

// Program is one program of a collection.
type Program struct {
	coll  *Collection
	index int
	Name  string
	spec  *ProgramSpec
	run   Runner
	insns int
	pool  sync.Pool // of *Instance
	// labels is a context with the profile label naming the program.
	labels     context.Context
	labelsOnce sync.Once
}

// Runner is a program built by some engine (the interpreter, compiled
// native code, native code from an artifact).
type Runner interface {
	RunWith(mem []byte, b *vm.Binding) (uint64, error)
}

// Instancer is a Runner that can hand out per-run state (an execution
// context and stacks): the loader keeps one for each goroutine running
// the program instead of going through the runner's own pool.
type Instancer interface {
	Runner
	NewRunner() Runner
}

// Builder builds one program of a collection for an engine. Keeping the
// engines out of this package lets a binary that only runs precompiled
// artifacts leave the compiler out.
type Builder func(spec *ProgramSpec, env BuildEnv) (Runner, error)

// BuildEnv is what a Builder needs to know of the collection.
type BuildEnv struct {
	Index         int          // the program's index in the collection
	Helpers       *vm.Helpers  // the helpers programs may call
	MapValueSizes []uint32     // value size of each map, by index
	MapSpecs      []*maps.Spec // the maps, by index
}

// New creates the maps of a parsed object and builds its programs.
func New(obj *Object, opts Options, build Builder) (*Collection, error) {
	if opts.CPUs <= 0 {
		opts.CPUs = 1
	}
	out := opts.TraceOutput
	if out == nil {
		out = os.Stderr
	}
	set, err := maps.NewSet(obj.Maps, maps.Options{NumCPU: opts.CPUs, MaxMemory: opts.MaxMapMemory})
	if err != nil {
		return nil, err
	}
	c := &Collection{obj: obj, set: set, byName: map[string]*Program{}, cpus: opts.CPUs, regions: set.Regions()}
	c.helpers = StandardHelpers(out)
	for _, h := range opts.Helpers {
		c.helpers.Register(h.ID, h.Name, h.Fn)
	}
	c.table = make([]uint64, 2*set.Len())
	valueSizes := make([]uint32, set.Len())
	for i := 0; i < set.Len(); i++ {
		m := set.Map(i)
		c.table[vm.MapTableIndex(i, false)] = vm.MapHandleBase + uint64(i)
		if m.Type() == maps.Array {
			c.table[vm.MapTableIndex(i, true)] = m.ValueAddr(0)
		}
		valueSizes[i] = m.ValueSize()
	}
	for i, ps := range obj.Programs {
		p := &Program{coll: c, index: i, Name: ps.Name, spec: ps, insns: len(ps.Insns)}
		if err := ps.LoadError(obj.Maps); err != nil {
			c.Close()
			return nil, fmt.Errorf("program %q: %w", ps.Name, err)
		}
		run, err := build(ps, BuildEnv{Index: i, Helpers: c.helpers, MapValueSizes: valueSizes, MapSpecs: obj.Maps})
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("program %q: %w", ps.Name, err)
		}
		p.run = run
		if opts.PerfMap {
			if pm, ok := run.(interface{ AddToPerfMap(string) error }); ok {
				if err := pm.AddToPerfMap(ps.Name); err != nil {
					c.Close()
					return nil, fmt.Errorf("perf map: %w", err)
				}
			}
		}
		c.programs = append(c.programs, p)
		c.byName[ps.Name] = p
	}
	for _, sl := range obj.ProgramSlots {
		p := c.byName[sl.Program]
		if p == nil {
			return nil, fmt.Errorf("map %q slot %d names program %q, which the object does not have", set.Map(sl.Map).Name(), sl.Index, sl.Program)
		}
		if err := set.Map(sl.Map).SetProgram(sl.Index, p.index); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Programs lists the names of the collection's programs.
func (c *Collection) Programs() []string {
	names := make([]string, len(c.programs))
	for i, p := range c.programs {
		names[i] = p.Name
	}
	return names
}

// Program returns the named program, or nil.
func (c *Collection) Program(name string) *Program { return c.byName[name] }

// Maps returns the collection's maps (data sections included).
func (c *Collection) Maps() *maps.Set { return c.set }

// Map returns the named map, or nil.
func (c *Collection) Map(name string) *maps.Map { return c.set.ByName(name) }

// ValueSizes returns the value size of each map, by index.
func (c *Collection) ValueSizes() []uint32 {
	out := make([]uint32, c.set.Len())
	for i := range out {
		out[i] = c.set.Map(i).ValueSize()
	}
	return out
}

// Object returns the parsed object.
func (c *Collection) Object() *Object { return c.obj }

// Helpers returns the helpers programs may call.
func (c *Collection) Helpers() *vm.Helpers { return c.helpers }

// SetTailCall points slot index of a program-array map at a program.
func (c *Collection) SetTailCall(mapName string, index uint32, program string) error {
	m := c.set.ByName(mapName)
	if m == nil {
		return fmt.Errorf("no map %q", mapName)
	}
	p := c.byName[program]
	if p == nil {
		return fmt.Errorf("no program %q", program)
	}
	return m.SetProgram(index, p.index)
}

// Close stops the collection's programs: runs in flight end with
// vm.FaultClosed (wrapping vm.ErrClosed) at their next poll point or
// helper call, and later runs fail with vm.ErrClosed. Executable memory is
// unmapped once nothing references the programs any more, so a run in
// flight never loses its code. Close is safe to call while programs run,
// and more than once.
func (c *Collection) Close() error {
	c.closed.Store(true)
	var errs []error
	for _, p := range c.programs {
		if cl, ok := p.run.(interface{ Close() error }); ok {
			errs = append(errs, cl.Close())
		}
	}
	return errors.Join(errs...)
}

// Instance runs a program from one goroutine at a time: it owns the
// run's state, so a run needs no pool. Programs keep a pool of them for
// Run; callers running a program in a loop can keep their own.
type Instance struct {
	p   *Program
	st  runState
	b   vm.Binding
	lim vm.Limits
	run Runner
}

// RunOptions are what a run may be given besides its memory.
type RunOptions struct {
	// Ctx, when it can be done, stops the run when it is (the error
	// wraps ctx.Err()).
	Ctx context.Context
	// Budget bounds the poll points the run may pass (vm.Limits); 0 is
	// no bound.
	Budget uint64
	// CPU is the logical CPU the run is on (per-CPU maps,
	// bpf_get_smp_processor_id).
	CPU int
}

// NewInstance returns an Instance of the program.
func (p *Program) NewInstance() *Instance {
	c := p.coll
	in := &Instance{p: p, run: p.run}
	if i, ok := p.run.(Instancer); ok {
		in.run = i.NewRunner()
	}
	in.b = vm.Binding{Regions: c.regions, MapTable: c.table, Data: &in.st}
	return in
}

// RunOnCPU runs the program in place on logical CPU cpu.
func (in *Instance) RunOnCPU(cpu int, mem []byte) (uint64, error) {
	return in.RunWith(mem, &RunOptions{CPU: cpu})
}

// RunWith runs the program in place with the given options (nil is the
// zero RunOptions).
func (in *Instance) RunWith(mem []byte, o *RunOptions) (uint64, error) {
	c := in.p.coll
	if c.closed.Load() {
		return 0, vm.ErrClosed
	}
	cpu := 0
	in.b.Limits = nil
	if o != nil {
		cpu = o.CPU
		if o.Budget != 0 || o.Ctx != nil && o.Ctx.Done() != nil {
			in.lim = vm.Limits{Ctx: o.Ctx, Budget: o.Budget}
			if err := in.lim.Check(0); err != nil && o.Ctx != nil && o.Ctx.Err() != nil {
				return 0, err // done before it started
			}
			in.b.Limits = &in.lim
		}
	}
	if cpu < 0 || cpu >= c.cpus {
		return 0, fmt.Errorf("cpu %d out of range [0, %d)", cpu, c.cpus)
	}
	in.st = runState{coll: c, mem: mem, binding: &in.b}
	in.b.CPU = cpu
	var r0 uint64
	var err error
	if native.ProfilingSeen() {
		r0, err = in.runLabelled(mem, o)
	} else {
		r0, err = in.run.RunWith(mem, &in.b)
	}
	in.st.mem = nil
	in.b.Limits, in.lim = nil, vm.Limits{}
	return r0, err
}

// ProfileLabel is the pprof label that names the program a CPU profile
// sample was taken in.
const ProfileLabel = "ebpf.program"

// runLabelled runs with the goroutine's profile labels naming the program,
// so that a CPU profile attributes the time to it. Runs do it only once a
// CPU profile has been seen being taken (it costs an allocation when the
// run's context carries labels of its own); afterwards the goroutine has
// the labels of the run's context again, as pprof.Do leaves them.
func (in *Instance) runLabelled(mem []byte, o *RunOptions) (uint64, error) {
	base := context.Background()
	if o != nil && o.Ctx != nil {
		base = o.Ctx
	}
	p := in.p
	var labelled context.Context
	if base == context.Background() {
		p.labelsOnce.Do(func() { p.labels = pprof.WithLabels(base, pprof.Labels(ProfileLabel, p.Name)) })
		labelled = p.labels
	} else {
		labelled = pprof.WithLabels(base, pprof.Labels(ProfileLabel, p.Name))
	}
	pprof.SetGoroutineLabels(labelled)
	defer pprof.SetGoroutineLabels(base)
	return in.run.RunWith(mem, &in.b)
}

// Run runs the program on a copy of input and returns r0.
func (p *Program) Run(input []byte) (uint64, error) {
	return p.RunOnCPU(0, append([]byte(nil), input...))
}

// RunInPlace runs the program with mem as its context, modified in place
// (the caller provides the writable memory, as a kernel hook would).
func (p *Program) RunInPlace(mem []byte) (uint64, error) { return p.RunOnCPU(0, mem) }

// RunOnCPU runs the program in place on logical CPU cpu (for per-CPU
// maps and bpf_get_smp_processor_id). Tail calls run their target on the
// same memory, up to 33 of them.
func (p *Program) RunOnCPU(cpu int, mem []byte) (uint64, error) {
	return p.RunWith(mem, &RunOptions{CPU: cpu})
}

// RunWith runs the program in place with the given options (nil is the
// zero RunOptions).
func (p *Program) RunWith(mem []byte, o *RunOptions) (uint64, error) {
	in, _ := p.pool.Get().(*Instance)
	if in == nil {
		in = p.NewInstance()
	}
	r0, err := in.RunWith(mem, o)
	p.pool.Put(in)
	return r0, err
}

// Instructions returns the number of instruction slots of the program.
func (p *Program) Instructions() int { return p.insns }

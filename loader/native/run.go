package native

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/cpu"

	"github.com/ebpfjit/ebpfjit/vm"
)

// HostFeatures names the optional CPU features of this machine that
// generated code may use ("lse": the ARMv8.1 atomics).
func HostFeatures() []string {
	if runtime.GOARCH == "arm64" && cpu.ARM64.HasATOMICS {
		return []string{"lse"}
	}
	return nil
}

// Code is a compiled program as the runtime needs it: machine code and
// the facts needed to run it. It holds no pointers into the compiler, so
// it can be stored in an artifact and loaded later.
type Code struct {
	Arch        string // GOARCH the code is for
	Text        []byte // position-independent machine code
	Preamble    int    // offset of the entry preamble in Text
	NativeStack int    // bytes of native stack the code may need
	// CallPreamble is the offset of the preamble that calls the function
	// at Context.CallTarget (callbacks run by helpers).
	CallPreamble int
	// Functions lists the program's functions: the eBPF slot each starts
	// at and the offset of its code.
	Functions []Function
}

// Function is where one eBPF function's code starts.
type Function struct {
	Slot   int
	Offset int
}

// Program is loaded code, ready to run from any number of goroutines at
// once (each run gets its own execution context from a pool).
type Program struct {
	exec    *Executable
	base    uintptr // the code's address
	code    *Code
	helpers *vm.Helpers
	pool    sync.Pool
	closed  atomic.Bool
}

// Load maps code into executable memory.
func Load(code *Code, helpers *vm.Helpers) (*Program, error) {
	if code.Arch != runtime.GOARCH {
		return nil, fmt.Errorf("code is for %s, this machine is %s", code.Arch, runtime.GOARCH)
	}
	if code.Preamble < 0 || code.Preamble >= len(code.Text) || code.CallPreamble < 0 || code.CallPreamble >= len(code.Text) {
		return nil, fmt.Errorf("preamble offsets %d, %d outside %d bytes of code", code.Preamble, code.CallPreamble, len(code.Text))
	}
	for _, f := range code.Functions {
		if f.Offset < 0 || f.Offset >= len(code.Text) {
			return nil, fmt.Errorf("function at slot %d has offset %d outside %d bytes of code", f.Slot, f.Offset, len(code.Text))
		}
	}
	if helpers == nil {
		helpers = vm.BaseHelpers()
	}
	exec, err := NewExecutable(code.Text)
	if err != nil {
		return nil, err
	}
	p := &Program{exec: exec, base: exec.Addr(), code: code, helpers: helpers}
	p.pool.New = func() any { return p.NewInstance() }
	return p, nil
}

// Close stops the program: runs in flight end with vm.FaultClosed at
// their next poll point or helper exit (a run without either simply
// finishes), and later runs fail with vm.ErrClosed.
//
// The code stays mapped until nothing references the Program any more
// (a cleanup unmaps it then): a run in flight references it, so closing
// never unmaps code that is running, whatever the timing. Unmapping at
// Close would need every run to announce itself with atomic operations,
// which would cost more than the run of a small program.
func (p *Program) Close() error {
	p.closed.Store(true)
	return nil
}

// Executable returns the mapped code.
func (p *Program) Executable() *Executable { return p.exec }

// Instance is the state of one run at a time: the context generated code
// works in, the eBPF stack and the native stack. An Instance is not safe
// for concurrent use; Program.Run takes one from a pool, and callers that
// run a program in a loop can keep their own (NewInstance) and skip the
// pool.
type Instance struct {
	ctx    Context
	prog   *Program
	stack  [vm.StackSize]byte
	native []byte
	mem    vm.Memory // built on the first helper exit of a run
	env    vm.Env
	memLen uint64 // input length the MemLimits were computed for
	// lim are the run's limits (nil: none); granted is the Fuel handed
	// out by the last grant, so that granted - Fuel polls have passed
	// since.
	lim     *vm.Limits
	granted uint64
	// regions is the region table Context.Regions points at, converted
	// from the binding's regions at regionsOf (with regionsLen entries);
	// a collection binds every run to the same slice, so that is done
	// once per instance.
	regions    []Region
	regionsOf  *vm.Region
	regionsLen int
}

// NewInstance returns an execution context for p.
func (p *Program) NewInstance() *Instance {
	m := &Instance{prog: p, native: make([]byte, p.code.NativeStack+4096)}
	c := &m.ctx
	c.StackLo = uint64(uintptr(unsafe.Pointer(&m.stack[0])))
	c.StackHi = c.StackLo + vm.StackSize
	c.StackTop = uint64(uintptr(unsafe.Pointer(&m.native[len(m.native)-1])) &^ 15)
	return m
}

// Run executes the program on mem (modified in place) and returns r0.
func (p *Program) Run(mem []byte) (uint64, error) {
	return p.RunWith(mem, nil)
}

// RunWith is Run bound to maps, global data and helper data (b may be
// nil).
func (p *Program) RunWith(mem []byte, b *vm.Binding) (uint64, error) {
	m := p.pool.Get().(*Instance)
	r0, err := m.RunWith(mem, b)
	p.pool.Put(m)
	return r0, err
}

// Run executes the program on mem with this instance.
func (m *Instance) Run(mem []byte) (uint64, error) {
	return m.RunWith(mem, nil)
}

// RunWith executes the program on mem with this instance, bound to b.
//
// The context keeps the input region, its limits, the extra regions and
// the map table between runs; the common run (same input buffer, no
// binding) only stores the arguments and enters, which keeps calling a
// program from Go at a few nanoseconds.
func (m *Instance) RunWith(mem []byte, b *vm.Binding) (uint64, error) {
	c := &m.ctx
	n := uint64(len(mem))
	var r1 uint64
	if n > 0 {
		r1 = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(mem))))
	}
	if b != nil || c.NumRegions != 0 || c.MapTable != 0 || r1 != c.MemStart || n != m.memLen {
		if err := m.bind(r1, n, b); err != nil {
			return 0, err
		}
	}
	p := m.prog
	if p.closed.Load() {
		return 0, vm.ErrClosed
	}
	c.Fuel, m.lim = vm.PollInterval, nil
	if b != nil && b.Limits != nil {
		m.lim = b.Limits
		c.Fuel = m.lim.Grant()
		m.granted = c.Fuel
	}
	c.CallArgs[0], c.CallArgs[1], c.CallArgs[2], c.CallArgs[3], c.CallArgs[4], c.CallArgs[5] = r1, n, 0, 0, 0, c.StackHi
	c.CodeBase = uint64(p.base)
	enter(c, p.base+uintptr(p.code.Preamble))
	if c.ExitCode == ExitReturn && m.lim == nil {
		runtime.KeepAlive(mem)
		runtime.KeepAlive(b) // and so its map table, which the context points into
		return c.Args[0], nil
	}
	return m.finish(mem, b)
}

// settle counts the polls passed since the last grant into the run's
// limits.
func (m *Instance) settle() {
	c := &m.ctx
	if m.lim != nil {
		m.lim.Used += m.granted - c.Fuel
	}
	m.granted = c.Fuel
}

// regrant hands out Fuel anew after a helper, which may have run more of
// the program with the same limits (a tail call, a callback).
func (m *Instance) regrant() {
	if m.lim == nil {
		return
	}
	m.settle()
	m.ctx.Fuel = m.lim.Grant()
	m.granted = m.ctx.Fuel
}

// pollExit decides at a poll point (instruction pc) that ran out of Fuel
// whether the run goes on: it stops for a spent budget, a done context or
// a closed program, and otherwise grants Fuel again. On the way it passes
// a preemption point, so a stop-the-world the Go runtime is waiting for
// (a garbage collection) goes through while a program loops.
func (m *Instance) pollExit(pc int) error {
	c := &m.ctx
	yieldPoint()
	c.Fuel = 0 // it wrapped: every poll granted has passed
	if m.prog.closed.Load() {
		return &vm.RunError{PC: pc, Fault: vm.FaultClosed, Err: vm.ErrClosed}
	}
	if m.lim == nil {
		c.Fuel = vm.PollInterval - 1 // this poll takes one
		return nil
	}
	m.settle()
	if err := m.lim.Check(pc); err != nil {
		return err
	}
	c.Fuel = m.lim.Grant()
	m.granted = c.Fuel
	// This poll takes one.
	m.lim.Used++
	c.Fuel--
	m.granted--
	return nil
}

// yieldPoint is a function the Go runtime can preempt at: its prologue
// checks for a pending preemption request (it is not a leaf, so it has
// one), which is how a goroutine leaving native code lets a garbage
// collection or another goroutine in.
//
//go:noinline
func yieldPoint() { yieldPointLeaf() }

//go:noinline
func yieldPointLeaf() {}

// bind sets the context for a run on the input at r1 (n bytes) bound to
// b (which may be nil): the input's limits when the input changed, b's
// regions and map table, clearing those of an earlier run.
func (m *Instance) bind(r1, n uint64, b *vm.Binding) error {
	var extra []vm.Region
	var table []uint64
	if b != nil {
		extra, table = b.Regions, b.MapTable
	}
	c := &m.ctx
	if len(extra) == 0 {
		c.NumRegions, c.Regions = 0, 0
	} else {
		if &extra[0] != m.regionsOf || len(extra) != m.regionsLen {
			if err := vm.CheckRegions(extra); err != nil {
				return err
			}
			m.regions = m.regions[:0]
			for _, r := range extra {
				m.regions = append(m.regions, Region{Start: r.Start, Len: r.Len, Perm: uint64(r.Perm)})
			}
			m.regionsOf, m.regionsLen = &extra[0], len(extra)
			c.RegionHint = 0
		}
		c.NumRegions = uint64(len(m.regions))
		c.Regions = uint64(uintptr(unsafe.Pointer(&m.regions[0])))
		if c.RegionHint == 0 {
			c.RegionHint = c.Regions
		}
	}
	if r1 != c.MemStart || n != m.memLen {
		c.MemStart, m.memLen = r1, n
		for i := range c.MemLimit {
			if size := uint64(1) << i; n >= size {
				c.MemLimit[i] = n - size + 1
			} else {
				c.MemLimit[i] = 0
			}
		}
	}
	c.MapTable = 0
	if len(table) > 0 {
		c.MapTable = uint64(uintptr(unsafe.Pointer(&table[0])))
	}
	return nil
}

// finish serves the exits of a run that did not simply return.
func (m *Instance) finish(mem []byte, b *vm.Binding) (uint64, error) {
	r0, err := m.serve(mem, b)
	m.settle()
	m.lim = nil
	m.mem.Reset()
	m.env = vm.Env{}
	runtime.KeepAlive(mem)
	runtime.KeepAlive(b)
	return r0, err
}

// callback is vm.Env.Call for native code: a helper, running while the
// program is suspended at its exit, calls one of the program's functions.
// The function runs on the native stack below the suspended frames, in an
// eBPF frame below the calling function's, and the context is restored
// afterwards so the program resumes as if nothing happened.
func (m *Instance) callback(input []byte, b *vm.Binding) func(fn, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	return func(fn, r1, r2, r3, r4, r5 uint64) (uint64, error) {
		c := &m.ctx
		off := -1
		if fn >= vm.FuncRefBase {
			slot := fn - vm.FuncRefBase
			for _, f := range m.prog.code.Functions {
				if uint64(f.Slot) == slot {
					off = f.Offset
				}
			}
		}
		if off < 0 {
			return 0, fmt.Errorf("0x%x is not a function of the program", fn)
		}
		frame := c.HelperFrame - vm.StackFrameSize
		if frame-vm.StackFrameSize < c.StackLo || frame > c.StackHi {
			return 0, &vm.RunError{PC: int(c.ExitPC), Fault: vm.FaultCallDepth,
				Detail: fmt.Sprintf("more than %d nested frames", vm.MaxCallDepth)}
		}
		saved := *c
		// Below the suspended frames, past the bytes native code keeps
		// just under its stack pointer.
		c.StackTop = (c.NativeSP - 64) &^ 15
		c.CallArgs = [6]uint64{r1, r2, r3, r4, r5, frame}
		c.CallTarget = c.CodeBase + uint64(off)
		enter(c, uintptr(c.CodeBase)+uintptr(m.prog.code.CallPreamble))
		var r0 uint64
		var err error
		if c.ExitCode == ExitReturn {
			r0 = c.Args[0]
		} else {
			r0, err = m.serve(input, b)
		}
		fuel := c.Fuel // the callback's polls count
		*c = saved
		c.Fuel = fuel
		return r0, err
	}
}

// memory returns the run's regions for helpers, building them on first
// use: most runs never call a helper.
func (m *Instance) memory(input []byte, extra []vm.Region) *vm.Memory {
	if m.mem.Empty() {
		m.mem.Add(vm.RegionOf("input", input, vm.PermRW))
		m.mem.Add(vm.RegionOf("stack", m.stack[:], vm.PermRW))
		m.mem.Share(extra)
	}
	return &m.mem
}

// serve handles exits until the program returns or fails.
func (m *Instance) serve(input []byte, b *vm.Binding) (uint64, error) {
	c := &m.ctx
	p := m.prog
	var extra []vm.Region
	m.env.Data, m.env.CPU = nil, 0
	if b != nil {
		extra = b.Regions
		m.env.Data, m.env.CPU = b.Data, b.CPU
	}
	m.env.Call = m.callback(input, b)
	for {
		switch c.ExitCode {
		case ExitReturn:
			return c.Args[0], nil
		case ExitHelper:
			pc := int(c.ExitPC)
			if p.closed.Load() {
				return 0, &vm.RunError{PC: pc, Fault: vm.FaultClosed, Err: vm.ErrClosed}
			}
			id := c.HelperID
			if id > math.MaxInt32 {
				return 0, &vm.RunError{PC: pc, Fault: vm.FaultBadCallTarget,
					Detail: fmt.Sprintf("callx to 0x%x, which is neither a helper nor a function", id)}
			}
			h := p.helpers.Lookup(int32(id))
			if h == nil {
				return 0, &vm.RunError{PC: pc, Fault: vm.FaultBadCallTarget,
					Detail: fmt.Sprintf("callx to 0x%x, which is neither a helper nor a function", id)}
			}
			m.env.Memory = m.memory(input, extra)
			m.settle()
			r0, err := h.Fn(&m.env, c.Args[1], c.Args[2], c.Args[3], c.Args[4], c.Args[5])
			m.regrant()
			c.Returned = 0
			if ret, ok := err.(*vm.Return); ok && id == vm.HelperTailCall {
				// Only tail-call sites check for it.
				r0, err = ret.R0, nil
				c.Returned = 1
			}
			if err != nil {
				return 0, vm.HelperError(pc, h.Name, err)
			}
			c.Args[0] = r0
			c.ExitCode = 0
			resume(c)
		case ExitPoll:
			if err := m.pollExit(int(c.ExitPC)); err != nil {
				return 0, err
			}
			c.ExitCode = 0
			resume(c)
		case ExitFault:
			return 0, faultError(c)
		default:
			return 0, fmt.Errorf("native code exited with unknown code %d", c.ExitCode)
		}
	}
}

// Fault words: the vm.Fault in the low byte, the access size in the next
// byte and 1 in the third for a store.
const (
	FaultSizeShift  = 8
	FaultStoreShift = 16
)

// FaultWord is what generated code stores in Context.Fault for a fault
// of kind f on a size-byte access (faultError decodes it).
func FaultWord(f vm.Fault, size int, store bool) uint64 {
	w := uint64(f) | uint64(size)<<FaultSizeShift
	if store {
		w |= 1 << FaultStoreShift
	}
	return w
}

// LimitIndex is the index into Context.MemLimit for a size-byte access.
func LimitIndex(size uint8) int {
	return bits.TrailingZeros8(size) & 3
}

// StackFor is the native stack, in bytes, for code whose largest
// function frame is maxFrame bytes: every one of the MaxCallDepth frame
// levels may hold a function frame, its return address and that of a
// stub call; helpers' callbacks nest on top of suspended frames, so
// there is room for a second full stack of frames.
func StackFor(maxFrame int) int {
	return 2 * (vm.MaxCallDepth*(maxFrame+32) + 256)
}

func faultError(c *Context) error {
	f := vm.Fault(c.Fault & 0xff)
	size := (c.Fault >> FaultSizeShift) & 0xff
	store := (c.Fault>>FaultStoreShift)&1 != 0
	e := &vm.RunError{PC: int(c.ExitPC), Fault: f}
	switch f {
	case vm.FaultOutOfBounds, vm.FaultReadOnly, vm.FaultWriteOnly:
		what := "load from"
		if store {
			what = "store to"
		}
		e.Detail = fmt.Sprintf("%d-byte %s 0x%x", size, what, c.FaultArg)
	case vm.FaultMisaligned:
		e.Detail = fmt.Sprintf("%d-byte atomic at 0x%x", size, c.FaultArg)
	case vm.FaultCallDepth:
		e.Detail = fmt.Sprintf("more than %d nested frames", vm.MaxCallDepth)
	}
	return e
}

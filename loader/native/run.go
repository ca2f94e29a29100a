package native

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/vm"
)

// Code is a compiled program as the runtime needs it: machine code and
// the facts needed to run it. It holds no pointers into the compiler, so
// it can be stored in an artifact and loaded later.
type Code struct {
	Arch        string // GOARCH the code is for
	Text        []byte // position-independent machine code
	Preamble    int    // offset of the entry preamble in Text
	NativeStack int    // bytes of native stack the code may need
}

// Program is loaded code, ready to run from any number of goroutines at
// once (each run gets its own execution context from a pool).
type Program struct {
	exec    *Executable
	code    *Code
	helpers *vm.Helpers
	pool    sync.Pool
}

// Load maps code into executable memory.
func Load(code *Code, helpers *vm.Helpers) (*Program, error) {
	if code.Arch != runtime.GOARCH {
		return nil, fmt.Errorf("code is for %s, this machine is %s", code.Arch, runtime.GOARCH)
	}
	if code.Preamble < 0 || code.Preamble >= len(code.Text) {
		return nil, fmt.Errorf("preamble offset %d outside %d bytes of code", code.Preamble, len(code.Text))
	}
	if helpers == nil {
		helpers = vm.BaseHelpers()
	}
	exec, err := NewExecutable(code.Text)
	if err != nil {
		return nil, err
	}
	p := &Program{exec: exec, code: code, helpers: helpers}
	stack := code.NativeStack + 4096
	p.pool.New = func() any { return &machine{native: make([]byte, stack)} }
	return p, nil
}

// Close releases the executable memory. The program must not be running.
func (p *Program) Close() error { return p.exec.Close() }

// Executable returns the mapped code.
func (p *Program) Executable() *Executable { return p.exec }

// machine is the state of one run: the context generated code works in,
// the eBPF stack and the native stack. It is reused through a pool.
type machine struct {
	ctx    Context
	stack  [vm.StackSize]byte
	native []byte
	mem    vm.Memory
	env    vm.Env
}

// Run executes the program on mem (modified in place) and returns r0.
func (p *Program) Run(mem []byte) (uint64, error) {
	return p.RunWith(mem, nil, nil)
}

// RunWith is Run with extra memory regions (maps, global data) and
// embedder data for helpers.
func (p *Program) RunWith(mem []byte, extra []vm.Region, data any) (uint64, error) {
	if len(extra) > MaxRegions {
		return 0, fmt.Errorf("%d extra memory regions, at most %d", len(extra), MaxRegions)
	}
	base := p.exec.Addr()
	if base == 0 {
		return 0, errors.New("program is closed")
	}
	m := p.pool.Get().(*machine)
	defer p.pool.Put(m)
	c := &m.ctx
	*c = Context{}
	m.mem.Reset()
	m.mem.Add(vm.RegionOf("input", mem, false))
	m.mem.Add(vm.RegionOf("stack", m.stack[:], false))
	for _, r := range extra {
		m.mem.Add(r)
	}
	m.env = vm.Env{Memory: &m.mem, Data: data}

	var r1 uint64
	if len(mem) > 0 {
		r1 = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(mem))))
	}
	c.MemStart = r1
	for i := range c.MemLimit {
		size := uint64(1) << i
		if uint64(len(mem)) >= size {
			c.MemLimit[i] = uint64(len(mem)) - size + 1
		}
	}
	c.StackLo = uint64(uintptr(unsafe.Pointer(&m.stack[0])))
	c.StackHi = c.StackLo + vm.StackSize
	c.NumRegions = uint64(len(extra))
	for i, r := range extra {
		w := uint64(1)
		if r.ReadOnly {
			w = 0
		}
		c.Regions[i] = Region{Start: r.Start, Len: r.Len, Writable: w}
	}
	c.CallArgs = [6]uint64{r1, uint64(len(mem)), 0, 0, 0, c.StackHi}
	top := uintptr(unsafe.Pointer(&m.native[len(m.native)-1])) &^ 15
	c.StackTop = uint64(top)
	c.CodeBase = uint64(base)

	enter(c, base+uintptr(p.code.Preamble))
	r0, err := p.serve(m)
	m.env = vm.Env{}
	m.mem.Reset()
	runtime.KeepAlive(mem)
	return r0, err
}

// serve handles exits until the program returns or fails.
func (p *Program) serve(m *machine) (uint64, error) {
	c := &m.ctx
	for {
		switch c.ExitCode {
		case ExitReturn:
			return c.Args[0], nil
		case ExitHelper:
			pc := int(c.ExitPC)
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
			r0, err := h.Fn(&m.env, c.Args[1], c.Args[2], c.Args[3], c.Args[4], c.Args[5])
			if err != nil {
				var re *vm.RunError
				if errors.As(err, &re) {
					return 0, err
				}
				return 0, &vm.RunError{PC: pc, Fault: vm.FaultHelper, Detail: h.Name, Err: err}
			}
			c.Args[0] = r0
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

func faultError(c *Context) error {
	f := vm.Fault(c.Fault & 0xff)
	size := (c.Fault >> FaultSizeShift) & 0xff
	store := (c.Fault>>FaultStoreShift)&1 != 0
	e := &vm.RunError{PC: int(c.ExitPC), Fault: f}
	switch f {
	case vm.FaultOutOfBounds, vm.FaultReadOnly:
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

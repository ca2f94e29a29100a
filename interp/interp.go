// Package interp is the reference interpreter: the oracle every native
// backend is compared against. It follows RFC 9669 instruction by
// instruction with the runtime contract of package vm, checks every memory
// access against the run's regions and reports faults as *vm.RunError,
// never as a panic.
//
// Clarity comes first, but it is a fair peer for benchmarks too: the
// program is pre-decoded once, the dispatch is a switch on the opcode byte
// and a run allocates nothing after warm-up.
package interp

import (
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/validate"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Options configure a program.
type Options struct {
	// Helpers the program may call. Nil means vm.BaseHelpers().
	Helpers *vm.Helpers
	// MapValueSizes lists the value size of each map the program may
	// reference (by index) with map_idx and map_idx_value lddw; the
	// addresses come from the run's vm.Binding.
	MapValueSizes []uint32
	// Budget, when not zero, is the poll budget (vm.Limits) of runs
	// whose binding brings no limits of their own: fuzzers use it to
	// survive endless loops.
	Budget uint64
}

// Program is a validated program ready to run. It is immutable and safe
// for concurrent use.
type Program struct {
	code    []slot
	info    *validate.Info
	helpers *vm.Helpers
	budget  uint64
	pool    sync.Pool
	closed  atomic.Bool
}

// opMapRef is the interpreter's own opcode for an lddw map reference
// (0x00 is otherwise only the never-executed second half of an lddw).
const opMapRef = 0x00

// slot is a pre-decoded instruction: k holds the immediate sign-extended
// to 64 bits (or the whole constant of an lddw), so the loop never
// re-assembles fields.
type slot struct {
	k    uint64
	off  int16
	op   uint8
	dst  uint8
	src  uint8
	poll bool // a poll point (validate.Info.PollPoint)
}

// New validates prog and prepares it for running.
func New(prog []isa.Instruction, opts Options) (*Program, error) {
	helpers := opts.Helpers
	if helpers == nil {
		helpers = vm.BaseHelpers()
	}
	vopts := &validate.Options{Helpers: helpers, MapValueSizes: opts.MapValueSizes}
	info, err := validate.Program(prog, vopts)
	if err != nil {
		return nil, err
	}
	p := &Program{info: info, helpers: helpers, budget: opts.Budget, code: make([]slot, len(prog))}
	for pc, ins := range prog {
		s := slot{k: uint64(int64(ins.Imm)), off: ins.Offset, op: ins.Opcode, dst: uint8(ins.Dst), src: uint8(ins.Src), poll: info.PollPoint(pc)}
		if ins.IsLDDW() {
			switch ins.Src {
			case isa.PseudoNone:
				s.k = isa.Imm64(prog, pc)
			case isa.PseudoFunc:
				s.k = vm.FuncRefBase + uint64(pc+1+int(ins.Imm))
			case isa.PseudoMapIdx, isa.PseudoMapIdxValue:
				// Read from the binding's map table at run time:
				// k = table index << 32 | offset.
				value := ins.Src == isa.PseudoMapIdxValue
				idx := uint64(vm.MapTableIndex(int(uint32(ins.Imm)), value))
				var off uint64
				if value {
					off = uint64(uint32(prog[pc+1].Imm))
				}
				s.op, s.k = opMapRef, idx<<32|off
			}
		}
		p.code[pc] = s
	}
	p.pool.New = func() any { return new(machine) }
	return p, nil
}

// Close stops the program: runs in flight stop at their next poll with
// vm.FaultClosed and later runs fail with vm.ErrClosed.
func (p *Program) Close() error {
	p.closed.Store(true)
	return nil
}

// Info describes the program's structure.
func (p *Program) Info() *validate.Info { return p.info }

// Run executes the program with mem as its input memory, which it may
// modify in place. It returns r0.
func (p *Program) Run(mem []byte) (uint64, error) {
	return p.RunWith(mem, nil)
}

// RunWith is Run bound to maps, global data and helper data (b may be
// nil).
func (p *Program) RunWith(mem []byte, b *vm.Binding) (uint64, error) {
	if p.closed.Load() {
		return 0, vm.ErrClosed
	}
	m := p.pool.Get().(*machine)
	m.lim = nil
	if p.budget != 0 {
		m.own = vm.Limits{Budget: p.budget, Stop: &p.closed}
		m.lim = &m.own
	}
	m.mem.Reset()
	m.mem.Add(vm.RegionOf("input", mem, vm.PermRW))
	m.mem.Add(vm.RegionOf("stack", m.stack[:], vm.PermRW))
	m.env = vm.Env{Memory: &m.mem, Call: m.callFunc}
	m.prog, m.mapTable = p, nil
	if b != nil {
		if err := m.share(b.Regions); err != nil {
			m.mem.Reset()
			p.pool.Put(m)
			return 0, err
		}
		m.env.Data, m.env.CPU, m.mapTable = b.Data, b.CPU, b.MapTable
		if b.Limits != nil {
			m.lim = b.Limits
		}
	}
	var r1 uint64
	if len(mem) > 0 {
		r1 = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(mem))))
	}
	r0, err := m.run(p, r1, uint64(len(mem)))
	m.settle()
	m.env = vm.Env{}
	m.lim = nil
	m.prog, m.mapTable = nil, nil
	m.mem.Reset()
	p.pool.Put(m)
	return r0, err
}

// machine is the per-run state, reused through a pool.
type machine struct {
	reg    [16]uint64 // 16 so that 4-bit register fields index it without bounds checks
	stack  [vm.StackSize]byte
	frames [vm.MaxCallDepth]frame
	depth  int // frames in use below the entry's
	// Polls (vm.Limits): fuel polls pass before the next look at lim,
	// granted were handed out by the last grant.
	fuel    uint64
	granted uint64
	lim     *vm.Limits
	own     vm.Limits // lim when the program's own budget applies
	stop    *atomic.Bool
	mem     vm.Memory
	env     vm.Env
	// checked is the binding region table last found well-formed.
	checked    *vm.Region
	checkedLen int
	prog       *Program
	mapTable   []uint64
	r1, r2     uint64 // the input, for legacy packet loads
}

// frame is what a local call saves: where to return and the caller's
// callee-saved registers. r10 follows from the depth.
type frame struct {
	ret            int
	r6, r7, r8, r9 uint64
}

func (m *machine) fault(pc int, f vm.Fault, format string, args ...any) error {
	return &vm.RunError{PC: pc, Fault: f, Detail: fmt.Sprintf(format, args...)}
}

// share makes a binding's regions the run's after its own, checking them
// once per distinct table (a collection binds every run to the same one).
func (m *machine) share(rs []vm.Region) error {
	if len(rs) > 0 && (&rs[0] != m.checked || len(rs) != m.checkedLen) {
		if err := vm.CheckRegions(rs); err != nil {
			return err
		}
		m.checked, m.checkedLen = &rs[0], len(rs)
	}
	m.mem.Share(rs)
	return nil
}

// access returns a pointer to size bytes at addr or the fault to report.
// perm is what the access needs: PermRead for a load, PermWrite for a
// store, both for an atomic read-modify-write.
func (m *machine) access(pc int, addr uint64, size uint64, perm vm.Perm) (unsafe.Pointer, error) {
	if p := m.mem.Local(addr, size, perm); p != nil {
		return p, nil
	}
	ptr, f := m.mem.Rest(addr, size, perm)
	if f != vm.FaultNone {
		what := "load from"
		if perm&vm.PermWrite != 0 {
			what = "store to"
		}
		return nil, m.fault(pc, f, "%d-byte %s 0x%x", size, what, addr)
	}
	return ptr, nil
}

func (m *machine) run(p *Program, r1, r2 uint64) (uint64, error) {
	reg := &m.reg
	*reg = [16]uint64{}
	stackTop := uint64(uintptr(unsafe.Pointer(&m.stack[0]))) + vm.StackSize
	clear(m.stack[vm.StackSize-vm.StackFrameSize:])
	reg[1], reg[2], reg[10] = r1, r2, stackTop
	m.r1, m.r2 = r1, r2
	m.depth = 0
	m.stop = &p.closed
	m.granted = m.lim.Grant()
	m.fuel = m.granted
	return m.exec(p, 0, 0)
}

// poll is a poll point at instruction pc (see vm.Limits).
func (m *machine) poll(pc int) error {
	if m.fuel > 0 {
		m.fuel--
		return nil
	}
	return m.pollSlow(pc)
}

func (m *machine) pollSlow(pc int) error {
	m.settle()
	if m.stop.Load() {
		return &vm.RunError{PC: pc, Fault: vm.FaultClosed, Err: vm.ErrClosed}
	}
	if err := m.lim.Check(pc); err != nil {
		return err
	}
	m.granted = m.lim.Grant()
	m.fuel = m.granted - 1
	if m.lim != nil {
		m.lim.Used++
		m.granted--
	}
	return nil
}

// settle counts the polls passed since the last grant into the limits
// (before a helper that may run more of the program with them, such as a
// tail call, and at the end of the run).
func (m *machine) settle() {
	if m.lim != nil {
		m.lim.Used += m.granted - m.fuel
	}
	m.granted = m.fuel
}

// regrant hands out fuel again after a helper: a tail call it ran may have
// used up the budget.
func (m *machine) regrant() {
	m.settle()
	m.granted = m.lim.Grant()
	m.fuel = m.granted
}

// callFunc is vm.Env.Call: it runs function fn (a func reference) in a
// new frame, as a local call would, and returns when it exits. The
// helper that called it sees the registers as they were.
func (m *machine) callFunc(fn, r1, r2, r3, r4, r5 uint64) (uint64, error) {
	p := m.prog
	slot, ok := p.funcRef(fn)
	if !ok {
		return 0, fmt.Errorf("0x%x is not a function of the program", fn)
	}
	saved := m.reg
	if err := m.pushFrame(-1); err != nil {
		return 0, err
	}
	reg := &m.reg
	reg[1], reg[2], reg[3], reg[4], reg[5] = r1, r2, r3, r4, r5
	r0, err := m.exec(p, slot, m.depth)
	m.reg = saved
	return r0, err
}

// exec runs from pc until the function at depth stop returns (for stop
// 0, the program).
func (m *machine) exec(p *Program, pc, stop int) (uint64, error) {
	code := p.code
	reg := &m.reg
	for {
		s := &code[pc]
		if s.poll {
			if err := m.poll(pc); err != nil {
				return 0, err
			}
		}
		dst, src := &reg[s.dst&15], reg[s.src&15]
		k := s.k
		switch s.op {
		// 64-bit arithmetic, immediate then register operand.
		case 0x07:
			*dst += k
		case 0x0f:
			*dst += src
		case 0x17:
			*dst -= k
		case 0x1f:
			*dst -= src
		case 0x27:
			*dst *= k
		case 0x2f:
			*dst *= src
		case 0x37:
			*dst = isa.Div64(*dst, k, s.off != 0)
		case 0x3f:
			*dst = isa.Div64(*dst, src, s.off != 0)
		case 0x47:
			*dst |= k
		case 0x4f:
			*dst |= src
		case 0x57:
			*dst &= k
		case 0x5f:
			*dst &= src
		case 0x67:
			*dst <<= k & 63
		case 0x6f:
			*dst <<= src & 63
		case 0x77:
			*dst >>= k & 63
		case 0x7f:
			*dst >>= src & 63
		case 0x87:
			*dst = -*dst
		case 0x97:
			*dst = isa.Mod64(*dst, k, s.off != 0)
		case 0x9f:
			*dst = isa.Mod64(*dst, src, s.off != 0)
		case 0xa7:
			*dst ^= k
		case 0xaf:
			*dst ^= src
		case 0xb7:
			*dst = k
		case 0xbf:
			*dst = isa.SignExtend(src, int(s.off))
		case 0xc7:
			*dst = uint64(int64(*dst) >> (k & 63))
		case 0xcf:
			*dst = uint64(int64(*dst) >> (src & 63))
		case 0xd7:
			*dst = isa.Bswap(*dst, int(k))

		// 32-bit arithmetic: operands and result are the low 32 bits,
		// the result is zero-extended.
		case 0x04:
			*dst = uint64(uint32(*dst) + uint32(k))
		case 0x0c:
			*dst = uint64(uint32(*dst) + uint32(src))
		case 0x14:
			*dst = uint64(uint32(*dst) - uint32(k))
		case 0x1c:
			*dst = uint64(uint32(*dst) - uint32(src))
		case 0x24:
			*dst = uint64(uint32(*dst) * uint32(k))
		case 0x2c:
			*dst = uint64(uint32(*dst) * uint32(src))
		case 0x34:
			*dst = isa.Div32(*dst, k, s.off != 0)
		case 0x3c:
			*dst = isa.Div32(*dst, src, s.off != 0)
		case 0x44:
			*dst = uint64(uint32(*dst) | uint32(k))
		case 0x4c:
			*dst = uint64(uint32(*dst) | uint32(src))
		case 0x54:
			*dst = uint64(uint32(*dst) & uint32(k))
		case 0x5c:
			*dst = uint64(uint32(*dst) & uint32(src))
		case 0x64:
			*dst = uint64(uint32(*dst) << (k & 31))
		case 0x6c:
			*dst = uint64(uint32(*dst) << (src & 31))
		case 0x74:
			*dst = uint64(uint32(*dst) >> (k & 31))
		case 0x7c:
			*dst = uint64(uint32(*dst) >> (src & 31))
		case 0x84:
			*dst = uint64(-uint32(*dst))
		case 0x94:
			*dst = isa.Mod32(*dst, k, s.off != 0)
		case 0x9c:
			*dst = isa.Mod32(*dst, src, s.off != 0)
		case 0xa4:
			*dst = uint64(uint32(*dst) ^ uint32(k))
		case 0xac:
			*dst = uint64(uint32(*dst) ^ uint32(src))
		case 0xb4:
			*dst = uint64(uint32(k))
		case 0xbc:
			*dst = uint64(uint32(isa.SignExtend(src, int(s.off))))
		case 0xc4:
			*dst = uint64(uint32(int32(*dst) >> (k & 31)))
		case 0xcc:
			*dst = uint64(uint32(int32(*dst) >> (src & 31)))
		case 0xd4: // le: on this little-endian model only truncation
			*dst = isa.ZeroExtend(*dst, int(k))
		case 0xdc: // be
			*dst = isa.Bswap(*dst, int(k))

		// Loads and stores.
		case 0x18:
			*dst = k
			pc++
		case opMapRef:
			if int(k>>32) >= len(m.mapTable) {
				return 0, m.fault(pc, vm.FaultBadCallTarget, "map %d is not bound", k>>33)
			}
			*dst = m.mapTable[k>>32] + k&0xffffffff
			pc++
		case 0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91:
			ptr, err := m.access(pc, src+uint64(int64(s.off)), sizeOf(s.op), vm.PermRead)
			if err != nil {
				return 0, err
			}
			*dst = load(ptr, s.op)
		case 0x62, 0x6a, 0x72, 0x7a:
			ptr, err := m.access(pc, *dst+uint64(int64(s.off)), sizeOf(s.op), vm.PermWrite)
			if err != nil {
				return 0, err
			}
			store(ptr, s.op, k)
		case 0x63, 0x6b, 0x73, 0x7b:
			ptr, err := m.access(pc, *dst+uint64(int64(s.off)), sizeOf(s.op), vm.PermWrite)
			if err != nil {
				return 0, err
			}
			store(ptr, s.op, src)
		case 0xc3, 0xdb:
			if err := m.atomic(pc, s); err != nil {
				return 0, err
			}
		case 0x20, 0x28, 0x30, 0x40, 0x48, 0x50:
			v, ok := m.legacyLoad(s, m.r1, m.r2)
			if !ok {
				// Like the kernel: an out-of-range packet load ends the
				// program with r0 = 0.
				return 0, nil
			}
			reg[0] = v

		// Jumps.
		case 0x05:
			pc += int(s.off)
		case 0x06:
			pc += int(int32(k))
		case 0x15:
			pc += branch(*dst == k, s.off)
		case 0x1d:
			pc += branch(*dst == src, s.off)
		case 0x25:
			pc += branch(*dst > k, s.off)
		case 0x2d:
			pc += branch(*dst > src, s.off)
		case 0x35:
			pc += branch(*dst >= k, s.off)
		case 0x3d:
			pc += branch(*dst >= src, s.off)
		case 0x45:
			pc += branch(*dst&k != 0, s.off)
		case 0x4d:
			pc += branch(*dst&src != 0, s.off)
		case 0x55:
			pc += branch(*dst != k, s.off)
		case 0x5d:
			pc += branch(*dst != src, s.off)
		case 0x65:
			pc += branch(int64(*dst) > int64(k), s.off)
		case 0x6d:
			pc += branch(int64(*dst) > int64(src), s.off)
		case 0x75:
			pc += branch(int64(*dst) >= int64(k), s.off)
		case 0x7d:
			pc += branch(int64(*dst) >= int64(src), s.off)
		case 0xa5:
			pc += branch(*dst < k, s.off)
		case 0xad:
			pc += branch(*dst < src, s.off)
		case 0xb5:
			pc += branch(*dst <= k, s.off)
		case 0xbd:
			pc += branch(*dst <= src, s.off)
		case 0xc5:
			pc += branch(int64(*dst) < int64(k), s.off)
		case 0xcd:
			pc += branch(int64(*dst) < int64(src), s.off)
		case 0xd5:
			pc += branch(int64(*dst) <= int64(k), s.off)
		case 0xdd:
			pc += branch(int64(*dst) <= int64(src), s.off)

		// 32-bit jumps compare the low halves.
		case 0x16:
			pc += branch(uint32(*dst) == uint32(k), s.off)
		case 0x1e:
			pc += branch(uint32(*dst) == uint32(src), s.off)
		case 0x26:
			pc += branch(uint32(*dst) > uint32(k), s.off)
		case 0x2e:
			pc += branch(uint32(*dst) > uint32(src), s.off)
		case 0x36:
			pc += branch(uint32(*dst) >= uint32(k), s.off)
		case 0x3e:
			pc += branch(uint32(*dst) >= uint32(src), s.off)
		case 0x46:
			pc += branch(uint32(*dst)&uint32(k) != 0, s.off)
		case 0x4e:
			pc += branch(uint32(*dst)&uint32(src) != 0, s.off)
		case 0x56:
			pc += branch(uint32(*dst) != uint32(k), s.off)
		case 0x5e:
			pc += branch(uint32(*dst) != uint32(src), s.off)
		case 0x66:
			pc += branch(int32(*dst) > int32(k), s.off)
		case 0x6e:
			pc += branch(int32(*dst) > int32(src), s.off)
		case 0x76:
			pc += branch(int32(*dst) >= int32(k), s.off)
		case 0x7e:
			pc += branch(int32(*dst) >= int32(src), s.off)
		case 0xa6:
			pc += branch(uint32(*dst) < uint32(k), s.off)
		case 0xae:
			pc += branch(uint32(*dst) < uint32(src), s.off)
		case 0xb6:
			pc += branch(uint32(*dst) <= uint32(k), s.off)
		case 0xbe:
			pc += branch(uint32(*dst) <= uint32(src), s.off)
		case 0xc6:
			pc += branch(int32(*dst) < int32(k), s.off)
		case 0xce:
			pc += branch(int32(*dst) < int32(src), s.off)
		case 0xd6:
			pc += branch(int32(*dst) <= int32(k), s.off)
		case 0xde:
			pc += branch(int32(*dst) <= int32(src), s.off)

		// Calls and exit.
		case 0x85:
			if s.src == isa.CallLocal {
				if err := m.pushFrame(pc); err != nil {
					return 0, err
				}
				pc += int(int32(k))
				break
			}
			if err := m.callHelper(p, pc, int32(k)); err != nil {
				r, ok := err.(*vm.Return)
				if !ok {
					return 0, err
				}
				// The helper (a tail call) finished this function.
				reg[0] = r.R0
				ret, done := m.exitFunction(stop)
				if done {
					return reg[0], nil
				}
				pc = ret
			}
		case 0x8d:
			target := *dst
			if fn, ok := p.funcRef(target); ok {
				if err := m.pushFrame(pc); err != nil {
					return 0, err
				}
				pc = fn - 1
				break
			}
			if target > math.MaxInt32 || !p.helpers.Has(int32(target)) {
				return 0, m.fault(pc, vm.FaultBadCallTarget, "callx to 0x%x, which is neither a helper nor a function", target)
			}
			if err := m.callHelper(p, pc, int32(target)); err != nil {
				return 0, err
			}
		case 0x95:
			ret, done := m.exitFunction(stop)
			if done {
				return reg[0], nil
			}
			pc = ret
		default:
			// Unreachable for a validated program.
			panic(fmt.Sprintf("interp: opcode 0x%02x at %d passed validation", s.op, pc))
		}
		pc++
	}
}

// funcRef decodes a callx target made by a func lddw.
func (p *Program) funcRef(v uint64) (int, bool) {
	if v < vm.FuncRefBase || v-vm.FuncRefBase >= uint64(len(p.code)) {
		return 0, false
	}
	fn := int(v - vm.FuncRefBase)
	i := p.info.FunctionAt(fn)
	return fn, i < len(p.info.Functions) && p.info.Functions[i].Start == fn
}

// exitFunction leaves the current function: it returns the pc to resume
// at in the caller, or done when the function is the one exec was asked
// to run (depth stop).
func (m *machine) exitFunction(stop int) (ret int, done bool) {
	reg := &m.reg
	if m.depth == stop {
		if stop > 0 {
			// The end of a function called from a helper.
			m.depth--
			reg[10] += vm.StackFrameSize
		}
		return 0, true
	}
	m.depth--
	f := &m.frames[m.depth]
	reg[6], reg[7], reg[8], reg[9] = f.r6, f.r7, f.r8, f.r9
	reg[10] += vm.StackFrameSize
	clearScratch(reg)
	return f.ret, false
}

// pushFrame enters a local call: saves r6-r9 and the return point and
// gives the callee a fresh zeroed frame.
func (m *machine) pushFrame(pc int) error {
	if m.depth+1 >= vm.MaxCallDepth {
		return m.fault(pc, vm.FaultCallDepth, "more than %d nested frames", vm.MaxCallDepth)
	}
	reg := &m.reg
	m.frames[m.depth] = frame{ret: pc, r6: reg[6], r7: reg[7], r8: reg[8], r9: reg[9]}
	m.depth++
	depth := &m.depth
	// The callee sees only its arguments r1-r5 and its frame.
	reg[0], reg[6], reg[7], reg[8], reg[9] = 0, 0, 0, 0, 0
	reg[10] -= vm.StackFrameSize
	top := vm.StackSize - *depth*vm.StackFrameSize
	clear(m.stack[top-vm.StackFrameSize : top])
	return nil
}

// clearScratch zeroes r1-r5 after a call: they are caller-saved scratch,
// and defining them as zero keeps every engine's answer the same.
func clearScratch(reg *[16]uint64) {
	reg[1], reg[2], reg[3], reg[4], reg[5] = 0, 0, 0, 0, 0
}

func (m *machine) callHelper(p *Program, pc int, id int32) error {
	h := p.helpers.Lookup(id)
	if h == nil {
		return m.fault(pc, vm.FaultUnknownHelper, "helper %d", id)
	}
	if m.stop.Load() {
		return &vm.RunError{PC: pc, Fault: vm.FaultClosed, Err: vm.ErrClosed}
	}
	reg := &m.reg
	m.settle()
	r0, err := h.Fn(&m.env, reg[1], reg[2], reg[3], reg[4], reg[5])
	m.regrant()
	if err != nil {
		return vm.HelperError(pc, h.Name, err)
	}
	reg[0] = r0
	clearScratch(reg)
	return nil
}

func (m *machine) atomic(pc int, s *slot) error {
	reg := &m.reg
	size := sizeOf(s.op)
	addr := reg[s.dst&15] + uint64(int64(s.off))
	if addr%size != 0 {
		return m.fault(pc, vm.FaultMisaligned, "%d-byte atomic at 0x%x", size, addr)
	}
	ptr, err := m.access(pc, addr, size, vm.PermRW)
	if err != nil {
		return err
	}
	op := int32(s.k)
	val := reg[s.src&15]
	if size == 4 {
		p := (*uint32)(ptr)
		v := uint32(val)
		var old uint32
		switch op &^ isa.AtomicFetch {
		case isa.AtomicAdd:
			old = atomic.AddUint32(p, v) - v
		case isa.AtomicOr:
			old = atomic.OrUint32(p, v)
		case isa.AtomicAnd:
			old = atomic.AndUint32(p, v)
		case isa.AtomicXor:
			for old = atomic.LoadUint32(p); !atomic.CompareAndSwapUint32(p, old, old^v); old = atomic.LoadUint32(p) {
			}
		case isa.AtomicXchg &^ isa.AtomicFetch:
			old = atomic.SwapUint32(p, v)
		case isa.AtomicCmpXchg &^ isa.AtomicFetch:
			want := uint32(reg[0])
			for {
				old = atomic.LoadUint32(p)
				if old != want || atomic.CompareAndSwapUint32(p, old, v) {
					break
				}
			}
			reg[0] = uint64(old)
			return nil
		}
		if op&isa.AtomicFetch != 0 {
			reg[s.src&15] = uint64(old)
		}
		return nil
	}
	p := (*uint64)(ptr)
	var old uint64
	switch op &^ isa.AtomicFetch {
	case isa.AtomicAdd:
		old = atomic.AddUint64(p, val) - val
	case isa.AtomicOr:
		old = atomic.OrUint64(p, val)
	case isa.AtomicAnd:
		old = atomic.AndUint64(p, val)
	case isa.AtomicXor:
		for old = atomic.LoadUint64(p); !atomic.CompareAndSwapUint64(p, old, old^val); old = atomic.LoadUint64(p) {
		}
	case isa.AtomicXchg &^ isa.AtomicFetch:
		old = atomic.SwapUint64(p, val)
	case isa.AtomicCmpXchg &^ isa.AtomicFetch:
		want := reg[0]
		for {
			old = atomic.LoadUint64(p)
			if old != want || atomic.CompareAndSwapUint64(p, old, val) {
				break
			}
		}
		reg[0] = old
		return nil
	}
	if op&isa.AtomicFetch != 0 {
		reg[s.src&15] = old
	}
	return nil
}

// legacyLoad implements BPF_ABS and BPF_IND: a big-endian load from the
// input memory at a constant (plus register) offset.
func (m *machine) legacyLoad(s *slot, base, length uint64) (uint64, bool) {
	off := int64(int32(s.k))
	if isa.Mode(s.op&0xe0) == isa.ModeIND {
		off += int64(int32(m.reg[s.src&15]))
	}
	size := sizeOf(s.op)
	if off < 0 || uint64(off) > length || size > length-uint64(off) {
		return 0, false
	}
	ptr, f := m.mem.Lookup(base+uint64(off), size, vm.PermRead)
	if f != vm.FaultNone {
		return 0, false
	}
	switch size {
	case 1:
		return uint64(*(*uint8)(ptr)), true
	case 2:
		return uint64(bits.ReverseBytes16(*(*uint16)(ptr))), true
	default:
		return uint64(bits.ReverseBytes32(*(*uint32)(ptr))), true
	}
}

func branch(taken bool, off int16) int {
	if taken {
		return int(off)
	}
	return 0
}

func sizeOf(op uint8) uint64 {
	return uint64(isa.Size(op & 0x18).Bytes())
}

func load(ptr unsafe.Pointer, op uint8) uint64 {
	signed := isa.Mode(op&0xe0) == isa.ModeMEMSX
	switch isa.Size(op & 0x18) {
	case isa.SizeB:
		if signed {
			return uint64(int64(*(*int8)(ptr)))
		}
		return uint64(*(*uint8)(ptr))
	case isa.SizeH:
		if signed {
			return uint64(int64(*(*int16)(ptr)))
		}
		return uint64(*(*uint16)(ptr))
	case isa.SizeW:
		if signed {
			return uint64(int64(*(*int32)(ptr)))
		}
		return uint64(*(*uint32)(ptr))
	}
	return *(*uint64)(ptr)
}

func store(ptr unsafe.Pointer, op uint8, v uint64) {
	switch isa.Size(op & 0x18) {
	case isa.SizeB:
		*(*uint8)(ptr) = uint8(v)
	case isa.SizeH:
		*(*uint16)(ptr) = uint16(v)
	case isa.SizeW:
		*(*uint32)(ptr) = uint32(v)
	default:
		*(*uint64)(ptr) = v
	}
}

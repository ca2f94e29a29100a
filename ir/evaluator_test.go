package ir

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/vm"
)

// evaluator runs the IR directly. It is a test oracle for SSA
// construction and the passes: the reference interpreter runs the
// bytecode, the evaluator runs the IR at -O0 and -O2, and all three must
// agree. It follows the run-time contract of package vm, including that
// a frame is zeroed only as far as the function says (Func.FrameZero):
// reading memory outside that range that was never written finds the
// sentinel byte 0xa5, which the interpreter would never produce.
type evaluator struct {
	prog    *Program
	helpers *vm.Helpers
	mem     vm.Memory
	input   []byte
	stack   []byte
	steps   int
}

var errPacketEnd = errors.New("legacy load out of range")

const stackPoison = 0xa5

func (e *evaluator) run(input []byte) (uint64, error) {
	e.stack = make([]byte, vm.StackSize)
	for i := range e.stack {
		e.stack[i] = stackPoison
	}
	e.mem.Reset()
	e.input = input
	e.mem.Add(vm.RegionOf("input", input, vm.PermRW))
	e.mem.Add(vm.RegionOf("stack", e.stack, vm.PermRW))
	var r1 uint64
	if len(input) > 0 {
		r1 = uint64(uintptr(unsafe.Pointer(&input[0])))
	}
	top := uint64(uintptr(unsafe.Pointer(&e.stack[0]))) + vm.StackSize
	r0, err := e.call(e.prog.Funcs[0], [NumArgs]uint64{r1, uint64(len(input)), 0, 0, 0, top}, 1)
	if errors.Is(err, errPacketEnd) {
		return 0, nil
	}
	return r0, err
}

func (e *evaluator) fault(pc int, f vm.Fault) error {
	return &vm.RunError{PC: pc, Fault: f}
}

func (e *evaluator) call(f *Func, args [NumArgs]uint64, depth int) (uint64, error) {
	frame := args[ArgFrame]
	if f.FrameZero > 0 {
		lo := frame - uint64(f.FrameZero) - (uint64(uintptr(unsafe.Pointer(&e.stack[0]))))
		clear(e.stack[lo : lo+uint64(f.FrameZero)])
	}
	vals := make([]uint64, f.NumValues())
	b := f.Blocks[0]
	for {
		for _, v := range b.Values {
			e.steps++
			if e.steps > 1_000_000 {
				return 0, fmt.Errorf("evaluator: step limit")
			}
			r, err := e.value(v, vals, args, depth)
			if err != nil {
				return 0, err
			}
			vals[v.ID] = r
		}
		get := func(v *Value) uint64 {
			if v.IsConst() {
				return v.Const()
			}
			return vals[v.ID]
		}
		var edge Edge
		switch b.Kind {
		case BlockReturn:
			return get(b.Controls[0]), nil
		case BlockJump:
			edge = b.Succs[0]
		case BlockIf:
			if EvalCond(b.Cond, b.Is32, get(b.Controls[0]), get(b.Controls[1])) {
				edge = b.Succs[0]
			} else {
				edge = b.Succs[1]
			}
		}
		tmp := make([]uint64, len(edge.Args))
		for i, a := range edge.Args {
			tmp[i] = get(a)
		}
		for i, p := range edge.To.Params {
			vals[p.ID] = tmp[i]
		}
		b = edge.To
	}
}

func (e *evaluator) value(v *Value, vals []uint64, args [NumArgs]uint64, depth int) (uint64, error) {
	arg := func(i int) uint64 {
		a := v.Args[i]
		if a.IsConst() {
			return a.Const()
		}
		return vals[a.ID]
	}
	switch {
	case v.Op == OpConst:
		return v.Const(), nil
	case v.Op == OpArg:
		return args[v.Aux], nil
	case v.Op == OpHelperReturned:
		return 0, nil // the evaluator's helpers never end the caller
	case v.Op == OpPoll:
		return 0, nil // the evaluator runs without limits
	case v.Op.IsBinary():
		return evalBinary(v.Op, arg(0), arg(1)), nil

	case isUnaryPure(v.Op):
		return evalUnary(v.Op, arg(0)), nil
	case v.Op == OpLoad || v.Op == OpStore:
		addr := arg(0) + uint64(v.Aux)
		perm := vm.PermRead
		if v.Op == OpStore {
			perm = vm.PermWrite
		}
		ptr, f := e.mem.Lookup(addr, uint64(v.Size), perm)
		if f != vm.FaultNone {
			if !v.Checked {
				return 0, fmt.Errorf("unchecked access %s faults", v.LongString())
			}
			return 0, e.fault(v.PC, f)
		}
		b := unsafe.Slice((*byte)(ptr), v.Size)
		if v.Op == OpStore {
			x := arg(1)
			for i := range b {
				b[i] = byte(x >> (8 * i))
			}
			return 0, nil
		}
		var x uint64
		for i := range b {
			x |= uint64(b[i]) << (8 * i)
		}
		if v.Signed {
			x = isa.SignExtend(x, 8*int(v.Size))
		}
		return x, nil
	case v.Op == OpAtomic:
		addr := arg(0) + uint64(v.Aux)
		size := uint64(v.Size)
		if addr%size != 0 {
			return 0, e.fault(v.PC, vm.FaultMisaligned)
		}
		ptr, f := e.mem.Lookup(addr, size, vm.PermRW)
		if f != vm.FaultNone {
			return 0, e.fault(v.PC, f)
		}
		mask := uint64(1<<(8*size) - 1)
		if size == 8 {
			mask = ^uint64(0)
		}
		var old uint64
		if size == 4 {
			old = uint64(*(*uint32)(ptr))
		} else {
			old = *(*uint64)(ptr)
		}
		val := arg(1) & mask
		var nv uint64
		switch v.Aux2 &^ int64(isa.AtomicFetch) {
		case int64(isa.AtomicAdd):
			nv = old + val
		case int64(isa.AtomicOr):
			nv = old | val
		case int64(isa.AtomicAnd):
			nv = old & val
		case int64(isa.AtomicXor):
			nv = old ^ val
		case int64(isa.AtomicXchg &^ isa.AtomicFetch):
			nv = val
		case int64(isa.AtomicCmpXchg &^ isa.AtomicFetch):
			nv = old
			if old == arg(2)&mask {
				nv = val
			}
		}
		if size == 4 {
			*(*uint32)(ptr) = uint32(nv)
		} else {
			*(*uint64)(ptr) = nv
		}
		return old, nil
	case v.Op == OpLegacyLoad:
		off := int64(int32(v.Aux))
		if len(v.Args) > 0 {
			off += int64(int32(arg(0)))
		}
		if off < 0 || uint64(off)+uint64(v.Size) > uint64(len(e.input)) {
			return 0, errPacketEnd
		}
		b := e.input[off : off+int64(v.Size)]
		var x uint64
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
		return x, nil
	case v.Op == OpCall:
		return e.helper(v, int32(v.Aux), arg)
	case v.Op == OpCallLocal || v.Op == OpCallX:
		first := 0
		fn := -1
		if v.Op == OpCallX {
			first = 1
			target := arg(0)
			if target >= vm.FuncRefBase {
				for _, f := range e.prog.Funcs {
					if uint64(f.Start) == target-vm.FuncRefBase {
						fn = f.Index
					}
				}
			}
			if fn < 0 {
				if target > 0x7fffffff || !e.helpers.Has(int32(target)) {
					return 0, e.fault(v.PC, vm.FaultBadCallTarget)
				}
				return e.helper(v, int32(target), func(i int) uint64 { return arg(i + 1) })
			}
		} else {
			fn = int(v.Aux)
		}
		if depth >= vm.MaxCallDepth {
			return 0, e.fault(v.PC, vm.FaultCallDepth)
		}
		var a [NumArgs]uint64
		for i := 0; i < 5; i++ {
			a[i] = arg(first + i)
		}
		a[ArgFrame] = arg(first+5) - vm.StackFrameSize
		return e.call(e.prog.Funcs[fn], a, depth+1)
	}
	return 0, fmt.Errorf("evaluator: cannot evaluate %s", v.LongString())
}

func (e *evaluator) helper(v *Value, id int32, arg func(int) uint64) (uint64, error) {
	h := e.helpers.Lookup(id)
	if h == nil {
		return 0, e.fault(v.PC, vm.FaultUnknownHelper)
	}
	env := vm.Env{Memory: &e.mem}
	r, err := h.Fn(&env, arg(0), arg(1), arg(2), arg(3), arg(4))
	if err != nil {
		return 0, e.fault(v.PC, vm.FaultHelper)
	}
	return r, nil
}

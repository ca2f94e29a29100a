// Package validate checks that a program is well formed before any engine
// sees it: every instruction is defined by RFC 9669 with its reserved fields
// zero, every jump and call lands on an instruction of the same function,
// no function falls off its end, r10 is never written, stack accesses
// through r10 stay inside the frame, and helpers and maps exist.
//
// It is not the kernel verifier: it does not track pointer types or prove
// memory safety. Engines check every access they cannot prove safe at run
// time, so a program that passes here can fail at run time but can never
// crash the process.
package validate

import (
	"fmt"
	"sort"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Error is a validation failure at one instruction.
type Error struct {
	PC  int // slot index, -1 when the problem is the program as a whole
	Msg string
}

func (e *Error) Error() string {
	if e.PC < 0 {
		return e.Msg
	}
	return fmt.Sprintf("instruction %d: %s", e.PC, e.Msg)
}

func errorf(pc int, format string, args ...any) error {
	return &Error{PC: pc, Msg: fmt.Sprintf(format, args...)}
}

// MaxInstructions is the largest program accepted (the kernel's limit for
// privileged programs).
const MaxInstructions = 1_000_000

// Options tell the validator what the program may refer to.
type Options struct {
	// Helpers, when not nil, is the set of helpers the program may call;
	// a call to any other id is rejected.
	Helpers *vm.Helpers
	// MapValueSizes lists, per map index, the value size of the maps the
	// program may reference with map_idx and map_idx_value lddw.
	MapValueSizes []uint32
}

// Function is a contiguous range of slots [Start, End) forming one
// bpf-to-bpf function.
type Function struct {
	Start, End int
}

// Info describes a valid program.
type Info struct {
	// Functions lists the functions sorted by start; the first one is the
	// entry point at slot 0. Function starts are the targets of local
	// calls and of func lddw.
	Functions []Function
	// Helpers lists the helper ids called directly, sorted.
	Helpers []int32
	// UsesCallX reports whether the program calls through a register.
	UsesCallX bool
	// polls marks the poll points (see PollPoint).
	polls []bool
}

// PollPoint reports whether slot pc is a poll point: the first slot of a
// function, or the target of a jump to an earlier or the same slot (a
// loop's head). Every engine counts one unit of a run's budget each time
// such an instruction executes, and may stop there (vm.Limits): that is
// where loops and recursion come back to, so no run escapes the count.
func (info *Info) PollPoint(pc int) bool { return pc >= 0 && pc < len(info.polls) && info.polls[pc] }

// FunctionAt returns the index of the function containing slot pc.
func (info *Info) FunctionAt(pc int) int {
	return sort.Search(len(info.Functions), func(i int) bool { return info.Functions[i].End > pc })
}

// Program validates prog and describes its structure.
func Program(prog []isa.Instruction, opts *Options) (*Info, error) {
	if opts == nil {
		opts = &Options{}
	}
	n := len(prog)
	if n == 0 {
		return nil, errorf(-1, "empty program")
	}
	if n > MaxInstructions {
		return nil, errorf(-1, "program has %d instructions, more than %d", n, MaxInstructions)
	}

	// Pass 1: each slot alone, and which slots are lddw second halves.
	second := make([]bool, n)
	for pc := 0; pc < n; pc++ {
		ins := prog[pc]
		kind := ins.Kind()
		if kind == isa.KindLDDWHigh {
			return nil, errorf(pc, "unknown opcode 0x00")
		}
		if err := ins.Check(); err != nil {
			return nil, errorf(pc, "%v", err)
		}
		if kind == isa.KindLDDW {
			if pc+1 >= n {
				return nil, errorf(pc, "lddw is truncated (its second slot is missing)")
			}
			hi := prog[pc+1]
			if hi.Opcode != 0 || hi.Dst != 0 || hi.Src != 0 || hi.Offset != 0 {
				return nil, errorf(pc+1, "second slot of lddw must have zero opcode, registers and offset")
			}
			second[pc+1] = true
			pc++
		}
	}

	target := func(pc, rel int, what string) (int, error) {
		t := pc + 1 + rel
		if t < 0 || t >= n {
			return 0, errorf(pc, "%s target %d is out of range [0, %d)", what, t, n)
		}
		if second[t] {
			return 0, errorf(pc, "%s target %d is the second slot of lddw", what, t)
		}
		return t, nil
	}

	// Pass 2: function starts.
	starts := map[int]bool{0: true}
	for pc := 0; pc < n; pc++ {
		ins := prog[pc]
		switch {
		case ins.Kind() == isa.KindCallLocal:
			t, err := target(pc, int(ins.Imm), "call")
			if err != nil {
				return nil, err
			}
			starts[t] = true
		case ins.IsLDDW() && ins.Src == isa.PseudoFunc:
			t, err := target(pc, int(ins.Imm), "function reference")
			if err != nil {
				return nil, err
			}
			starts[t] = true
		}
		if ins.IsLDDW() {
			pc++
		}
	}
	info := &Info{}
	sorted := make([]int, 0, len(starts))
	for s := range starts {
		sorted = append(sorted, s)
	}
	sort.Ints(sorted)
	for i, s := range sorted {
		end := n
		if i+1 < len(sorted) {
			end = sorted[i+1]
		}
		info.Functions = append(info.Functions, Function{Start: s, End: end})
	}

	// Poll points: function starts and the targets of backward jumps
	// (checked against the program's bounds in pass 3).
	info.polls = make([]bool, n)
	for _, f := range info.Functions {
		info.polls[f.Start] = true
	}
	for pc := 0; pc < n; pc++ {
		ins := prog[pc]
		rel := 0
		switch ins.Kind() {
		case isa.KindJA, isa.KindJump:
			rel = int(ins.Offset)
		case isa.KindJA32:
			rel = int(ins.Imm)
		}
		if t := pc + 1 + rel; rel < 0 && t >= 0 {
			info.polls[t] = true
		}
		if ins.IsLDDW() {
			pc++
		}
	}

	// Pass 3: control flow, registers, stack offsets, references.
	helpers := map[int32]bool{}
	for fi, fn := range info.Functions {
		last := -1
		for pc := fn.Start; pc < fn.End; pc++ {
			last = pc
			ins := prog[pc]
			if err := checkInstruction(prog, pc, fn, fi, info, opts, target, helpers); err != nil {
				return nil, err
			}
			if ins.IsLDDW() {
				pc++
			}
		}
		switch prog[last].Kind() {
		case isa.KindExit, isa.KindJA, isa.KindJA32:
		default:
			if fn.End == n {
				return nil, errorf(last, "execution can fall off the end of the program")
			}
			return nil, errorf(last, "execution can fall through into the function at %d", fn.End)
		}
	}
	for id := range helpers {
		info.Helpers = append(info.Helpers, id)
	}
	sort.Slice(info.Helpers, func(i, j int) bool { return info.Helpers[i] < info.Helpers[j] })
	return info, nil
}

func checkInstruction(prog []isa.Instruction, pc int, fn Function, fi int, info *Info, opts *Options,
	target func(pc, rel int, what string) (int, error), helpers map[int32]bool) error {
	ins := prog[pc]
	sameFunction := func(t int) error {
		if t < fn.Start || t >= fn.End {
			return errorf(pc, "jump target %d is outside the function [%d, %d)", t, fn.Start, fn.End)
		}
		return nil
	}
	switch ins.Kind() {
	case isa.KindALU, isa.KindNeg, isa.KindMov, isa.KindMovSX, isa.KindEnd, isa.KindBswap, isa.KindLoad, isa.KindLoadSX:
		if ins.Dst == isa.R10 {
			return errorf(pc, "r10 is read-only")
		}
	case isa.KindLDDW:
		if ins.Dst == isa.R10 && ins.Src == isa.PseudoNone && ins.Imm == isa.COREPoison {
			return errorf(pc, "poisoned by a CO-RE relocation the target BTF cannot satisfy")
		}
		if ins.Dst == isa.R10 {
			return errorf(pc, "r10 is read-only")
		}
		switch ins.Src {
		case isa.PseudoMapFD, isa.PseudoMapValue:
			return errorf(pc, "map reference by file descriptor (lddw src %d) is not supported: load the program from an object file", ins.Src)
		case isa.PseudoBTFID:
			return errorf(pc, "kernel variable reference (lddw src 3, BTF id %d) is not supported in userspace", ins.Imm)
		case isa.PseudoMapIdx, isa.PseudoMapIdxValue:
			idx := int(ins.Imm)
			if idx < 0 || idx >= len(opts.MapValueSizes) {
				return errorf(pc, "map index %d is out of range (the program has %d maps)", idx, len(opts.MapValueSizes))
			}
			if ins.Src == isa.PseudoMapIdxValue {
				off := uint32(prog[pc+1].Imm)
				if off >= opts.MapValueSizes[idx] {
					return errorf(pc, "offset %d is outside the %d-byte value of map %d", off, opts.MapValueSizes[idx], idx)
				}
			} else if prog[pc+1].Imm != 0 {
				return errorf(pc+1, "second slot of a map lddw must have imm 0")
			}
		case isa.PseudoFunc:
			if prog[pc+1].Imm != 0 {
				return errorf(pc+1, "second slot of a function lddw must have imm 0")
			}
		}
	case isa.KindJA:
		t, err := target(pc, int(ins.Offset), "jump")
		if err != nil {
			return err
		}
		return sameFunction(t)
	case isa.KindJA32:
		t, err := target(pc, int(ins.Imm), "jump")
		if err != nil {
			return err
		}
		return sameFunction(t)
	case isa.KindJump:
		t, err := target(pc, int(ins.Offset), "jump")
		if err != nil {
			return err
		}
		return sameFunction(t)
	case isa.KindCall:
		if ins.Imm == isa.COREPoison {
			return errorf(pc, "poisoned by a CO-RE relocation the target BTF cannot satisfy")
		}
		if opts.Helpers != nil && !opts.Helpers.Has(ins.Imm) {
			return errorf(pc, "unknown helper %d", ins.Imm)
		}
		helpers[ins.Imm] = true
	case isa.KindCallKfunc:
		return errorf(pc, "kfunc call (BTF id %d) is not supported in userspace", ins.Imm)
	case isa.KindCallX:
		info.UsesCallX = true
	case isa.KindStore, isa.KindStoreX:
		return stackBounds(pc, ins.Dst, ins.Offset, ins.Size())
	case isa.KindAtomic:
		// The fetch forms and xchg write the old value to src; cmpxchg
		// writes it to r0 instead.
		if ins.Imm&isa.AtomicFetch != 0 && ins.Imm != isa.AtomicCmpXchg && ins.Src == isa.R10 {
			return errorf(pc, "r10 is read-only (atomic fetch would write it)")
		}
		return stackBounds(pc, ins.Dst, ins.Offset, ins.Size())
	}
	switch ins.Kind() {
	case isa.KindLoad, isa.KindLoadSX:
		return stackBounds(pc, ins.Src, ins.Offset, ins.Size())
	}
	return nil
}

// stackBounds rejects r10-based accesses that leave the 512-byte frame.
func stackBounds(pc int, base isa.Register, off int16, size isa.Size) error {
	if base != isa.R10 {
		return nil
	}
	lo, hi := int(off), int(off)+size.Bytes()
	if lo < -vm.StackFrameSize || hi > 0 {
		return errorf(pc, "stack access [r10%+d, r10%+d) is outside the %d-byte frame", lo, hi, vm.StackFrameSize)
	}
	return nil
}

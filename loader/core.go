package loader

import (
	"encoding/binary"
	"fmt"

	ciliumasm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit/isa"
)

// COREFailure is an instruction that a CO-RE relocation could not
// relocate against the target BTF (a field, type or enum value the target
// lacks) and that the program can reach. As with libbpf, the object
// parses but the program does not load.
type COREFailure struct {
	PC         int    // the poisoned instruction
	Relocation string // the relocation, as cilium/ebpf describes it
}

func (f COREFailure) Error() string {
	return fmt.Sprintf("instruction %d: CO-RE relocation cannot be satisfied by the target BTF: %s", f.PC, f.Relocation)
}

// COREPoisonHelper is the helper id that cilium/ebpf (like libbpf) calls
// in place of an instruction whose CO-RE relocation failed; a poisoned
// lddw loads it into r10 instead.
const COREPoisonHelper = btf.COREBadRelocationSentinel

var _ = [1]int{}[COREPoisonHelper-isa.COREPoison] // the same sentinel

// poisoned records a poisoned instruction before it has a final pc.
type poisoned struct {
	ins   *ciliumasm.Instruction
	relo  string
	index int // raw instruction offset, where known (the .text-only path)
}

// relocateCORE applies the CO-RE relocations of the instructions at to
// them, in place, against the target BTF. Types' local ids are their ids
// in the object's own BTF. It returns the instructions it poisoned.
func relocateCORE(relos []*btf.CORERelocation, at []*ciliumasm.Instruction, local *btf.Spec, opts ParseOptions) ([]poisoned, error) {
	if len(relos) == 0 {
		return nil, nil
	}
	target := opts.CORETarget
	if target == nil {
		var err error
		target, err = btf.LoadKernelSpec()
		if err != nil {
			return nil, fmt.Errorf("%d CO-RE relocations and no target BTF was given (and the host's is unavailable: %v)", len(relos), err)
		}
	}
	localID := func(t btf.Type) (btf.TypeID, error) {
		if local == nil {
			return 0, fmt.Errorf("the object has no BTF for local type ids")
		}
		return local.TypeID(t)
	}
	fixups, err := btf.CORERelocate(relos, []*btf.Spec{target}, binary.LittleEndian, localID)
	if err != nil {
		return nil, fmt.Errorf("CO-RE: %w", err)
	}
	var out []poisoned
	for i, f := range fixups {
		// Poisoning replaces the whole instruction, with its metadata:
		// the first instruction of a function would lose the symbol its
		// callers are linked to.
		sym := at[i].Symbol()
		if err := f.Apply(at[i]); err != nil {
			return nil, fmt.Errorf("CO-RE fixup for %s: %w", relos[i], err)
		}
		switch {
		case isPoison(at[i]):
			out = append(out, poisoned{ins: at[i], relo: relos[i].String()})
		case !adjustAccessWidth(at[i], relos[i], local, target):
			*at[i] = ciliumasm.BuiltinFunc(COREPoisonHelper).Call()
			out = append(out, poisoned{ins: at[i], relo: relos[i].String() + " (the target changed the size of a signed field)"})
		}
		if sym != "" && at[i].Symbol() == "" {
			*at[i] = at[i].WithSymbol(sym)
		}
	}
	return out, nil
}

// isPoison reports whether ins is cilium/ebpf's stand-in for an
// instruction whose relocation failed.
func isPoison(ins *ciliumasm.Instruction) bool {
	if ins.OpCode.IsDWordLoad() {
		return ins.Dst == ciliumasm.R10 && ins.Constant == COREPoisonHelper
	}
	return ins.IsBuiltinCall() && ins.Constant == COREPoisonHelper
}

// settlePoison decides what becomes of the poisoned instructions at pcs
// of prog. The usual CO-RE idiom guards an access with
// bpf_core_field_exists() and friends: against a target without the
// field, the relocated guard is a constant and the poisoned access sits
// in code no run reaches. Such instructions become no-ops (the kernel's
// verifier likewise never looks at dead code); the ones a run can reach
// are returned as failures.
func settlePoison(prog []isa.Instruction, pcs []int, relos []string) []COREFailure {
	if len(pcs) == 0 {
		return nil
	}
	live := reachable(prog)
	var failures []COREFailure
	for i, pc := range pcs {
		if pc < 0 || pc >= len(prog) {
			continue
		}
		if live[pc] {
			failures = append(failures, COREFailure{PC: pc, Relocation: relos[i]})
			continue
		}
		if prog[pc].IsLDDW() && pc+1 < len(prog) {
			prog[pc+1] = isa.Instruction{Opcode: isa.OpJA}
		}
		prog[pc] = isa.Instruction{Opcode: isa.OpJA}
	}
	return failures
}

// regConst is what the reachability analysis knows of a register: a
// constant, a map handle (an lddw map reference: handle is set and v is
// the map's index) or nothing.
type regConst struct {
	known  bool
	handle bool
	v      uint64
}

// value returns the register's constant, if it holds a plain one.
func (c regConst) value() (uint64, bool) { return c.v, c.known && !c.handle }

// Sixteen registers, so that any 4-bit register field indexes it (the
// analysis runs before the program is validated).
type regState [16]regConst

func (s *regState) meet(o *regState) bool {
	changed := false
	for r := range s {
		if s[r].known && o[r] != s[r] {
			s[r] = regConst{}
			changed = true
		}
	}
	return changed
}

// reachable finds the instructions of prog that some run can reach,
// following constants through moves, 64-bit immediates and simple
// arithmetic so that a branch on a constant (a relocated CO-RE guard)
// takes one way only. Anything it cannot follow it takes as unknown, so
// it never calls reachable code dead.
func reachable(prog []isa.Instruction) []bool {
	live, _ := analyze(prog)
	return live
}

// analyze is reachable that also returns what is known of the registers
// on entry to each reachable instruction: constants, and the map handles
// lddw map references load (followed through moves only).
func analyze(prog []isa.Instruction) ([]bool, []regState) {
	n := len(prog)
	live := make([]bool, n)
	states := make([]regState, n)
	var work []int
	reach := func(pc int, s *regState) {
		if pc < 0 || pc >= n {
			return
		}
		if !live[pc] {
			live[pc], states[pc] = true, *s
			work = append(work, pc)
			return
		}
		if states[pc].meet(s) {
			work = append(work, pc)
		}
	}
	unknown := regState{}
	reach(0, &unknown)
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		s := states[pc]
		ins := prog[pc]
		next := pc + 1
		switch ins.Kind() {
		case isa.KindExit:
			continue
		case isa.KindJA:
			reach(pc+1+int(ins.Offset), &s)
			continue
		case isa.KindJA32:
			reach(pc+1+int(ins.Imm), &s)
			continue
		case isa.KindJump:
			taken, fall := true, true
			if x, ok := s[ins.Dst].value(); ok {
				y := uint64(int64(ins.Imm))
				if ins.Source() == isa.SourceX {
					y, ok = s[ins.Src].value()
				}
				if t, decided := jumpTaken(ins.JumpOp(), x, y, ins.Is64()); ok && decided {
					taken, fall = t, !t
				}
			}
			if taken {
				reach(pc+1+int(ins.Offset), &s)
			}
			if fall {
				reach(next, &s)
			}
			continue
		case isa.KindCallLocal:
			reach(pc+1+int(ins.Imm), &unknown)
			for r := isa.R0; r <= isa.R5; r++ {
				s[r] = regConst{}
			}
		case isa.KindCall, isa.KindCallX, isa.KindCallKfunc, isa.KindLegacyLoad:
			for r := isa.R0; r <= isa.R5; r++ {
				s[r] = regConst{}
			}
		case isa.KindLDDW:
			next = pc + 2
			switch {
			case ins.Src == isa.PseudoNone && pc+1 < n:
				s[ins.Dst] = regConst{known: true, v: uint64(uint32(ins.Imm)) | uint64(uint32(prog[pc+1].Imm))<<32}
			case ins.Src == isa.PseudoMapIdx:
				s[ins.Dst] = regConst{known: true, handle: true, v: uint64(uint32(ins.Imm))}
			case ins.Src == isa.PseudoFunc:
				// A callback: its function runs from wherever it is
				// passed.
				reach(pc+1+int(ins.Imm), &unknown)
				s[ins.Dst] = regConst{}
			default:
				s[ins.Dst] = regConst{}
			}
		case isa.KindMov:
			if ins.Dst < isa.R10 {
				s[ins.Dst] = movConst(ins, &s)
			}
		case isa.KindALU:
			if ins.Dst < isa.R10 {
				s[ins.Dst] = aluConst(ins, &s)
			}
		case isa.KindStore, isa.KindStoreX:
		case isa.KindAtomic:
			s[ins.Src], s[isa.R0] = regConst{}, regConst{}
		default:
			// Loads, negation, byte swaps, sign-extending moves: the
			// destination is unknown.
			if ins.Dst < isa.R10 {
				s[ins.Dst] = regConst{}
			}
		}
		reach(next, &s)
	}
	return live, states
}

// movConst is what a move leaves in its destination.
func movConst(ins isa.Instruction, s *regState) regConst {
	v := regConst{known: true, v: uint64(int64(ins.Imm))}
	if ins.Source() == isa.SourceX {
		v = s[ins.Src]
	}
	if v.known && !ins.Is64() {
		if v.handle {
			return regConst{}
		}
		v.v = uint64(uint32(v.v))
	}
	return v
}

// aluConst folds the simple arithmetic a relocated guard may go through
// (masking, shifting, adding); anything else is unknown.
func aluConst(ins isa.Instruction, s *regState) regConst {
	x, okx := s[ins.Dst].value()
	y, oky := uint64(int64(ins.Imm)), true
	if ins.Source() == isa.SourceX {
		y, oky = s[ins.Src].value()
	}
	if !okx || !oky {
		return regConst{}
	}
	bits := uint64(63)
	if !ins.Is64() {
		bits = 31
	}
	var v uint64
	switch ins.ALUOp() {
	case isa.ALUAdd:
		v = x + y
	case isa.ALUSub:
		v = x - y
	case isa.ALUAnd:
		v = x & y
	case isa.ALUOr:
		v = x | y
	case isa.ALUXor:
		v = x ^ y
	case isa.ALULsh:
		v = x << (y & bits)
	case isa.ALURsh:
		if !ins.Is64() {
			x = uint64(uint32(x))
		}
		v = x >> (y & bits)
	default:
		return regConst{}
	}
	if !ins.Is64() {
		v = uint64(uint32(v))
	}
	return regConst{known: true, v: v}
}

// jumpTaken evaluates a conditional jump on known operands; decided is
// false for an operation it does not know.
func jumpTaken(op isa.JumpOp, x, y uint64, is64 bool) (taken, decided bool) {
	sx, sy := int64(x), int64(y)
	if !is64 {
		x, y = uint64(uint32(x)), uint64(uint32(y))
		sx, sy = int64(int32(x)), int64(int32(y))
	}
	switch op {
	case isa.JumpEq:
		return x == y, true
	case isa.JumpNE:
		return x != y, true
	case isa.JumpGT:
		return x > y, true
	case isa.JumpGE:
		return x >= y, true
	case isa.JumpLT:
		return x < y, true
	case isa.JumpLE:
		return x <= y, true
	case isa.JumpSet:
		return x&y != 0, true
	case isa.JumpSGT:
		return sx > sy, true
	case isa.JumpSGE:
		return sx >= sy, true
	case isa.JumpSLT:
		return sx < sy, true
	case isa.JumpSLE:
		return sx <= sy, true
	}
	return false, false
}

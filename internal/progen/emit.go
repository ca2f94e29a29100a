package progen

import (
	"fmt"

	"github.com/ebpfjit/ebpfjit/isa"
)

// label is a position in a function's code, bound once.
type label int

// jumpFix is a jump at slot whose target is a label of the same function.
type jumpFix struct {
	slot int
	to   label
}

// callFix is a call local or a func lddw at slot that refers to the
// function with the given index; it is resolved when functions are placed.
type callFix struct {
	slot   int
	callee int
}

// code is the instruction buffer of one function. Jumps name labels and
// are patched at the end, so the generator can emit structured control
// flow front to back.
type code struct {
	insns  []isa.Instruction
	labels []int // slot of each label, -1 while unbound
	jumps  []jumpFix
	calls  []callFix
}

func (c *code) emit(ins ...isa.Instruction) {
	c.insns = append(c.insns, ins...)
}

func (c *code) newLabel() label {
	c.labels = append(c.labels, -1)
	return label(len(c.labels) - 1)
}

func (c *code) bind(l label) { c.labels[l] = len(c.insns) }

// jump emits a jump (conditional, ja or ja32) to l.
func (c *code) jump(ins isa.Instruction, l label) {
	c.jumps = append(c.jumps, jumpFix{len(c.insns), l})
	c.emit(ins)
}

// call emits a local call or a func lddw (two slots) that refers to a
// function by index.
func (c *code) call(callee int, ins ...isa.Instruction) {
	c.calls = append(c.calls, callFix{len(c.insns), callee})
	c.emit(ins...)
}

// resolveJumps patches the jumps. The generator keeps functions small
// enough for 16-bit offsets; a violation is a generator bug.
func (c *code) resolveJumps() {
	for _, j := range c.jumps {
		to := c.labels[j.to]
		if to < 0 {
			panic("progen: unbound label")
		}
		rel := to - (j.slot + 1)
		ins := &c.insns[j.slot]
		if ins.Opcode == isa.OpJA32 {
			ins.Imm = int32(rel)
			continue
		}
		if rel != int(int16(rel)) {
			panic(fmt.Sprintf("progen: jump offset %d does not fit 16 bits", rel))
		}
		ins.Offset = int16(rel)
	}
}

// Instruction constructors. Widths are in bytes.

func class(is64 bool, c64, c32 isa.Class) uint8 {
	if is64 {
		return uint8(c64)
	}
	return uint8(c32)
}

func aluImm(is64 bool, op isa.ALUOp, dst isa.Register, imm int32) isa.Instruction {
	return isa.Instruction{Opcode: class(is64, isa.ClassALU64, isa.ClassALU) | uint8(op), Dst: dst, Imm: imm}
}

func aluReg(is64 bool, op isa.ALUOp, dst, src isa.Register) isa.Instruction {
	return isa.Instruction{Opcode: class(is64, isa.ClassALU64, isa.ClassALU) | uint8(op) | uint8(isa.SourceX), Dst: dst, Src: src}
}

func mov(dst, src isa.Register) isa.Instruction { return aluReg(true, isa.ALUMov, dst, src) }

func movImm(dst isa.Register, imm int32) isa.Instruction { return aluImm(true, isa.ALUMov, dst, imm) }

func jmpImm(is64 bool, op isa.JumpOp, dst isa.Register, imm int32) isa.Instruction {
	return isa.Instruction{Opcode: class(is64, isa.ClassJMP, isa.ClassJMP32) | uint8(op), Dst: dst, Imm: imm}
}

func jmpReg(is64 bool, op isa.JumpOp, dst, src isa.Register) isa.Instruction {
	return isa.Instruction{Opcode: class(is64, isa.ClassJMP, isa.ClassJMP32) | uint8(op) | uint8(isa.SourceX), Dst: dst, Src: src}
}

func load(w int, signed bool, dst, src isa.Register, off int16) isa.Instruction {
	mode := isa.ModeMEM
	if signed {
		mode = isa.ModeMEMSX
	}
	return isa.Instruction{Opcode: uint8(isa.ClassLDX) | uint8(mode) | uint8(isa.SizeOf(w)), Dst: dst, Src: src, Offset: off}
}

func store(w int, dst, src isa.Register, off int16) isa.Instruction {
	return isa.Instruction{Opcode: uint8(isa.ClassSTX) | uint8(isa.ModeMEM) | uint8(isa.SizeOf(w)), Dst: dst, Src: src, Offset: off}
}

func storeImm(w int, dst isa.Register, off int16, imm int32) isa.Instruction {
	return isa.Instruction{Opcode: uint8(isa.ClassST) | uint8(isa.ModeMEM) | uint8(isa.SizeOf(w)), Dst: dst, Offset: off, Imm: imm}
}

func atomicOp(w int, op int32, dst, src isa.Register, off int16) isa.Instruction {
	return isa.Instruction{Opcode: uint8(isa.ClassSTX) | uint8(isa.ModeATOMIC) | uint8(isa.SizeOf(w)), Dst: dst, Src: src, Offset: off, Imm: op}
}

func legacy(w int, ind bool, src isa.Register, imm int32) isa.Instruction {
	mode := isa.ModeABS
	if ind {
		mode = isa.ModeIND
	} else {
		src = 0
	}
	return isa.Instruction{Opcode: uint8(isa.ClassLD) | uint8(mode) | uint8(isa.SizeOf(w)), Src: src, Imm: imm}
}

func callHelper(id int32) isa.Instruction {
	return isa.Instruction{Opcode: isa.OpCall, Src: isa.CallHelper, Imm: id}
}

func callLocal() isa.Instruction { return isa.Instruction{Opcode: isa.OpCall, Src: isa.CallLocal} }

func callX(r isa.Register) isa.Instruction { return isa.Instruction{Opcode: isa.OpCallX, Dst: r} }

func lddwFunc(dst isa.Register) [2]isa.Instruction {
	return [2]isa.Instruction{{Opcode: isa.OpLDDW, Dst: dst, Src: isa.PseudoFunc}, {}}
}

var (
	exit = isa.Instruction{Opcode: isa.OpExit}
	ja   = isa.Instruction{Opcode: isa.OpJA}
	ja32 = isa.Instruction{Opcode: isa.OpJA32}
)

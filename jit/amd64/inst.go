package amd64

import (
	"fmt"
	"strings"
)

// Op is an instruction mnemonic.
type Op uint8

// The instructions the backend emits. Two-operand forms follow Intel
// order: Dst is the first operand (and usually also a source).
const (
	ADD Op = iota + 1
	SUB
	AND
	OR
	XOR
	CMP
	TEST
	MOV     // mov r, r/m/imm32; mov m, r/imm32; with Size 4 it zero-extends
	MOVABS  // mov r64, imm64
	LEA     // lea r, m
	MOVZX   // movzx r32, r/m8|16 (SrcSize 1 or 2)
	MOVSX   // movsx r, r/m8|16 (SrcSize 1 or 2)
	MOVSXD  // movsxd r64, r/m32
	IMUL    // imul r, r/m
	NEG     // neg r/m
	NOT     // not r/m
	SHL     // shl r/m, imm8|cl
	SHR     // shr r/m, imm8|cl
	SAR     // sar r/m, imm8|cl
	ROL     // rol r/m, imm8
	DIV     // div r/m: rdx:rax / src
	IDIV    // idiv r/m
	CQO     // sign-extend rax into rdx (Size 8) / cdq (Size 4)
	BSWAP   // bswap r32|r64
	XCHG    // xchg m, r (always locked with memory)
	XADD    // xadd m, r (with Lock)
	CMPXCHG // cmpxchg m, r (with Lock)
	JMP     // jmp label
	JCC     // jcc label
	CALL    // call label
	RET
	SETCC  // setcc r8
	CMOVCC // cmovcc r, r/m
	STOSQ  // rep stosq (with Rep)
	UD2
	NOP
	numOps
)

var opNames = [numOps]string{
	ADD: "add", SUB: "sub", AND: "and", OR: "or", XOR: "xor", CMP: "cmp", TEST: "test",
	MOV: "mov", MOVABS: "movabs", LEA: "lea", MOVZX: "movzx", MOVSX: "movsx", MOVSXD: "movsxd",
	IMUL: "imul", NEG: "neg", NOT: "not", SHL: "shl", SHR: "shr", SAR: "sar", ROL: "rol",
	DIV: "div", IDIV: "idiv", CQO: "cqo", BSWAP: "bswap", XCHG: "xchg", XADD: "xadd",
	CMPXCHG: "cmpxchg", JMP: "jmp", JCC: "j", CALL: "call", RET: "ret", SETCC: "set",
	CMOVCC: "cmov", STOSQ: "stosq", UD2: "ud2", NOP: "nop",
}

func (op Op) String() string {
	if op < numOps && opNames[op] != "" {
		return opNames[op]
	}
	return fmt.Sprintf("op%d", uint8(op))
}

// Cond is a condition code, by its hardware encoding (the low nibble of
// jcc/setcc/cmovcc).
type Cond uint8

// Condition codes.
const (
	CondO  Cond = 0x0
	CondNO Cond = 0x1
	CondB  Cond = 0x2 // unsigned <
	CondAE Cond = 0x3 // unsigned >=
	CondE  Cond = 0x4
	CondNE Cond = 0x5
	CondBE Cond = 0x6 // unsigned <=
	CondA  Cond = 0x7 // unsigned >
	CondS  Cond = 0x8
	CondNS Cond = 0x9
	CondP  Cond = 0xa
	CondNP Cond = 0xb
	CondL  Cond = 0xc // signed <
	CondGE Cond = 0xd // signed >=
	CondLE Cond = 0xe // signed <=
	CondG  Cond = 0xf // signed >
)

var condNames = [16]string{"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"}

func (c Cond) String() string { return condNames[c&15] }

// Invert returns the opposite condition.
func (c Cond) Invert() Cond { return c ^ 1 }

// OperandKind says what an operand is.
type OperandKind uint8

// Operand kinds.
const (
	KindNone OperandKind = iota
	KindReg
	KindImm
	KindMem
	KindLabel
)

// Mem is a memory operand [Base + Index*Scale + Disp].
type Mem struct {
	Base  Reg
	Index Reg // NoReg for none
	Scale uint8
	Disp  int32
}

// Operand is a register, an immediate, a memory reference or a label.
// Fields are ordered to pack: compilers keep one per operand of every
// instruction of a program.
type Operand struct {
	Kind  OperandKind
	Reg   Reg
	Mem   Mem
	Label int32
	Imm   int64
}

// R, Imm, M and L build operands.
func R(r Reg) Operand     { return Operand{Kind: KindReg, Reg: r} }
func Imm(v int64) Operand { return Operand{Kind: KindImm, Imm: v} }
func L(label int) Operand { return Operand{Kind: KindLabel, Label: int32(label)} }
func M(base Reg, disp int32) Operand {
	return Operand{Kind: KindMem, Mem: Mem{Base: base, Index: NoReg, Disp: disp}}
}

// MI is a memory operand with an index register.
func MI(base, index Reg, scale uint8, disp int32) Operand {
	return Operand{Kind: KindMem, Mem: Mem{Base: base, Index: index, Scale: scale, Disp: disp}}
}

// Inst is one machine instruction.
type Inst struct {
	Op      Op
	Size    uint8 // operand size in bytes: 1, 2, 4 or 8
	SrcSize uint8 // source size of movzx/movsx
	Dst     Operand
	Src     Operand
	Cond    Cond
	Lock    bool // lock prefix (atomics)
	Rep     bool // rep prefix (stosq)
}

func sizeName(size uint8) string {
	switch size {
	case 1:
		return "byte"
	case 2:
		return "word"
	case 4:
		return "dword"
	}
	return "qword"
}

func (o Operand) format(size uint8) string {
	switch o.Kind {
	case KindReg:
		return o.Reg.Name(size)
	case KindImm:
		if o.Imm < 0 {
			return fmt.Sprintf("-%#x", uint64(-o.Imm))
		}
		return fmt.Sprintf("%#x", o.Imm)
	case KindLabel:
		return fmt.Sprintf("L%d", o.Label)
	case KindMem:
		var sb strings.Builder
		sb.WriteString(sizeName(size))
		sb.WriteString(" [")
		sb.WriteString(o.Mem.Base.Name(8))
		if o.Mem.Index != NoReg {
			fmt.Fprintf(&sb, "+%s*%d", o.Mem.Index.Name(8), o.Mem.Scale)
		}
		switch {
		case o.Mem.Disp > 0:
			fmt.Fprintf(&sb, "+%#x", o.Mem.Disp)
		case o.Mem.Disp < 0:
			fmt.Fprintf(&sb, "-%#x", -int64(o.Mem.Disp))
		}
		sb.WriteByte(']')
		return sb.String()
	}
	return ""
}

// String formats the instruction in Intel syntax, e.g.
// "add rax, qword [rsp+0x8]".
func (in Inst) String() string {
	var sb strings.Builder
	if in.Lock {
		sb.WriteString("lock ")
	}
	if in.Rep {
		sb.WriteString("rep ")
	}
	name := in.Op.String()
	switch in.Op {
	case JCC, SETCC, CMOVCC:
		name += in.Cond.String()
	case CQO:
		if in.Size == 4 {
			name = "cdq"
		}
	}
	sb.WriteString(name)
	dstSize, srcSize := in.Size, in.Size
	switch in.Op {
	case MOVZX, MOVSX:
		srcSize = in.SrcSize
	case MOVSXD:
		srcSize = 4
	case SHL, SHR, SAR, ROL:
		srcSize = 1
	case SETCC:
		dstSize = 1
	}
	if in.Dst.Kind != KindNone {
		sb.WriteByte(' ')
		sb.WriteString(in.Dst.format(dstSize))
	}
	if in.Src.Kind != KindNone {
		sb.WriteString(", ")
		sb.WriteString(in.Src.format(srcSize))
	}
	return sb.String()
}

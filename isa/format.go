package isa

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Format returns the canonical text of the instruction at slot pc of prog
// (which must be a valid index) and how many slots it occupies: 2 for a
// well-formed lddw, 1 otherwise.
//
// The text is the syntax of the bpf_conformance suite, which package asm
// assembles back to the same bytes. A slot that is not a valid instruction
// is printed as ".raw 0x<64-bit little-endian word>" so that every byte
// sequence survives a round trip, including ones a validator would reject.
// Format treats slot pc as the start of an instruction: called on the
// second slot of an lddw it prints that slot as .raw.
func Format(prog []Instruction, pc int) (text string, width int) {
	ins := prog[pc]
	var ok bool
	width = 1
	if ins.IsLDDW() {
		text, ok = formatLDDW(prog, pc)
		if ok {
			width = 2
		}
	} else {
		text, ok = ins.format()
	}
	if !ok {
		text = ins.raw()
	}
	if ins.Ref != "" {
		// A newline in the name would end the comment and turn the rest
		// into an instruction line.
		ref := strings.NewReplacer("\n", " ", "\r", " ").Replace(ins.Ref)
		text += " # " + ref
	}
	return text, width
}

// String returns the canonical text of the slot on its own. Without its
// second slot an lddw shows only the low 32 bits of its constant (and a
// second number of zero for map_value and map_idx_value).
func (ins Instruction) String() string {
	prog := []Instruction{ins}
	if ins.IsLDDW() {
		prog = append(prog, Instruction{})
	}
	text, _ := Format(prog, 0)
	return text
}

// Disassemble returns the canonical text of a whole program, one
// instruction per line, each line ending in a newline. Jump and call
// targets are printed as relative slot offsets, not labels, so the text
// reassembles to exactly the same bytes.
func Disassemble(prog []Instruction) string {
	var b strings.Builder
	for pc := 0; pc < len(prog); {
		text, n := Format(prog, pc)
		b.WriteString(text)
		b.WriteByte('\n')
		pc += n
	}
	return b.String()
}

// raw prints the slot as the little-endian 64-bit word of its encoding,
// the convention of the conformance files' "-- raw" sections.
func (ins Instruction) raw() string {
	return fmt.Sprintf(".raw 0x%016x", binary.LittleEndian.Uint64(AppendEncoded(nil, ins)))
}

// formatLDDW prints the lddw at pc with its second slot. It fails when the
// second slot is missing or carries anything but the high immediate, and
// for pseudo sources whose text has no place for a high immediate, since
// the text could then not be assembled back to the same bytes.
func formatLDDW(prog []Instruction, pc int) (string, bool) {
	lo := prog[pc]
	if lo.Check() != nil || pc+1 >= len(prog) {
		return "", false
	}
	hi := prog[pc+1]
	if hi.Opcode != 0 || hi.Dst != 0 || hi.Src != 0 || hi.Offset != 0 {
		return "", false
	}
	head := "lddw " + lo.Dst.String() + ", "
	switch lo.Src {
	case PseudoNone:
		v := uint64(uint32(lo.Imm)) | uint64(uint32(hi.Imm))<<32
		if v < 65536 {
			return head + fmt.Sprint(v), true
		}
		return head + fmt.Sprintf("0x%x", v), true
	case PseudoMapValue:
		return head + fmt.Sprintf("map_value(%d, %d)", lo.Imm, hi.Imm), true
	case PseudoMapIdxValue:
		return head + fmt.Sprintf("map_idx_value(%d, %d)", lo.Imm, hi.Imm), true
	}
	if hi.Imm != 0 {
		return "", false
	}
	switch lo.Src {
	case PseudoMapFD:
		return head + fmt.Sprintf("map_fd(%d)", lo.Imm), true
	case PseudoBTFID:
		return head + fmt.Sprintf("btf_id(%d)", lo.Imm), true
	case PseudoFunc:
		return head + fmt.Sprintf("func(%+d)", lo.Imm), true
	case PseudoMapIdx:
		return head + fmt.Sprintf("map_idx(%d)", lo.Imm), true
	}
	return "", false
}

// format prints any valid single-slot instruction. It reports false for
// invalid encodings and for the lddw slots, which need their neighbour.
// Check guarantees that every field not shown in the text is zero, which is
// what makes the text a faithful image of the encoding.
func (ins Instruction) format() (string, bool) {
	kind, err := ins.classify()
	if err != nil {
		return "", false
	}
	w := ""
	if !ins.Is64() {
		w = "32"
	}
	switch kind {
	case KindALU, KindMov:
		return fmt.Sprintf("%s%s %s, %s", aluName(ins), w, ins.Dst, ins.operand()), true
	case KindNeg:
		return fmt.Sprintf("neg%s %s", w, ins.Dst), true
	case KindMovSX:
		bits := 32
		if ins.Is64() {
			bits = 64
		}
		return fmt.Sprintf("movsx%d%d %s, %s", ins.Offset, bits, ins.Dst, ins.Src), true
	case KindEnd:
		order := "le"
		if ins.Source() == SourceX {
			order = "be"
		}
		return fmt.Sprintf("%s%d %s", order, ins.Imm, ins.Dst), true
	case KindBswap:
		return fmt.Sprintf("bswap%d %s", ins.Imm, ins.Dst), true
	case KindJA:
		return fmt.Sprintf("ja %+d", ins.Offset), true
	case KindJA32:
		return fmt.Sprintf("ja32 %+d", ins.Imm), true
	case KindJump:
		return fmt.Sprintf("%s%s %s, %s, %+d", jumpNames[ins.JumpOp()], w, ins.Dst, ins.operand(), ins.Offset), true
	case KindCall:
		return fmt.Sprintf("call %d", ins.Imm), true
	case KindCallLocal:
		return fmt.Sprintf("call local %+d", ins.Imm), true
	case KindCallKfunc:
		if ins.Offset != 0 {
			return fmt.Sprintf("call kfunc %d, %d", ins.Imm, ins.Offset), true
		}
		return fmt.Sprintf("call kfunc %d", ins.Imm), true
	case KindCallX:
		return fmt.Sprintf("call %s", ins.Dst), true
	case KindExit:
		return "exit", true
	case KindLegacyLoad:
		if ins.Mode() == ModeABS {
			return fmt.Sprintf("ldabs%s %s", sizeNames[ins.Size()], formatImm(ins.Imm)), true
		}
		return fmt.Sprintf("ldind%s %s, %s", sizeNames[ins.Size()], ins.Src, formatImm(ins.Imm)), true
	case KindLoad:
		return fmt.Sprintf("ldx%s %s, %s", sizeNames[ins.Size()], ins.Dst, memOperand(ins.Src, ins.Offset)), true
	case KindLoadSX:
		return fmt.Sprintf("ldxs%s %s, %s", sizeNames[ins.Size()], ins.Dst, memOperand(ins.Src, ins.Offset)), true
	case KindStore:
		return fmt.Sprintf("st%s %s, %s", sizeNames[ins.Size()], memOperand(ins.Dst, ins.Offset), formatImm(ins.Imm)), true
	case KindStoreX:
		return fmt.Sprintf("stx%s %s, %s", sizeNames[ins.Size()], memOperand(ins.Dst, ins.Offset), ins.Src), true
	case KindAtomic:
		return ins.formatAtomic(), true
	}
	return "", false
}

// formatAtomic prints a valid STX|ATOMIC instruction. The fetch flag is
// spelled out only where it is optional: xchg and cmpxchg always fetch.
func (ins Instruction) formatAtomic() string {
	w := ""
	if ins.Size() == SizeW {
		w = "32"
	}
	var name string
	switch ins.Imm {
	case AtomicXchg:
		name = "xchg"
	case AtomicCmpXchg:
		name = "cmpxchg"
	default:
		name = atomicNames[ins.Imm&^AtomicFetch]
		if ins.Imm&AtomicFetch != 0 {
			name = "fetch " + name
		}
	}
	return fmt.Sprintf("lock %s%s %s, %s", name, w, memOperand(ins.Dst, ins.Offset), ins.Src)
}

func aluName(ins Instruction) string {
	switch op := ins.ALUOp(); {
	case op == ALUDiv && ins.IsSigned():
		return "sdiv"
	case op == ALUMod && ins.IsSigned():
		return "smod"
	default:
		return aluNames[op]
	}
}

// operand is the second operand of an ALU or conditional jump instruction:
// the source register or the immediate.
func (ins Instruction) operand() string {
	if ins.Source() == SourceX {
		return ins.Src.String()
	}
	return formatImm(ins.Imm)
}

// formatImm prints small immediates in decimal and large ones as the hex of
// their 32 bits, which is how masks and bit patterns are usually written.
func formatImm(v int32) string {
	if -65536 < v && v < 65536 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("0x%x", uint32(v))
}

// memOperand prints [%rN+off]. The sign is the separator the syntax needs,
// so a zero offset prints as +0.
func memOperand(r Register, off int16) string {
	return fmt.Sprintf("[%s%+d]", r, off)
}

var aluNames = map[ALUOp]string{
	ALUAdd: "add", ALUSub: "sub", ALUMul: "mul", ALUDiv: "div",
	ALUOr: "or", ALUAnd: "and", ALULsh: "lsh", ALURsh: "rsh",
	ALUMod: "mod", ALUXor: "xor", ALUMov: "mov", ALUArsh: "arsh",
}

var jumpNames = map[JumpOp]string{
	JumpEq: "jeq", JumpGT: "jgt", JumpGE: "jge", JumpSet: "jset",
	JumpNE: "jne", JumpSGT: "jsgt", JumpSGE: "jsge", JumpLT: "jlt",
	JumpLE: "jle", JumpSLT: "jslt", JumpSLE: "jsle",
}

var sizeNames = map[Size]string{SizeB: "b", SizeH: "h", SizeW: "w", SizeDW: "dw"}

var atomicNames = map[int32]string{AtomicAdd: "add", AtomicOr: "or", AtomicAnd: "and", AtomicXor: "xor"}

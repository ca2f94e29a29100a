package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/ebpfjit/ebpfjit/isa"
)

// syntax is the operand layout of a mnemonic.
type syntax uint8

const (
	synALU    syntax = iota // dst, src|imm
	synUnary                // dst (neg, le, be, bswap)
	synMovSX                // dst, src
	synJA                   // target in Offset
	synJA32                 // target in Imm
	synJump                 // dst, src|imm, target
	synExit                 // no operands
	synLDDW                 // dst, imm64 | pseudo(...)
	synLdAbs                // imm
	synLdInd                // src, imm
	synLoad                 // dst, [src+off]
	synStore                // [dst+off], imm
	synStoreX               // [dst+off], src
)

// form is what a mnemonic fixes of the encoding; the operands fill in the
// rest. For synALU and synJump the opcode has the source bit clear and a
// register operand sets it.
type form struct {
	syn    syntax
	opcode uint8
	off    int16 // sdiv/smod: 1, movsx: source width
	imm    int32 // byte swaps: width
}

// forms maps every lower-case mnemonic except call and lock, whose
// operands start with keywords, to its encoding.
var forms = buildForms()

func buildForms() map[string]form {
	m := map[string]form{}
	alu, alu64 := uint8(isa.ClassALU), uint8(isa.ClassALU64)
	for _, a := range []struct {
		name string
		op   isa.ALUOp
		off  int16
	}{
		{"add", isa.ALUAdd, 0}, {"sub", isa.ALUSub, 0}, {"mul", isa.ALUMul, 0},
		{"div", isa.ALUDiv, 0}, {"sdiv", isa.ALUDiv, 1}, {"or", isa.ALUOr, 0},
		{"and", isa.ALUAnd, 0}, {"lsh", isa.ALULsh, 0}, {"rsh", isa.ALURsh, 0},
		{"mod", isa.ALUMod, 0}, {"smod", isa.ALUMod, 1}, {"xor", isa.ALUXor, 0},
		{"mov", isa.ALUMov, 0}, {"arsh", isa.ALUArsh, 0},
	} {
		m[a.name] = form{syn: synALU, opcode: alu64 | uint8(a.op), off: a.off}
		m[a.name+"32"] = form{syn: synALU, opcode: alu | uint8(a.op), off: a.off}
	}
	m["neg"] = form{syn: synUnary, opcode: alu64 | uint8(isa.ALUNeg)}
	m["neg32"] = form{syn: synUnary, opcode: alu | uint8(isa.ALUNeg)}

	mov := uint8(isa.ALUMov) | uint8(isa.SourceX)
	m["movsx832"] = form{syn: synMovSX, opcode: alu | mov, off: 8}
	m["movsx1632"] = form{syn: synMovSX, opcode: alu | mov, off: 16}
	m["movsx864"] = form{syn: synMovSX, opcode: alu64 | mov, off: 8}
	m["movsx1664"] = form{syn: synMovSX, opcode: alu64 | mov, off: 16}
	m["movsx3264"] = form{syn: synMovSX, opcode: alu64 | mov, off: 32}

	end := uint8(isa.ALUEnd)
	for _, w := range []int32{16, 32, 64} {
		n := fmt.Sprint(w)
		m["le"+n] = form{syn: synUnary, opcode: alu | end, imm: w}
		m["be"+n] = form{syn: synUnary, opcode: alu | end | uint8(isa.SourceX), imm: w}
		m["bswap"+n] = form{syn: synUnary, opcode: alu64 | end, imm: w}
		m["swap"+n] = m["bswap"+n] // older name used by some conformance files
	}

	m["ja"] = form{syn: synJA, opcode: isa.OpJA}
	m["ja32"] = form{syn: synJA32, opcode: isa.OpJA32}
	m["exit"] = form{syn: synExit, opcode: isa.OpExit}
	jmp, jmp32 := uint8(isa.ClassJMP), uint8(isa.ClassJMP32)
	for _, j := range []struct {
		name string
		op   isa.JumpOp
	}{
		{"jeq", isa.JumpEq}, {"jgt", isa.JumpGT}, {"jge", isa.JumpGE}, {"jset", isa.JumpSet},
		{"jne", isa.JumpNE}, {"jsgt", isa.JumpSGT}, {"jsge", isa.JumpSGE}, {"jlt", isa.JumpLT},
		{"jle", isa.JumpLE}, {"jslt", isa.JumpSLT}, {"jsle", isa.JumpSLE},
	} {
		m[j.name] = form{syn: synJump, opcode: jmp | uint8(j.op)}
		m[j.name+"32"] = form{syn: synJump, opcode: jmp32 | uint8(j.op)}
	}

	m["lddw"] = form{syn: synLDDW, opcode: isa.OpLDDW}
	for _, s := range []struct {
		name string
		size isa.Size
	}{{"b", isa.SizeB}, {"h", isa.SizeH}, {"w", isa.SizeW}, {"dw", isa.SizeDW}} {
		sz := uint8(s.size)
		if s.size != isa.SizeDW {
			m["ldabs"+s.name] = form{syn: synLdAbs, opcode: uint8(isa.ClassLD) | uint8(isa.ModeABS) | sz}
			m["ldind"+s.name] = form{syn: synLdInd, opcode: uint8(isa.ClassLD) | uint8(isa.ModeIND) | sz}
			m["ldxs"+s.name] = form{syn: synLoad, opcode: uint8(isa.ClassLDX) | uint8(isa.ModeMEMSX) | sz}
		}
		m["ldx"+s.name] = form{syn: synLoad, opcode: uint8(isa.ClassLDX) | uint8(isa.ModeMEM) | sz}
		m["st"+s.name] = form{syn: synStore, opcode: uint8(isa.ClassST) | uint8(isa.ModeMEM) | sz}
		m["stx"+s.name] = form{syn: synStoreX, opcode: uint8(isa.ClassSTX) | uint8(isa.ModeMEM) | sz}
	}
	return m
}

// atomicOps are the operations after "lock" (and "lock fetch"), with the
// imm value that selects them.
var atomicOps = map[string]int32{
	"add": isa.AtomicAdd, "or": isa.AtomicOr, "and": isa.AtomicAnd, "xor": isa.AtomicXor,
	"xchg": isa.AtomicXchg, "cmpxchg": isa.AtomicCmpXchg,
}

// instruction assembles one instruction line (labels and comment removed)
// and appends its slots to the program.
func (a *assembler) instruction(text string) error {
	word, rest := cutWord(text)
	name := strings.ToLower(word)
	switch name {
	case "call":
		return a.call(rest)
	case "lock":
		return a.lock(rest)
	case ".raw":
		return a.raw(rest)
	}
	f, ok := forms[name]
	if !ok {
		return fmt.Errorf("unknown mnemonic %q", word)
	}
	ops := splitOperands(rest)
	if want := operandCount[f.syn]; len(ops) != want {
		return fmt.Errorf("%s takes %d operand(s), got %d", name, want, len(ops))
	}
	ins := isa.Instruction{Opcode: f.opcode, Offset: f.off, Imm: f.imm}
	var err error
	switch f.syn {
	case synALU:
		err = a.dstOperand(&ins, ops[0], ops[1])
	case synUnary:
		ins.Dst, err = parseRegister(ops[0])
	case synMovSX:
		ins.Dst, ins.Src, err = twoRegisters(ops[0], ops[1])
	case synJA:
		var off int64
		off, err = a.target(ops[0], false)
		ins.Offset = int16(off)
	case synJA32:
		var off int64
		off, err = a.target(ops[0], true)
		ins.Imm = int32(off)
	case synJump:
		if err = a.dstOperand(&ins, ops[0], ops[1]); err == nil {
			var off int64
			off, err = a.target(ops[2], false)
			ins.Offset = int16(off)
		}
	case synExit:
		if a.firstExit < 0 {
			a.firstExit = len(a.prog)
		}
	case synLDDW:
		return a.lddw(ops[0], ops[1])
	case synLdAbs:
		ins.Imm, err = parseImm32(ops[0])
	case synLdInd:
		if ins.Src, err = parseRegister(ops[0]); err == nil {
			ins.Imm, err = parseImm32(ops[1])
		}
	case synLoad:
		if ins.Dst, err = parseRegister(ops[0]); err == nil {
			ins.Src, ins.Offset, err = parseMemory(ops[1])
		}
	case synStore:
		if ins.Dst, ins.Offset, err = parseMemory(ops[0]); err == nil {
			ins.Imm, err = parseImm32(ops[1])
		}
	case synStoreX:
		if ins.Dst, ins.Offset, err = parseMemory(ops[0]); err == nil {
			ins.Src, err = parseRegister(ops[1])
		}
	}
	if err != nil {
		return err
	}
	a.prog = append(a.prog, ins)
	return nil
}

var operandCount = map[syntax]int{
	synALU: 2, synUnary: 1, synMovSX: 2, synJA: 1, synJA32: 1, synJump: 3, synExit: 0,
	synLDDW: 2, synLdAbs: 1, synLdInd: 2, synLoad: 2, synStore: 2, synStoreX: 2,
}

// dstOperand fills in the destination register and the register or
// immediate source of ALU and conditional jump instructions.
func (a *assembler) dstOperand(ins *isa.Instruction, dst, src string) error {
	var err error
	if ins.Dst, err = parseRegister(dst); err != nil {
		return err
	}
	reg, imm, isReg, err := parseOperand(src)
	if isReg {
		ins.Opcode |= uint8(isa.SourceX)
	}
	ins.Src, ins.Imm = reg, imm
	return err
}

func twoRegisters(a, b string) (isa.Register, isa.Register, error) {
	ra, err := parseRegister(a)
	if err != nil {
		return 0, 0, err
	}
	rb, err := parseRegister(b)
	return ra, rb, err
}

// call assembles the four call forms: "call local <target>",
// "call kfunc <btf id>[, <offset>]", "call %rN" and "call <helper id>".
func (a *assembler) call(rest string) error {
	ins := isa.Instruction{Opcode: isa.OpCall}
	keyword, after := cutWord(rest)
	var err error
	switch strings.ToLower(keyword) {
	case "local":
		ins.Src = isa.CallLocal
		var off int64
		off, err = a.target(after, true)
		ins.Imm = int32(off)
	case "kfunc":
		ins.Src = isa.CallKfunc
		ops := splitOperands(after)
		if len(ops) != 1 && len(ops) != 2 {
			return fmt.Errorf("call kfunc takes 1 or 2 operands, got %d", len(ops))
		}
		if ins.Imm, err = parseImm32(ops[0]); err == nil && len(ops) == 2 {
			var off int64
			off, err = parseSigned(ops[1], math.MinInt16, math.MaxInt16)
			if err != nil {
				err = intError("offset", ops[1], err)
			}
			ins.Offset = int16(off)
		}
	default:
		ops := splitOperands(rest)
		if len(ops) != 1 {
			return fmt.Errorf("call takes 1 operand, got %d", len(ops))
		}
		if looksLikeRegister(ops[0]) {
			ins.Opcode = isa.OpCallX
			ins.Dst, err = parseRegister(ops[0])
		} else {
			ins.Imm, err = parseImm32(ops[0])
		}
	}
	if err != nil {
		return err
	}
	a.prog = append(a.prog, ins)
	return nil
}

// lock assembles "lock [fetch] <op>[32] [dst+off], src".
func (a *assembler) lock(rest string) error {
	word, rest := cutWord(rest)
	name := strings.ToLower(word)
	fetch := name == "fetch"
	if fetch {
		word, rest = cutWord(rest)
		name = strings.ToLower(word)
	}
	size := isa.SizeDW
	if base, ok := strings.CutSuffix(name, "32"); ok {
		name, size = base, isa.SizeW
	}
	op, ok := atomicOps[name]
	if !ok || fetch && op&isa.AtomicFetch != 0 {
		if fetch {
			word = "fetch " + word
		}
		return fmt.Errorf("unknown atomic operation %q", word)
	}
	if fetch {
		op |= isa.AtomicFetch
	}
	ops := splitOperands(rest)
	if len(ops) != 2 {
		return fmt.Errorf("lock takes 2 operands, got %d", len(ops))
	}
	ins := isa.Instruction{Opcode: uint8(isa.ClassSTX) | uint8(isa.ModeATOMIC) | uint8(size), Imm: op}
	var err error
	if ins.Dst, ins.Offset, err = parseMemory(ops[0]); err != nil {
		return err
	}
	if ins.Src, err = parseRegister(ops[1]); err != nil {
		return err
	}
	a.prog = append(a.prog, ins)
	return nil
}

// lddw assembles the two slots of a 64-bit load: a plain constant or one of
// the pseudo sources written as name(args).
func (a *assembler) lddw(dst, value string) error {
	lo := isa.Instruction{Opcode: isa.OpLDDW}
	var hi isa.Instruction
	var err error
	if lo.Dst, err = parseRegister(dst); err != nil {
		return err
	}
	open := strings.IndexByte(value, '(')
	if open < 0 {
		v, err := parseImm64(value)
		if err != nil {
			return err
		}
		lo.Imm, hi.Imm = int32(uint32(v)), int32(uint32(v>>32))
		a.prog = append(a.prog, lo, hi)
		return nil
	}
	if !strings.HasSuffix(value, ")") {
		return fmt.Errorf("expected ')' at the end of %q", value)
	}
	pseudo := strings.ToLower(strings.TrimSpace(value[:open]))
	args := splitOperands(value[open+1 : len(value)-1])
	kind, ok := pseudoSources[pseudo]
	if !ok {
		return fmt.Errorf("unknown lddw source %q", pseudo)
	}
	want := 1
	if kind == isa.PseudoMapValue || kind == isa.PseudoMapIdxValue {
		want = 2
	}
	if len(args) != want {
		return fmt.Errorf("%s takes %d argument(s), got %d", pseudo, want, len(args))
	}
	lo.Src = isa.Register(kind)
	if kind == isa.PseudoFunc {
		var off int64
		off, err = a.target(args[0], true)
		lo.Imm = int32(off)
	} else if lo.Imm, err = parseImm32(args[0]); err == nil && want == 2 {
		hi.Imm, err = parseImm32(args[1])
	}
	if err != nil {
		return err
	}
	a.prog = append(a.prog, lo, hi)
	return nil
}

var pseudoSources = map[string]int{
	"map_fd": isa.PseudoMapFD, "map_value": isa.PseudoMapValue, "btf_id": isa.PseudoBTFID,
	"func": isa.PseudoFunc, "map_idx": isa.PseudoMapIdx, "map_idx_value": isa.PseudoMapIdxValue,
}

// raw assembles ".raw <word>": one slot given as the little-endian 64-bit
// word of its encoding, the form the disassembler uses for invalid slots.
func (a *assembler) raw(rest string) error {
	ops := splitOperands(rest)
	if len(ops) != 1 {
		return fmt.Errorf(".raw takes 1 operand, got %d", len(ops))
	}
	v, err := parseImm64(ops[0])
	if err != nil {
		return err
	}
	a.prog = append(a.prog, isa.DecodeOne(binary.LittleEndian.AppendUint64(nil, v)))
	return nil
}

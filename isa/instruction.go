package isa

import "fmt"

// Register is an eBPF register number, R0 to R10.
type Register uint8

// The eleven eBPF registers. R10 is the read-only frame pointer.
const (
	R0 Register = iota
	R1
	R2
	R3
	R4
	R5
	R6
	R7
	R8
	R9
	R10
)

// NumRegisters is the number of architectural eBPF registers.
const NumRegisters = 11

func (r Register) String() string { return fmt.Sprintf("%%r%d", uint8(r)) }

// InstructionSize is the size of one instruction slot in bytes.
const InstructionSize = 8

// Instruction is one 8-byte slot of a program, field by field as encoded.
// Dst and Src hold the raw 4-bit fields: for lddw and call the Src field
// carries a pseudo kind rather than a register.
type Instruction struct {
	Opcode uint8
	Dst    Register
	Src    Register
	Offset int16
	Imm    int32

	// Ref names what a pseudo lddw or a call refers to symbolically (a map,
	// a global-data section, a function) when the program came from an
	// object file. It is not part of the encoding.
	Ref string
}

// Class returns the instruction class.
func (ins Instruction) Class() Class { return Class(ins.Opcode & 0x07) }

// Source returns the operand source bit of ALU and jump instructions.
func (ins Instruction) Source() Source { return Source(ins.Opcode & 0x08) }

// ALUOp returns the operation of an ALU or ALU64 instruction.
func (ins Instruction) ALUOp() ALUOp { return ALUOp(ins.Opcode & 0xf0) }

// JumpOp returns the operation of a JMP or JMP32 instruction.
func (ins Instruction) JumpOp() JumpOp { return JumpOp(ins.Opcode & 0xf0) }

// Size returns the access width of a load or store.
func (ins Instruction) Size() Size { return Size(ins.Opcode & 0x18) }

// Mode returns the addressing mode of a load or store.
func (ins Instruction) Mode() Mode { return Mode(ins.Opcode & 0xe0) }

// IsLDDW reports whether the instruction is the first slot of a 16-byte
// 64-bit immediate load.
func (ins Instruction) IsLDDW() bool { return ins.Opcode == OpLDDW }

// Kind is the logical operation an instruction performs, independent of
// its operand widths and sources. Engines switch on it.
type Kind uint8

// Instruction kinds.
const (
	KindInvalid    Kind = iota
	KindALU             // dst op= src|imm (add, sub, mul, div, sdiv, or, and, lsh, rsh, mod, smod, xor, arsh)
	KindNeg             // dst = -dst
	KindMov             // dst = src|imm
	KindMovSX           // dst = sign-extended low Offset bits of src
	KindEnd             // le/be: convert to the given byte order, truncating to Imm bits
	KindBswap           // unconditional byte swap of the low Imm bits (ALU64 END)
	KindJA              // pc += Offset
	KindJA32            // pc += Imm (gotol)
	KindJump            // conditional jump
	KindCall            // helper call by id
	KindCallLocal       // bpf-to-bpf call, pc += Imm
	KindCallKfunc       // kernel function by BTF id
	KindCallX           // call through the register in Dst
	KindExit            // return r0
	KindLDDW            // 64-bit immediate (first slot)
	KindLDDWHigh        // second slot of lddw
	KindLoad            // dst = *(size *)(src + off)
	KindLoadSX          // dst = *(signed size *)(src + off)
	KindStore           // *(size *)(dst + off) = imm
	KindStoreX          // *(size *)(dst + off) = src
	KindAtomic          // atomic read-modify-write on *(size *)(dst + off)
	KindLegacyLoad      // BPF_ABS / BPF_IND packet load
)

// Is64 reports whether an ALU or jump instruction works on 64 bits
// (ALU64 and JMP classes) rather than on the low 32.
func (ins Instruction) Is64() bool {
	c := ins.Class()
	return c == ClassALU64 || c == ClassJMP
}

// IsSigned reports whether a division or modulo is the signed form.
func (ins Instruction) IsSigned() bool { return ins.Offset == 1 }

// Kind classifies the instruction by what it does. It does not vouch for
// the encoding: an instruction with non-zero reserved fields still has a
// kind, and some malformed operand fields (a movsx width, a byte-swap
// width) give KindInvalid. Only Check says whether a slot is valid.
func (ins Instruction) Kind() Kind {
	k, _ := ins.classify()
	return k
}

// Check returns a description of what is wrong with the instruction's
// encoding (unknown opcode, reserved fields not zero, bad widths), or nil.
// It looks at one slot alone: the second slot of lddw is checked by the
// caller that knows where it sits.
func (ins Instruction) Check() error {
	_, err := ins.classify()
	return err
}

func (ins Instruction) classify() (Kind, error) {
	switch ins.Class() {
	case ClassALU, ClassALU64:
		return ins.classifyALU()
	case ClassJMP, ClassJMP32:
		return ins.classifyJump()
	case ClassLD:
		return ins.classifyLD()
	case ClassLDX:
		return ins.classifyLDX()
	case ClassST:
		if ins.Mode() != ModeMEM {
			return KindInvalid, ins.unknown()
		}
		if ins.Src != 0 {
			return KindInvalid, fmt.Errorf("store immediate with non-zero src field %d", ins.Src)
		}
		if ins.Dst > R10 {
			return KindInvalid, fmt.Errorf("invalid dst register %d", ins.Dst)
		}
		return KindStore, nil
	case ClassSTX:
		return ins.classifySTX()
	}
	return KindInvalid, ins.unknown()
}

func (ins Instruction) unknown() error {
	return fmt.Errorf("unknown opcode 0x%02x", ins.Opcode)
}

func (ins Instruction) regs(needDst, needSrc bool) error {
	if ins.Dst > R10 {
		return fmt.Errorf("invalid dst register %d", ins.Dst)
	}
	if ins.Src > R10 {
		return fmt.Errorf("invalid src register %d", ins.Src)
	}
	if !needDst && ins.Dst != 0 {
		return fmt.Errorf("reserved dst field is %d, want 0", ins.Dst)
	}
	if !needSrc && ins.Src != 0 {
		return fmt.Errorf("reserved src field is %d, want 0", ins.Src)
	}
	return nil
}

func (ins Instruction) zeroImm() error {
	if ins.Imm != 0 {
		return fmt.Errorf("reserved imm field is %d, want 0", ins.Imm)
	}
	return nil
}

func (ins Instruction) zeroOff() error {
	if ins.Offset != 0 {
		return fmt.Errorf("reserved offset field is %d, want 0", ins.Offset)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (ins Instruction) classifyALU() (Kind, error) {
	x := ins.Source() == SourceX
	operands := func() error {
		if x {
			return firstErr(ins.regs(true, true), ins.zeroImm())
		}
		return ins.regs(true, false)
	}
	switch op := ins.ALUOp(); op {
	case ALUAdd, ALUSub, ALUMul, ALUOr, ALUAnd, ALULsh, ALURsh, ALUXor, ALUArsh:
		return KindALU, firstErr(operands(), ins.zeroOff())
	case ALUDiv, ALUMod:
		if ins.Offset != 0 && ins.Offset != 1 {
			return KindInvalid, fmt.Errorf("division offset is %d, want 0 (unsigned) or 1 (signed)", ins.Offset)
		}
		return KindALU, operands()
	case ALUNeg:
		if x {
			return KindInvalid, ins.unknown()
		}
		return KindNeg, firstErr(ins.regs(true, false), ins.zeroImm(), ins.zeroOff())
	case ALUMov:
		if ins.Offset == 0 {
			return KindMov, operands()
		}
		if !x {
			return KindInvalid, fmt.Errorf("mov immediate with non-zero offset %d", ins.Offset)
		}
		switch ins.Offset {
		case 8, 16:
		case 32:
			if ins.Class() != ClassALU64 {
				return KindInvalid, fmt.Errorf("32-bit movsx from 32 bits is not defined")
			}
		default:
			return KindInvalid, fmt.Errorf("movsx offset is %d, want 8, 16 or 32", ins.Offset)
		}
		return KindMovSX, operands()
	case ALUEnd:
		if ins.Imm != 16 && ins.Imm != 32 && ins.Imm != 64 {
			return KindInvalid, fmt.Errorf("byte swap width is %d, want 16, 32 or 64", ins.Imm)
		}
		if err := firstErr(ins.regs(true, false), ins.zeroOff()); err != nil {
			return KindInvalid, err
		}
		if ins.Class() == ClassALU64 {
			if x {
				return KindInvalid, ins.unknown()
			}
			return KindBswap, nil
		}
		return KindEnd, nil
	}
	return KindInvalid, ins.unknown()
}

func (ins Instruction) classifyJump() (Kind, error) {
	jmp32 := ins.Class() == ClassJMP32
	x := ins.Source() == SourceX
	switch op := ins.JumpOp(); op {
	case JumpA:
		if x {
			return KindInvalid, ins.unknown()
		}
		if jmp32 {
			return KindJA32, firstErr(ins.regs(false, false), ins.zeroOff())
		}
		return KindJA, firstErr(ins.regs(false, false), ins.zeroImm())
	case JumpEq, JumpGT, JumpGE, JumpSet, JumpNE, JumpSGT, JumpSGE, JumpLT, JumpLE, JumpSLT, JumpSLE:
		if x {
			return KindJump, firstErr(ins.regs(true, true), ins.zeroImm())
		}
		return KindJump, ins.regs(true, false)
	case JumpCall:
		if jmp32 {
			return KindInvalid, ins.unknown()
		}
		if x {
			// callx: the target is in the dst register.
			return KindCallX, firstErr(ins.regs(true, false), ins.zeroImm(), ins.zeroOff())
		}
		if ins.Dst != 0 {
			return KindInvalid, fmt.Errorf("reserved dst field is %d, want 0", ins.Dst)
		}
		switch ins.Src {
		case CallHelper:
			return KindCall, ins.zeroOff()
		case CallLocal:
			return KindCallLocal, ins.zeroOff()
		case CallKfunc:
			return KindCallKfunc, nil
		}
		return KindInvalid, fmt.Errorf("call with unknown src kind %d", ins.Src)
	case JumpExit:
		if jmp32 || x {
			return KindInvalid, ins.unknown()
		}
		return KindExit, firstErr(ins.regs(false, false), ins.zeroImm(), ins.zeroOff())
	}
	return KindInvalid, ins.unknown()
}

func (ins Instruction) classifyLD() (Kind, error) {
	if ins.Opcode == 0 {
		// Only valid as the second slot of lddw; the program-level checks
		// report a stray one.
		return KindLDDWHigh, firstErr(ins.regs(false, false), ins.zeroOff())
	}
	switch ins.Mode() {
	case ModeIMM:
		if ins.Size() != SizeDW {
			return KindInvalid, ins.unknown()
		}
		if ins.Dst > R10 {
			return KindInvalid, fmt.Errorf("invalid dst register %d", ins.Dst)
		}
		if ins.Src > PseudoMapIdxValue {
			return KindInvalid, fmt.Errorf("lddw with unknown pseudo source %d", ins.Src)
		}
		return KindLDDW, ins.zeroOff()
	case ModeABS, ModeIND:
		if ins.Size() == SizeDW {
			return KindInvalid, ins.unknown()
		}
		if ins.Mode() == ModeABS {
			return KindLegacyLoad, firstErr(ins.regs(false, false), ins.zeroOff())
		}
		return KindLegacyLoad, firstErr(ins.regs(false, true), ins.zeroOff())
	}
	return KindInvalid, ins.unknown()
}

func (ins Instruction) classifyLDX() (Kind, error) {
	switch ins.Mode() {
	case ModeMEM:
		return KindLoad, firstErr(ins.regs(true, true), ins.zeroImm())
	case ModeMEMSX:
		if ins.Size() == SizeDW {
			return KindInvalid, ins.unknown()
		}
		return KindLoadSX, firstErr(ins.regs(true, true), ins.zeroImm())
	}
	return KindInvalid, ins.unknown()
}

func (ins Instruction) classifySTX() (Kind, error) {
	switch ins.Mode() {
	case ModeMEM:
		return KindStoreX, firstErr(ins.regs(true, true), ins.zeroImm())
	case ModeATOMIC:
		if ins.Size() != SizeW && ins.Size() != SizeDW {
			return KindInvalid, fmt.Errorf("atomic operation on %d bytes (want 4 or 8)", ins.Size().Bytes())
		}
		switch ins.Imm {
		case AtomicAdd, AtomicOr, AtomicAnd, AtomicXor,
			AtomicAdd | AtomicFetch, AtomicOr | AtomicFetch, AtomicAnd | AtomicFetch, AtomicXor | AtomicFetch,
			AtomicXchg, AtomicCmpXchg:
			return KindAtomic, ins.regs(true, true)
		}
		return KindInvalid, fmt.Errorf("unknown atomic operation 0x%x", ins.Imm)
	}
	return KindInvalid, ins.unknown()
}

// Imm64 returns the 64-bit constant of the lddw at pc, combining its two
// slots. It returns 0 if the second slot is missing.
func Imm64(prog []Instruction, pc int) uint64 {
	lo := uint64(uint32(prog[pc].Imm))
	if pc+1 >= len(prog) {
		return lo
	}
	return lo | uint64(uint32(prog[pc+1].Imm))<<32
}

// LDDW returns the two slots of a plain 64-bit immediate load.
func LDDW(dst Register, v uint64) [2]Instruction {
	return [2]Instruction{
		{Opcode: OpLDDW, Dst: dst, Imm: int32(uint32(v))},
		{Imm: int32(uint32(v >> 32))},
	}
}

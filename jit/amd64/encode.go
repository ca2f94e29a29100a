package amd64

import (
	"encoding/binary"
	"fmt"
)

// This file turns an Inst into x86-64 machine code. The encoder is
// deliberately table-free: each Op is mapped onto a small record of
// encoding fields (prefixes, opcode, ModRM, immediate) and one routine
// lays the record out. The JIT only needs a few dozen forms, and writing
// each out by hand keeps the choices visible and checkable against the
// Intel SDM (Vol. 2, chapter 2 and the per-instruction pages).
//
// Where x86 offers more than one encoding for the same instruction, the
// encoder always makes the same choice, so that code size is predictable
// and golden tests are stable:
//   - register-to-register ALU ops, MOV, TEST and XCHG use the
//     "r/m, reg" (MR) opcode with the destination in ModRM.rm;
//   - immediates use the sign-extended imm8 form (0x83) when it fits,
//     and never the short accumulator forms (0x05, 0xA9, ...);
//   - shifts by an immediate always use C1/C0 ib, never D1 for a count of 1;
//   - prefixes are emitted as LOCK, 0x66, REP, then REX, i.e. in the
//     SDM's prefix-group order with REX last as it must be.

// form is one instruction broken into the fields of the x86 encoding.
type form struct {
	lock   bool // F0
	opsize bool // 66: 16-bit operand size
	rep    bool // F3
	w      bool // REX.W: 64-bit operand size
	// byteRex forces a REX prefix even when no REX bit is set, because
	// without one ModRM register numbers 4-7 in byte operations name
	// AH/CH/DH/BH instead of SPL/BPL/SIL/DIL.
	byteRex bool

	opcode  [3]byte
	nopcode int

	// plusReg is a register folded into the low three bits of the last
	// opcode byte (B8+r, C8+r) with its high bit in REX.B.
	plusReg    Reg
	hasPlusReg bool

	hasModRM bool
	reg      byte    // ModRM.reg: a register number (0-15) or an opcode extension /digit (0-7)
	rm       Operand // ModRM.rm: a register or memory operand

	imm    int64
	immLen int // 0, 1, 2, 4 or 8 bytes
}

func (f *form) op(b ...byte) {
	f.nopcode = copy(f.opcode[:], b)
}

// setSize records the operand-size prefixes for size. 1 and 4 need none:
// byte operations have their own opcodes and 32 bits is the default.
func (f *form) setSize(size uint8) {
	switch size {
	case 2:
		f.opsize = true
	case 8:
		f.w = true
	}
}

// byteReg notes that r is used as an 8-bit register, which needs a REX
// prefix for SPL/BPL/SIL/DIL.
func (f *form) byteReg(r Reg) {
	if r >= RSP && r <= RDI {
		f.byteRex = true
	}
}

// modRM sets the ModRM fields. reg is a register or a /digit extension.
// When byteOps is set, register operands are 8-bit registers.
func (f *form) modRM(reg byte, rm Operand, byteOps bool) {
	f.hasModRM = true
	f.reg = reg
	f.rm = rm
	if byteOps && rm.Kind == KindReg {
		f.byteReg(rm.Reg)
	}
}

// modRMReg is modRM with a register in the reg field.
func (f *form) modRMReg(reg Reg, rm Operand, byteOps bool) {
	f.modRM(byte(reg), rm, byteOps)
	if byteOps {
		f.byteReg(reg)
	}
}

func (f *form) setImm(v int64, n int) {
	f.imm = v
	f.immLen = n
}

// rexByte returns the REX prefix, or 0 when none is needed.
func (f *form) rexByte() byte {
	var rex byte
	if f.w {
		rex |= 8
	}
	if f.hasModRM {
		if f.reg&8 != 0 {
			rex |= 4
		}
		switch f.rm.Kind {
		case KindReg:
			if f.rm.Reg.ext() {
				rex |= 1
			}
		case KindMem:
			if f.rm.Mem.Base.ext() {
				rex |= 1
			}
			if f.rm.Mem.Index != NoReg && f.rm.Mem.Index.ext() {
				rex |= 2
			}
		}
	}
	if f.hasPlusReg && f.plusReg.ext() {
		rex |= 1
	}
	if rex != 0 || f.byteRex {
		return 0x40 | rex
	}
	return 0
}

// scaleBits maps an index scale to the SIB.ss field.
func scaleBits(scale uint8) byte {
	switch scale {
	case 2:
		return 1
	case 4:
		return 2
	case 8:
		return 3
	}
	return 0
}

func fitsInt8(v int64) bool  { return v >= -128 && v <= 127 }
func fitsInt32(v int64) bool { return v >= -1<<31 && v <= 1<<31-1 }

// appendModRM appends ModRM, SIB and displacement. Memory operands have
// been validated (checkOperand), so every field is in range here.
func (f *form) appendModRM(buf []byte) []byte {
	reg := f.reg & 7
	if f.rm.Kind == KindReg {
		return append(buf, 0xc0|reg<<3|f.rm.Reg.low3())
	}
	m := f.rm.Mem
	var mod byte
	switch {
	// rm/base 101 with mod 00 means RIP-relative (or no base in a SIB),
	// so RBP and R13 always carry a displacement, even a zero one.
	case m.Disp == 0 && m.Base.low3() != 5:
		mod = 0
	case fitsInt8(int64(m.Disp)):
		mod = 1
	default:
		mod = 2
	}
	// rm 100 means "a SIB byte follows", so RSP and R12 as a base can
	// only be expressed through a SIB with index 100 (none).
	if m.Index == NoReg && m.Base.low3() != 4 {
		buf = append(buf, mod<<6|reg<<3|m.Base.low3())
	} else {
		index, ss := byte(4), byte(0)
		if m.Index != NoReg {
			index, ss = m.Index.low3(), scaleBits(m.Scale)
		}
		buf = append(buf, mod<<6|reg<<3|4, ss<<6|index<<3|m.Base.low3())
	}
	switch mod {
	case 1:
		buf = append(buf, byte(int8(m.Disp)))
	case 2:
		buf = binary.LittleEndian.AppendUint32(buf, uint32(m.Disp))
	}
	return buf
}

// appendTo lays the instruction out.
func (f *form) appendTo(buf []byte) []byte {
	if f.lock {
		buf = append(buf, 0xf0)
	}
	if f.opsize {
		buf = append(buf, 0x66)
	}
	if f.rep {
		buf = append(buf, 0xf3)
	}
	if rex := f.rexByte(); rex != 0 {
		buf = append(buf, rex)
	}
	op := f.opcode[:f.nopcode]
	if f.hasPlusReg {
		buf = append(buf, op[:len(op)-1]...)
		buf = append(buf, op[len(op)-1]|f.plusReg.low3())
	} else {
		buf = append(buf, op...)
	}
	if f.hasModRM {
		buf = f.appendModRM(buf)
	}
	switch f.immLen {
	case 1:
		buf = append(buf, byte(f.imm))
	case 2:
		buf = binary.LittleEndian.AppendUint16(buf, uint16(f.imm))
	case 4:
		buf = binary.LittleEndian.AppendUint32(buf, uint32(f.imm))
	case 8:
		buf = binary.LittleEndian.AppendUint64(buf, uint64(f.imm))
	}
	return buf
}

// encodeError builds the error for an instruction that has no encoding.
// It names the instruction as String formats it so a backend bug can be
// matched with the code that produced it.
func encodeError(in *Inst, format string, args ...any) error {
	return fmt.Errorf("amd64: cannot encode %q: %s", in.String(), fmt.Sprintf(format, args...))
}

// checkOperand rejects operands that no instruction can encode, so the
// per-op code only has to decide whether the operand kinds fit.
func checkOperand(in *Inst, o Operand) error {
	switch o.Kind {
	case KindNone, KindImm:
		return nil
	case KindReg:
		if o.Reg > R15 {
			return encodeError(in, "invalid register %d", o.Reg)
		}
		return nil
	case KindMem:
		m := o.Mem
		if m.Base > R15 {
			// Absolute and RIP-relative addressing are not needed by
			// the JIT, so a base register is required.
			return encodeError(in, "memory operand needs a base register")
		}
		if m.Index == NoReg {
			return nil
		}
		if m.Index > R15 {
			return encodeError(in, "invalid index register %d", m.Index)
		}
		if m.Index == RSP {
			// SIB index 100 without REX.X means "no index".
			return encodeError(in, "rsp cannot be an index register")
		}
		switch m.Scale {
		case 1, 2, 4, 8:
			return nil
		}
		return encodeError(in, "invalid scale %d", m.Scale)
	case KindLabel:
		return encodeError(in, "label operands need EncodeBranch")
	}
	return encodeError(in, "invalid operand kind %d", o.Kind)
}

func isRM(o Operand) bool { return o.Kind == KindReg || o.Kind == KindMem }

// immFits reports whether v is a valid immediate for an operand of size
// bytes. For sizes below 8 the value may be written signed or unsigned
// (0xffffffff and -1 are the same 32-bit immediate), since the backend
// often holds 32-bit constants as uint32. For size 8, immediates are
// sign-extended from 32 bits, so v must fit int32.
func immFits(v int64, size uint8) bool {
	switch size {
	case 1:
		return v >= -1<<7 && v <= 1<<8-1
	case 2:
		return v >= -1<<15 && v <= 1<<16-1
	case 4:
		return v >= -1<<31 && v <= 1<<32-1
	}
	return fitsInt32(v)
}

// truncImm reinterprets an immediate accepted by immFits as a signed value
// of the operand size, which is what decides whether imm8 suffices.
func truncImm(v int64, size uint8) int64 {
	switch size {
	case 1:
		return int64(int8(v))
	case 2:
		return int64(int16(v))
	case 4:
		return int64(int32(v))
	}
	return v
}

// fullImmLen is the length of a full-width immediate: instructions with
// 64-bit operands still take 32-bit immediates.
func fullImmLen(size uint8) int {
	if size == 8 {
		return 4
	}
	return int(size)
}

// aluDigit is the /digit and opcode row of the classic ALU group
// (00-3F and 80/81/83 /digit).
var aluDigit = [numOps]byte{ADD: 0, OR: 1, AND: 4, SUB: 5, XOR: 6, CMP: 7}

// unaryDigit is the /digit of the F6/F7 group.
var unaryDigit = [numOps]byte{TEST: 0, NOT: 2, NEG: 3, DIV: 6, IDIV: 7}

// shiftDigit is the /digit of the C0/C1/D2/D3 group.
var shiftDigit = [numOps]byte{ROL: 0, SHL: 4, SHR: 5, SAR: 7}

// lockable lists the instructions the LOCK prefix is defined for (with a
// memory destination) that the backend emits; any other use raises #UD.
var lockable = [numOps]bool{ADD: true, SUB: true, AND: true, OR: true, XOR: true,
	NEG: true, NOT: true, XCHG: true, XADD: true, CMPXCHG: true}

// Encode appends the machine code of a non-branch instruction.
//
// It returns an error, and buf unchanged, when the instruction has no
// x86-64 encoding: wrong operand kinds for the op (e.g. memory to memory),
// an immediate that does not fit, a bad size, register or scale, a Label
// operand, or an unknown op. JMP and CALL are accepted here only with a
// register or memory operand (the indirect forms FF /4 and FF /2); label
// targets go through EncodeBranch, because their displacement depends on
// layout.
func Encode(buf []byte, in *Inst) ([]byte, error) {
	if in == nil {
		return buf, fmt.Errorf("amd64: cannot encode a nil instruction")
	}
	var f form
	if err := build(&f, in); err != nil {
		return buf, err
	}
	return f.appendTo(buf), nil
}

// build fills f from in, or says why in cannot be encoded.
func build(f *form, in *Inst) error {
	if err := checkOperand(in, in.Dst); err != nil {
		return err
	}
	if err := checkOperand(in, in.Src); err != nil {
		return err
	}
	if in.Lock {
		if in.Op >= numOps || !lockable[in.Op] || in.Dst.Kind != KindMem {
			return encodeError(in, "lock needs a lockable instruction with a memory destination")
		}
		f.lock = true
	}
	if in.Rep {
		if in.Op != STOSQ {
			return encodeError(in, "rep is only supported on stosq")
		}
		f.rep = true
	}
	dst, src := in.Dst, in.Src
	size := in.Size
	byteOps := size == 1
	// Each op lists the sizes it has encodings for: not every op has a
	// byte or 16-bit form (imul r8, bswap r16), and the sizes that are
	// implicit (setcc, stosq, ret) may be left zero.
	needSize := func(sizes ...uint8) error {
		for _, s := range sizes {
			if size == s {
				return nil
			}
		}
		return encodeError(in, "invalid size %d", size)
	}
	noOperands := func() error {
		if dst.Kind != KindNone || src.Kind != KindNone {
			return encodeError(in, "takes no operands")
		}
		return nil
	}
	badOperands := func() error { return encodeError(in, "invalid operand combination") }
	checkCond := func() error {
		if in.Cond > CondG {
			return encodeError(in, "invalid condition %d", in.Cond)
		}
		return nil
	}

	switch in.Op {
	case ADD, OR, AND, SUB, XOR, CMP:
		if err := needSize(1, 2, 4, 8); err != nil {
			return err
		}
		f.setSize(size)
		row := aluDigit[in.Op] << 3
		w := byte(1) // low opcode bit: 0 for byte operands
		if byteOps {
			w = 0
		}
		switch {
		case isRM(dst) && src.Kind == KindReg:
			f.op(row | w) // op r/m, r
			f.modRMReg(src.Reg, dst, byteOps)
		case dst.Kind == KindReg && src.Kind == KindMem:
			f.op(row | 2 | w) // op r, r/m
			f.modRMReg(dst.Reg, src, byteOps)
		case isRM(dst) && src.Kind == KindImm:
			if !immFits(src.Imm, size) {
				return encodeError(in, "immediate %d does not fit", src.Imm)
			}
			v := truncImm(src.Imm, size)
			switch {
			case byteOps:
				f.op(0x80)
				f.setImm(v, 1)
			case fitsInt8(v):
				f.op(0x83) // imm8, sign-extended to the operand size
				f.setImm(v, 1)
			default:
				f.op(0x81)
				f.setImm(v, fullImmLen(size))
			}
			f.modRM(aluDigit[in.Op], dst, byteOps)
		default:
			return badOperands()
		}

	case TEST:
		if err := needSize(1, 2, 4, 8); err != nil {
			return err
		}
		f.setSize(size)
		switch {
		case isRM(dst) && src.Kind == KindReg:
			f.op(0x84 | b2w(!byteOps))
			f.modRMReg(src.Reg, dst, byteOps)
		case isRM(dst) && src.Kind == KindImm:
			if !immFits(src.Imm, size) {
				return encodeError(in, "immediate %d does not fit", src.Imm)
			}
			// TEST has no imm8 form: F6 ib, or F7 with a full immediate.
			f.op(0xf6 | b2w(!byteOps))
			f.modRM(unaryDigit[TEST], dst, byteOps)
			f.setImm(truncImm(src.Imm, size), fullImmLen(size))
		default:
			return badOperands()
		}

	case MOV:
		if err := needSize(1, 2, 4, 8); err != nil {
			return err
		}
		f.setSize(size)
		w := b2w(!byteOps)
		switch {
		case isRM(dst) && src.Kind == KindReg:
			f.op(0x88 | w) // mov r/m, r
			f.modRMReg(src.Reg, dst, byteOps)
		case dst.Kind == KindReg && src.Kind == KindMem:
			f.op(0x8a | w) // mov r, r/m
			f.modRMReg(dst.Reg, src, byteOps)
		case dst.Kind == KindReg && src.Kind == KindImm && size == 4:
			// B8+r imm32 is a byte shorter than C7 /0 and, like every
			// 32-bit write, zero-extends into the full register.
			if !immFits(src.Imm, 4) {
				return encodeError(in, "immediate %d does not fit", src.Imm)
			}
			f.op(0xb8)
			f.plusReg, f.hasPlusReg = dst.Reg, true
			f.setImm(src.Imm, 4)
		case isRM(dst) && src.Kind == KindImm:
			if !immFits(src.Imm, size) {
				if size == 8 {
					return encodeError(in, "immediate %d does not fit int32 (use movabs)", src.Imm)
				}
				return encodeError(in, "immediate %d does not fit", src.Imm)
			}
			f.op(0xc6 | w)
			f.modRM(0, dst, byteOps)
			f.setImm(truncImm(src.Imm, size), fullImmLen(size))
		default:
			return badOperands()
		}

	case MOVABS:
		if err := needSize(8); err != nil {
			return err
		}
		if dst.Kind != KindReg || src.Kind != KindImm {
			return badOperands()
		}
		f.w = true
		f.op(0xb8)
		f.plusReg, f.hasPlusReg = dst.Reg, true
		f.setImm(src.Imm, 8)

	case LEA:
		if err := needSize(2, 4, 8); err != nil {
			return err
		}
		if dst.Kind != KindReg || src.Kind != KindMem {
			return badOperands()
		}
		f.setSize(size)
		f.op(0x8d)
		f.modRMReg(dst.Reg, src, false)

	case MOVZX, MOVSX:
		if err := needSize(2, 4, 8); err != nil {
			return err
		}
		if dst.Kind != KindReg || !isRM(src) {
			return badOperands()
		}
		var op byte
		switch {
		case in.SrcSize == 1:
			op = 0xb6
		case in.SrcSize == 2 && size > 2:
			op = 0xb7
		default:
			return encodeError(in, "invalid source size %d", in.SrcSize)
		}
		if in.Op == MOVSX {
			op += 8 // 0F BE / 0F BF
		}
		f.setSize(size)
		f.op(0x0f, op)
		f.modRMReg(dst.Reg, src, false)
		if in.SrcSize == 1 && src.Kind == KindReg {
			f.byteReg(src.Reg)
		}

	case MOVSXD:
		if err := needSize(8); err != nil {
			return err
		}
		if dst.Kind != KindReg || !isRM(src) {
			return badOperands()
		}
		f.w = true
		f.op(0x63)
		f.modRMReg(dst.Reg, src, false)

	case IMUL:
		if err := needSize(2, 4, 8); err != nil {
			return err
		}
		if dst.Kind != KindReg || !isRM(src) {
			return badOperands()
		}
		f.setSize(size)
		f.op(0x0f, 0xaf)
		f.modRMReg(dst.Reg, src, false)

	case NEG, NOT, DIV, IDIV:
		if err := needSize(1, 2, 4, 8); err != nil {
			return err
		}
		if !isRM(dst) || src.Kind != KindNone {
			return badOperands()
		}
		f.setSize(size)
		f.op(0xf6 | b2w(!byteOps))
		f.modRM(unaryDigit[in.Op], dst, byteOps)

	case SHL, SHR, SAR, ROL:
		if err := needSize(1, 2, 4, 8); err != nil {
			return err
		}
		if !isRM(dst) {
			return badOperands()
		}
		f.setSize(size)
		w := b2w(!byteOps)
		switch {
		case src.Kind == KindImm:
			if src.Imm < 0 || src.Imm > 255 {
				return encodeError(in, "shift count %d does not fit imm8", src.Imm)
			}
			f.op(0xc0 | w)
			f.setImm(src.Imm, 1)
		case src.Kind == KindReg && src.Reg == RCX:
			f.op(0xd2 | w) // count in CL
		default:
			return badOperands()
		}
		f.modRM(shiftDigit[in.Op], dst, byteOps)

	case CQO:
		if err := noOperands(); err != nil {
			return err
		}
		if err := needSize(4, 8); err != nil {
			return err
		}
		f.setSize(size)
		f.op(0x99)

	case BSWAP:
		// BSWAP of a 16-bit register is undefined; callers rotate instead.
		if err := needSize(4, 8); err != nil {
			return err
		}
		if dst.Kind != KindReg || src.Kind != KindNone {
			return badOperands()
		}
		f.setSize(size)
		f.op(0x0f, 0xc8)
		f.plusReg, f.hasPlusReg = dst.Reg, true

	case XCHG, XADD, CMPXCHG:
		if err := needSize(1, 2, 4, 8); err != nil {
			return err
		}
		if !isRM(dst) || src.Kind != KindReg {
			return badOperands()
		}
		f.setSize(size)
		w := b2w(!byteOps)
		switch in.Op {
		case XCHG:
			f.op(0x86 | w)
		case XADD:
			f.op(0x0f, 0xc0|w)
		case CMPXCHG:
			f.op(0x0f, 0xb0|w)
		}
		f.modRMReg(src.Reg, dst, byteOps)

	case SETCC:
		if err := checkCond(); err != nil {
			return err
		}
		// The operand is always a byte; Size may be left zero.
		if err := needSize(0, 1); err != nil {
			return err
		}
		if !isRM(dst) || src.Kind != KindNone {
			return badOperands()
		}
		f.op(0x0f, 0x90|byte(in.Cond))
		f.modRM(0, dst, true)

	case CMOVCC:
		if err := checkCond(); err != nil {
			return err
		}
		if err := needSize(2, 4, 8); err != nil {
			return err
		}
		if dst.Kind != KindReg || !isRM(src) {
			return badOperands()
		}
		f.setSize(size)
		f.op(0x0f, 0x40|byte(in.Cond))
		f.modRMReg(dst.Reg, src, false)

	case STOSQ:
		if err := noOperands(); err != nil {
			return err
		}
		// The operands are implicit; Size may be left zero.
		if err := needSize(0, 8); err != nil {
			return err
		}
		f.w = true
		f.op(0xab)

	case RET, UD2, NOP:
		if err := noOperands(); err != nil {
			return err
		}
		if err := needSize(0); err != nil {
			return err
		}
		switch in.Op {
		case RET:
			f.op(0xc3)
		case UD2:
			f.op(0x0f, 0x0b)
		case NOP:
			f.op(0x90)
		}

	case JMP, CALL:
		// Indirect forms only. They are always 64-bit in long mode, so
		// no REX.W is needed; Size may be left zero.
		if !isRM(dst) || src.Kind != KindNone {
			return encodeError(in, "direct branches need EncodeBranch")
		}
		if err := needSize(0, 8); err != nil {
			return err
		}
		f.op(0xff)
		if in.Op == JMP {
			f.modRM(4, dst, false)
		} else {
			f.modRM(2, dst, false)
		}

	case JCC:
		return encodeError(in, "conditional branches need EncodeBranch")

	default:
		return encodeError(in, "unknown op")
	}
	return nil
}

// b2w turns "operands are wider than a byte" into the opcode's w bit.
func b2w(wide bool) byte {
	if wide {
		return 1
	}
	return 0
}

// EncodeBranch appends a JMP, JCC or CALL whose target is rel bytes from
// the end of the instruction. short selects the rel8 form (JMP EB, Jcc
// 7x); CALL has only rel32 (E8) and ignores short.
//
// The branch operand itself (normally a Label) is not looked at: the
// caller resolves it into rel after laying the code out with BranchSize.
//
// EncodeBranch panics if in is not a branch, has an invalid condition, or
// short is set with a rel outside int8. These are layout bugs in the
// caller; truncating the displacement instead would make JIT-compiled
// code jump to the wrong place, which is far worse than a crash.
func EncodeBranch(buf []byte, in *Inst, rel int32, short bool) []byte {
	if in.Op == CALL {
		buf = append(buf, 0xe8)
		return binary.LittleEndian.AppendUint32(buf, uint32(rel))
	}
	if in.Op != JMP && in.Op != JCC {
		panic(fmt.Sprintf("amd64: EncodeBranch of non-branch %q", in.String()))
	}
	if in.Op == JCC && in.Cond > CondG {
		panic(fmt.Sprintf("amd64: EncodeBranch with invalid condition %d", in.Cond))
	}
	if short {
		if !fitsInt8(int64(rel)) {
			panic(fmt.Sprintf("amd64: EncodeBranch: rel %d does not fit a short %q", rel, in.String()))
		}
		if in.Op == JMP {
			return append(buf, 0xeb, byte(int8(rel)))
		}
		return append(buf, 0x70|byte(in.Cond), byte(int8(rel)))
	}
	if in.Op == JMP {
		buf = append(buf, 0xe9)
	} else {
		buf = append(buf, 0x0f, 0x80|byte(in.Cond))
	}
	return binary.LittleEndian.AppendUint32(buf, uint32(rel))
}

// BranchSize returns the size of the EncodeBranch encoding: JMP 2/5,
// JCC 2/6, CALL 5. Layout needs it before the displacements are known.
// Like EncodeBranch it panics on a non-branch, for the same reason: a
// made-up size would silently corrupt the layout.
func BranchSize(in *Inst, short bool) int {
	switch in.Op {
	case CALL:
		return 5
	case JMP:
		if short {
			return 2
		}
		return 5
	case JCC:
		if short {
			return 2
		}
		return 6
	}
	panic(fmt.Sprintf("amd64: BranchSize of non-branch %q", in.String()))
}

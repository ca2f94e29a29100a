// Package isa models the eBPF instruction set of RFC 9669: the raw 8-byte
// instruction encoding, its fields, decoding from bytes and from
// cilium/ebpf, encoding back to bytes, and a canonical text form.
//
// A program is a slice of Instruction with one element per 8-byte slot, so
// jump offsets, error messages and the kernel's instruction numbers all
// count the same thing. The 16-byte lddw occupies two slots: the first holds
// the opcode and the low 32 bits of the constant, the second (opcode 0) the
// high 32 bits. Everything that reads a program goes through this package,
// so the field layout is decided in one place.
package isa

// Class is the low three bits of the opcode.
type Class uint8

// Instruction classes.
const (
	ClassLD    Class = 0x00
	ClassLDX   Class = 0x01
	ClassST    Class = 0x02
	ClassSTX   Class = 0x03
	ClassALU   Class = 0x04
	ClassJMP   Class = 0x05
	ClassJMP32 Class = 0x06
	ClassALU64 Class = 0x07
)

// Source is bit 3 of arithmetic and jump opcodes: immediate or register
// operand. For the END operation the same bit selects the byte order.
type Source uint8

// Operand sources.
const (
	SourceK Source = 0x00 // 32-bit immediate
	SourceX Source = 0x08 // source register
)

// ALUOp is the high four bits of an ALU or ALU64 opcode.
type ALUOp uint8

// Arithmetic operations.
const (
	ALUAdd  ALUOp = 0x00
	ALUSub  ALUOp = 0x10
	ALUMul  ALUOp = 0x20
	ALUDiv  ALUOp = 0x30 // offset 1: signed
	ALUOr   ALUOp = 0x40
	ALUAnd  ALUOp = 0x50
	ALULsh  ALUOp = 0x60
	ALURsh  ALUOp = 0x70
	ALUNeg  ALUOp = 0x80
	ALUMod  ALUOp = 0x90 // offset 1: signed
	ALUXor  ALUOp = 0xa0
	ALUMov  ALUOp = 0xb0 // offset 8/16/32: sign-extending move
	ALUArsh ALUOp = 0xc0
	ALUEnd  ALUOp = 0xd0 // byte swap; imm is the width
)

// JumpOp is the high four bits of a JMP or JMP32 opcode.
type JumpOp uint8

// Jump operations.
const (
	JumpA    JumpOp = 0x00
	JumpEq   JumpOp = 0x10
	JumpGT   JumpOp = 0x20
	JumpGE   JumpOp = 0x30
	JumpSet  JumpOp = 0x40
	JumpNE   JumpOp = 0x50
	JumpSGT  JumpOp = 0x60
	JumpSGE  JumpOp = 0x70
	JumpCall JumpOp = 0x80
	JumpExit JumpOp = 0x90
	JumpLT   JumpOp = 0xa0
	JumpLE   JumpOp = 0xb0
	JumpSLT  JumpOp = 0xc0
	JumpSLE  JumpOp = 0xd0
)

// Size is bits 3-4 of a load or store opcode.
type Size uint8

// Access widths.
const (
	SizeW  Size = 0x00 // 4 bytes
	SizeH  Size = 0x08 // 2 bytes
	SizeB  Size = 0x10 // 1 byte
	SizeDW Size = 0x18 // 8 bytes
)

// Bytes returns the width of the access in bytes.
func (s Size) Bytes() int {
	switch s {
	case SizeW:
		return 4
	case SizeH:
		return 2
	case SizeB:
		return 1
	default:
		return 8
	}
}

// SizeOf returns the Size for an access of n bytes (1, 2, 4 or 8).
func SizeOf(n int) Size {
	switch n {
	case 1:
		return SizeB
	case 2:
		return SizeH
	case 4:
		return SizeW
	default:
		return SizeDW
	}
}

// Mode is the high three bits of a load or store opcode.
type Mode uint8

// Addressing modes.
const (
	ModeIMM    Mode = 0x00 // lddw
	ModeABS    Mode = 0x20 // legacy packet access
	ModeIND    Mode = 0x40 // legacy packet access
	ModeMEM    Mode = 0x60
	ModeMEMSX  Mode = 0x80 // sign-extending load
	ModeATOMIC Mode = 0xc0
)

// Atomic operations, carried in the imm field of STX|ATOMIC.
const (
	AtomicAdd     int32 = 0x00
	AtomicOr      int32 = 0x40
	AtomicAnd     int32 = 0x50
	AtomicXor     int32 = 0xa0
	AtomicFetch   int32 = 0x01 // modifier: return the old value in src
	AtomicXchg    int32 = 0xe0 | AtomicFetch
	AtomicCmpXchg int32 = 0xf0 | AtomicFetch
)

// Pseudo source values of lddw: what the 64-bit immediate refers to.
const (
	PseudoNone        = 0 // plain 64-bit constant
	PseudoMapFD       = 1 // imm: map file descriptor
	PseudoMapValue    = 2 // imm: map fd, next imm: offset into the value
	PseudoBTFID       = 3 // imm: BTF id of a kernel variable
	PseudoFunc        = 4 // imm: relative offset of a function
	PseudoMapIdx      = 5 // imm: index into the program's map table
	PseudoMapIdxValue = 6 // imm: map index, next imm: offset into the value
)

// Source values of the call instruction.
const (
	CallHelper = 0 // imm: helper id
	CallLocal  = 1 // imm: relative offset of the callee
	CallKfunc  = 2 // imm: BTF id of a kernel function
)

// COREPoison is the helper id that libbpf and cilium/ebpf call in place
// of an instruction whose CO-RE relocation failed (a poisoned lddw loads
// it into r10 instead). No helper has it.
const COREPoison = 0xbad2310

// Commonly used full opcodes.
const (
	OpLDDW  uint8 = uint8(ClassLD) | uint8(ModeIMM) | uint8(SizeDW) // 0x18
	OpCall  uint8 = uint8(ClassJMP) | uint8(JumpCall)               // 0x85
	OpCallX uint8 = uint8(ClassJMP) | uint8(JumpCall) | uint8(SourceX)
	OpExit  uint8 = uint8(ClassJMP) | uint8(JumpExit) // 0x95
	OpJA    uint8 = uint8(ClassJMP) | uint8(JumpA)    // 0x05
	OpJA32  uint8 = uint8(ClassJMP32) | uint8(JumpA)  // 0x06, "gotol": offset in imm
)

package isa

import (
	"encoding/binary"
	"fmt"
)

// Decode splits little-endian bytecode into instruction slots. It fails only
// on input that cannot be a program at all (a length that is not a multiple
// of eight, nothing at all, an lddw whose second slot is missing); whether
// the instructions make sense is the validator's business.
func Decode(code []byte) ([]Instruction, error) {
	if len(code) == 0 {
		return nil, fmt.Errorf("empty program")
	}
	if len(code)%InstructionSize != 0 {
		return nil, fmt.Errorf("bytecode length %d is not a multiple of %d (truncated instruction at byte %d)",
			len(code), InstructionSize, len(code)/InstructionSize*InstructionSize)
	}
	prog := make([]Instruction, len(code)/InstructionSize)
	for i := range prog {
		prog[i] = DecodeOne(code[i*InstructionSize:])
	}
	for pc := 0; pc < len(prog); pc++ {
		if prog[pc].IsLDDW() {
			if pc+1 == len(prog) {
				return nil, fmt.Errorf("instruction %d: lddw is truncated (its second slot is missing)", pc)
			}
			pc++
		}
	}
	return prog, nil
}

// DecodeOne decodes a single 8-byte slot; b must hold at least 8 bytes.
func DecodeOne(b []byte) Instruction {
	return Instruction{
		Opcode: b[0],
		Dst:    Register(b[1] & 0x0f),
		Src:    Register(b[1] >> 4),
		Offset: int16(binary.LittleEndian.Uint16(b[2:4])),
		Imm:    int32(binary.LittleEndian.Uint32(b[4:8])),
	}
}

// AppendEncoded appends the little-endian encoding of one slot.
func AppendEncoded(dst []byte, ins Instruction) []byte {
	var b [InstructionSize]byte
	b[0] = ins.Opcode
	b[1] = byte(ins.Dst&0x0f) | byte(ins.Src&0x0f)<<4
	binary.LittleEndian.PutUint16(b[2:4], uint16(ins.Offset))
	binary.LittleEndian.PutUint32(b[4:8], uint32(ins.Imm))
	return append(dst, b[:]...)
}

// Encode returns the little-endian bytecode of a program.
func Encode(prog []Instruction) []byte {
	out := make([]byte, 0, len(prog)*InstructionSize)
	for _, ins := range prog {
		out = AppendEncoded(out, ins)
	}
	return out
}

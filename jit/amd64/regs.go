package amd64

import "fmt"

// Reg is a general-purpose register by its hardware number.
type Reg uint8

// The sixteen general-purpose registers.
const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

// NoReg is the absence of a register (an unused index in an address).
const NoReg Reg = 0xff

var regNames64 = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
var regNames32 = [16]string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"}
var regNames16 = [16]string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"}
var regNames8 = [16]string{"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"}

func (r Reg) String() string { return r.Name(8) }

// Name returns the register's name at an operand size in bytes.
func (r Reg) Name(size uint8) string {
	if r > R15 {
		return fmt.Sprintf("reg%d", uint8(r))
	}
	switch size {
	case 1:
		return regNames8[r]
	case 2:
		return regNames16[r]
	case 4:
		return regNames32[r]
	}
	return regNames64[r]
}

// low3 and ext split the register number for ModRM/SIB and REX.
func (r Reg) low3() byte { return byte(r) & 7 }
func (r Reg) ext() bool  { return r >= R8 && r != NoReg }

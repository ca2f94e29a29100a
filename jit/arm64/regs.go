package arm64

import "fmt"

// Reg is an AArch64 general-purpose register: X0-X30, or one of the two
// things register number 31 stands for, SP and XZR.
//
// SP and XZR share the hardware number 31; which one an instruction means
// depends on the operand slot (ADD's Rd and Rn take SP, ORR's take XZR).
// Keeping them apart in the type lets the encoder reject a register in a
// slot that would silently turn it into the other one, and lets String
// print what the hardware will actually do.
//
// The zero value is NoReg, not X0, because Inst has many register fields
// and an operand that was forgotten must be an error, not a silent X0.
// Use Num for the hardware number.
type Reg uint8

// NoReg is the absence of a register. It is the zero value, so unset
// register fields of an Inst are NoReg.
const NoReg Reg = 0

// The registers. X0 is 1, so Reg(n) is not Xn: use XReg and Num to
// convert.
const (
	X0 Reg = iota + 1
	X1
	X2
	X3
	X4
	X5
	X6
	X7
	X8
	X9
	X10
	X11
	X12
	X13
	X14
	X15
	X16
	X17
	X18
	X19
	X20
	X21
	X22
	X23
	X24
	X25
	X26
	X27
	X28
	X29
	X30
	SP  // the stack pointer (number 31 in SP slots)
	XZR // the zero register (number 31 in every other slot)
)

// Procedure-call-standard names (AAPCS64) of registers with a role.
const (
	IP0 = X16 // intra-procedure-call scratch, clobbered by veneers
	IP1 = X17
	FP  = X29 // frame pointer
	LR  = X30 // link register: BL and BLR write the return address here
)

// XReg returns Xn for n in 0-30, and NoReg for anything else.
func XReg(n int) Reg {
	if n < 0 || n > 30 {
		return NoReg
	}
	return X0 + Reg(n)
}

// Num returns the hardware register number: 0-30 for X0-X30, 31 for both
// SP and XZR, and 0xff for anything that is not a register.
func (r Reg) Num() uint8 {
	switch {
	case r >= X0 && r <= X30:
		return uint8(r - X0)
	case r == SP || r == XZR:
		return 31
	}
	return 0xff
}

// IsGP reports whether r is one of X0-X30 (a register that can hold a
// value: neither SP, XZR nor NoReg).
func (r Reg) IsGP() bool { return r >= X0 && r <= X30 }

// String returns the 64-bit name: "x0".."x30", "sp", "xzr".
func (r Reg) String() string { return r.Name(8) }

// Name returns the register's name at an operand size in bytes: 4 gives
// the W view ("w3", "wsp", "wzr"), anything else the X view.
func (r Reg) Name(size uint8) string {
	w := size == 4
	switch {
	case r.IsGP():
		if w {
			return fmt.Sprintf("w%d", r.Num())
		}
		return fmt.Sprintf("x%d", r.Num())
	case r == SP:
		if w {
			return "wsp"
		}
		return "sp"
	case r == XZR:
		if w {
			return "wzr"
		}
		return "xzr"
	case r == NoReg:
		return "noreg"
	}
	return fmt.Sprintf("reg%d", uint8(r))
}

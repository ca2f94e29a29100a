package asm

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/ebpfjit/ebpfjit/isa"
)

// cutWord splits s at its first run of white space.
func cutWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// splitOperands splits an operand list at the commas that are not inside
// brackets or parentheses, which keeps "map_value(3, 16)" in one piece.
func splitOperands(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var ops []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth <= 0 {
				ops = append(ops, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(ops, strings.TrimSpace(s[start:]))
}

// looksLikeRegister tells a register operand from an immediate: "%..." is
// always meant as a register, and so is "r" followed by digits.
func looksLikeRegister(s string) bool {
	if strings.HasPrefix(s, "%") {
		return true
	}
	return len(s) > 1 && (s[0] == 'r' || s[0] == 'R') && isDigits(s[1:])
}

func parseRegister(s string) (isa.Register, error) {
	t := strings.TrimPrefix(s, "%")
	if len(t) < 2 || (t[0] != 'r' && t[0] != 'R') || !isDigits(t[1:]) {
		return 0, fmt.Errorf("expected register, got %q", s)
	}
	n, err := strconv.ParseUint(t[1:], 10, 8)
	if err != nil || n > uint64(isa.R10) {
		return 0, fmt.Errorf("invalid register %q", s)
	}
	return isa.Register(n), nil
}

var (
	errSyntax = errors.New("not an integer")
	errRange  = errors.New("out of range")
)

// parseInt parses a decimal or 0x-prefixed hexadecimal integer with an
// optional sign. It returns the sign and magnitude separately so that each
// caller can apply its own range, which differs between 32-bit immediates
// (signed or unsigned), 64-bit constants and offsets.
func parseInt(s string) (neg bool, mag uint64, err error) {
	t := s
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	base := 10
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		base = 16
		t = t[2:]
	}
	mag, err = strconv.ParseUint(t, base, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return false, 0, errRange
	case err != nil:
		return false, 0, errSyntax
	}
	return neg, mag, nil
}

// parseSigned parses an integer that must lie in [min, max].
func parseSigned(s string, min, max int64) (int64, error) {
	neg, mag, err := parseInt(s)
	if err != nil {
		return 0, err
	}
	if !neg {
		if mag > uint64(max) {
			return 0, errRange
		}
		return int64(mag), nil
	}
	if mag > uint64(-min) {
		return 0, errRange
	}
	return -int64(mag), nil
}

// intError turns a parseInt failure into a message naming what was
// expected. Out-of-range values are valid numbers, so they print unquoted.
func intError(what, s string, err error) error {
	if err == errRange {
		return fmt.Errorf("%s %s out of range", what, s)
	}
	return fmt.Errorf("expected %s, got %q", what, s)
}

// parseImm32 accepts [-2^31, 2^32) and keeps the low 32 bits, so that both
// "-1" and "0xffffffff" write the all-ones immediate.
func parseImm32(s string) (int32, error) {
	v, err := parseSigned(s, math.MinInt32, math.MaxUint32)
	if err != nil {
		return 0, intError("immediate", s, err)
	}
	return int32(uint32(v)), nil
}

// parseImm64 accepts [-2^63, 2^64) for the constant of lddw.
func parseImm64(s string) (uint64, error) {
	neg, mag, err := parseInt(s)
	if err == nil && neg && mag > 1<<63 {
		err = errRange
	}
	if err != nil {
		return 0, intError("immediate", s, err)
	}
	if neg {
		return -mag, nil // two's complement
	}
	return mag, nil
}

// parseOperand parses the second operand of ALU and jump instructions,
// which is a register or an immediate.
func parseOperand(s string) (reg isa.Register, imm int32, isReg bool, err error) {
	if looksLikeRegister(s) {
		reg, err = parseRegister(s)
		return reg, 0, true, err
	}
	imm, err = parseImm32(s)
	return 0, imm, false, err
}

// parseMemory parses "[%rN+off]", "[%rN-off]" or "[%rN]", with any spaces
// inside the brackets.
func parseMemory(s string) (isa.Register, int16, error) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, 0, fmt.Errorf("expected memory operand [%%rN+off], got %q", s)
	}
	inner := strings.TrimSpace(s[1 : len(s)-1])
	regText, offText := inner, ""
	if i := strings.IndexAny(inner, "+-"); i >= 0 {
		regText = strings.TrimSpace(inner[:i])
		offText = inner[i:i+1] + strings.TrimSpace(inner[i+1:])
	}
	reg, err := parseRegister(regText)
	if err != nil {
		return 0, 0, err
	}
	if offText == "" {
		return reg, 0, nil
	}
	off, err := parseSigned(offText, math.MinInt16, math.MaxInt16)
	if err != nil {
		return 0, 0, intError("offset", offText, err)
	}
	return reg, int16(off), nil
}

// checkOffset reports whether a relative slot offset fits the instruction
// field that will hold it: 16 bits in Offset, 32 bits in Imm.
func checkOffset(rel int64, inImm bool) error {
	if inImm && (rel < math.MinInt32 || rel > math.MaxInt32) ||
		!inImm && (rel < math.MinInt16 || rel > math.MaxInt16) {
		return fmt.Errorf("jump offset %d out of range", rel)
	}
	return nil
}

// target parses a jump or call target for the instruction that will sit
// at the next free slot: a number is the relative offset itself, a label
// is recorded for resolve.
func (a *assembler) target(s string, inImm bool) (int64, error) {
	if s != "" && (s[0] == '+' || s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		min, max := int64(math.MinInt16), int64(math.MaxInt16)
		if inImm {
			min, max = math.MinInt32, math.MaxInt32
		}
		v, err := parseSigned(s, min, max)
		if err != nil {
			return 0, intError("jump offset", s, err)
		}
		return v, nil
	}
	if !isLabel(s) {
		return 0, fmt.Errorf("expected label or offset, got %q", s)
	}
	a.fixups = append(a.fixups, fixup{slot: len(a.prog), line: a.line, label: s, inImm: inImm})
	return 0, nil
}

// isDigits reports whether s is a non-empty string of decimal digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

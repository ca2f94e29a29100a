package asm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// The table of every canonical form, checked in both directions, is in
// isa/format_test.go; these tests cover what only the assembler does.

// assembleText assembles src and disassembles the result, so that
// expectations can be written as canonical text.
func assembleText(t *testing.T, src string) string {
	t.Helper()
	prog, err := asm.Assemble(src)
	if err != nil {
		t.Fatalf("Assemble(%q): %v", src, err)
	}
	return isa.Disassemble(prog)
}

func TestLenient(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"add r1, r2", "add %r1, %r2"},
		{"ADD %R1,%R2", "add %r1, %r2"},
		{"  mov   %r1 ,  5  ", "mov %r1, 5"},
		{"add\t%r1,\t%r2", "add %r1, %r2"},
		{"Mov32 r10, +5", "mov32 %r10, 5"},
		{"mov %r1, 0xffffffff", "mov %r1, -1"},
		{"mov %r1, 0XFFFFFFFF", "mov %r1, -1"},
		{"mov %r1, -2147483648", "mov %r1, 0x80000000"},
		{"mov %r1, 0x00000010", "mov %r1, 16"},
		{"mov %r1, 007", "mov %r1, 7"},
		{"ldxw %r0, [ %r1 + 4 ]", "ldxw %r0, [%r1+4]"},
		{"ldxw %r0, [%r1]", "ldxw %r0, [%r1+0]"},
		{"ldxw %r0, [r1-0]", "ldxw %r0, [%r1+0]"},
		{"ldxb %r0, [%r1+0x2]", "ldxb %r0, [%r1+2]"},
		{"stw [%r10-0x10], 0xFf", "stw [%r10-16], 255"},
		{"stxdw [%r10-8],r1", "stxdw [%r10-8], %r1"},
		{"swap16 %r0", "bswap16 %r0"},
		{"swap32 %r0", "bswap32 %r0"},
		{"swap64 %r0", "bswap64 %r0"},
		{"ja 3", "ja +3"},
		{"jeq %r1, 7, 2", "jeq %r1, 7, +2"},
		{"JNE32 r1, r2, -0", "jne32 %r1, %r2, +0"},
		{"ja32 5", "ja32 +5"},
		{"call local 4", "call local +4"},
		{"call R2", "call %r2"},
		{"call 0x10", "call 16"},
		{"call kfunc 7, 0", "call kfunc 7"},
		{"CALL KFUNC 7,3", "call kfunc 7, 3"},
		{"Lock Fetch ADD32 [r10 - 8], r1", "lock fetch add32 [%r10-8], %r1"},
		{"lock  xchg  [%r1+0],%r2", "lock xchg [%r1+0], %r2"},
		{"lddw %r0, -1", "lddw %r0, 0xffffffffffffffff"},
		{"lddw %r0, -0x8000000000000000", "lddw %r0, 0x8000000000000000"},
		{"lddw %r0, 0x0000000000000054", "lddw %r0, 84"},
		{"lddw %r0, 18446744073709551615", "lddw %r0, 0xffffffffffffffff"},
		{"lddw r1, MAP_VALUE( 3 ,16 )", "lddw %r1, map_value(3, 16)"},
		{"lddw r1, map_fd (0xffffffff)", "lddw %r1, map_fd(-1)"},
		{"lddw r1, func(2)", "lddw %r1, func(+2)"},
		{".raw 149", "exit"},
		{".RAW 0x95", "exit"},
		{".raw -1", ".raw 0xffffffffffffffff"},
		{"exit # comment", "exit"},
		{"exit#comment", "exit"},
		{"# only a comment\n\n   \nexit", "exit"},
		{"mov %r0, 1\r\nexit\r\n", "mov %r0, 1\nexit"},
		{"ldabsw 0x10", "ldabsw 16"},
		{"ldindh r3, -4", "ldindh %r3, -4"},
	} {
		if got := assembleText(t, c.src); got != c.want+"\n" {
			t.Errorf("Assemble(%q) = %q, want %q", c.src, got, c.want+"\n")
		}
	}
}

func TestEmpty(t *testing.T) {
	for _, src := range []string{"", "\n", "# nothing\n", "L:"} {
		prog, err := asm.Assemble(src)
		if err != nil || len(prog) != 0 {
			t.Errorf("Assemble(%q) = %v, %v; want no instructions", src, prog, err)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"forward over lddw", `
			mov %r0, 0
			ja done
			lddw %r1, 5
			done: exit`,
			"mov %r0, 0\nja +2\nlddw %r1, 5\nexit\n"},
		{"backward", `
			L: add %r0, 1
			jlt %r0, 10, L`,
			"add %r0, 1\njlt %r0, 10, -2\n"},
		{"self", "L: ja L", "ja -1\n"},
		{"label on its own line", "ja L\nL:\nexit", "ja +0\nexit\n"},
		{"label at the end", "ja end\nend:", "ja +0\n"},
		{"two labels on one line", "ja b\na: b: exit\nja a", "ja +0\nexit\nja -2\n"},
		{"label names", "ja .L1_x\n.L1_x: ja _y.2\n_y.2: exit", "ja +0\nja +0\nexit\n"},
		{"case-sensitive", "ja l\nL: exit\nl: exit", "ja +1\nexit\nexit\n"},
		{"label named like a register", "ja r1\nr1: exit", "ja +0\nexit\n"},
		{"implicit exit", `
			jne %r0, 0, exit
			mov %r0, 1
			exit
			mov %r0, 2
			exit`,
			"jne %r0, 0, +1\nmov %r0, 1\nexit\nmov %r0, 2\nexit\n"},
		{"implicit exit after the jump", "ja exit\nmov %r0, 1\nexit", "ja +1\nmov %r0, 1\nexit\n"},
		{"explicit exit label wins", `
			ja exit
			exit
			exit: mov %r0, 1
			exit`,
			"ja +1\nexit\nmov %r0, 1\nexit\n"},
		{"ja32, call local and func", `
			call local f
			ja32 end
			f: lddw %r0, func(f)
			exit
			end: exit`,
			"call local +1\nja32 +3\nlddw %r0, func(-1)\nexit\nexit\n"},
		{"longest offsets", "ja end\n" + strings.Repeat("exit\n", 32767) + "end: exit",
			"ja +32767\n" + strings.Repeat("exit\n", 32768)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := assembleText(t, c.src); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	far := "ja far\n" + strings.Repeat("exit\n", 40000) + "far: exit"
	for _, c := range []struct{ src, want string }{
		{"foo %r1", `line 1: unknown mnemonic "foo"`},
		{"exit\nja L9", `line 2: undefined label "L9"`},
		{"ja exit", `line 1: undefined label "exit"`},
		{"mov %r1, 0x100000000", `line 1: immediate 0x100000000 out of range`},
		{"mov %r1, -2147483649", `line 1: immediate -2147483649 out of range`},
		{"mov %r1, 99999999999999999999999", `line 1: immediate 99999999999999999999999 out of range`},
		{"mov %r1, 1_000", `line 1: expected immediate, got "1_000"`},
		{"mov %r1, 0x", `line 1: expected immediate, got "0x"`},
		{"mov %r1, --1", `line 1: expected immediate, got "--1"`},
		{"mov %r1, x", `line 1: expected immediate, got "x"`},
		{"\n\n\nneg x", `line 4: expected register, got "x"`},
		{"mov %r11, 1", `line 1: invalid register "%r11"`},
		{"mov r99999999999999999999, 1", `line 1: invalid register "r99999999999999999999"`},
		{"mov %x, 1", `line 1: expected register, got "%x"`},
		{"add %r1", `line 1: add takes 2 operand(s), got 1`},
		{"add %r1, %r2, %r3", `line 1: add takes 2 operand(s), got 3`},
		{"add %r1,", `line 1: expected immediate, got ""`},
		{"exit %r0", `line 1: exit takes 0 operand(s), got 1`},
		{"jeq %r1, 1", `line 1: jeq takes 3 operand(s), got 2`},
		{"movsx832 %r1, 5", `line 1: expected register, got "5"`},
		{"L1:\nL1: exit", `line 2: duplicate label "L1" (first defined on line 1)`},
		{"1abc: exit", `line 1: invalid label "1abc"`},
		{": exit", `line 1: invalid label ""`},
		{"ja 32768", `line 1: jump offset 32768 out of range`},
		{"ja -32769", `line 1: jump offset -32769 out of range`},
		{"ja32 2147483648", `line 1: jump offset 2147483648 out of range`},
		{"ja %r1", `line 1: expected label or offset, got "%r1"`},
		{"ja +x", `line 1: expected jump offset, got "+x"`},
		{far, `line 1: label "far": jump offset 40000 out of range`},
		{"ldxw %r0, %r1", `line 1: expected memory operand [%rN+off], got "%r1"`},
		{"ldxw %r0, [%r1+32768]", `line 1: offset +32768 out of range`},
		{"ldxw %r0, [%r1-32769]", `line 1: offset -32769 out of range`},
		{"ldxw %r0, [%r1+x]", `line 1: expected offset, got "+x"`},
		{"ldxw %r0, [%r1+-4]", `line 1: expected offset, got "+-4"`},
		{"ldxw %r0, [+4]", `line 1: expected register, got ""`},
		{"stw [%r1+0], %r2", `line 1: expected immediate, got "%r2"`},
		{"lddw %r0, 0x10000000000000000", `line 1: immediate 0x10000000000000000 out of range`},
		{"lddw %r0, -0x8000000000000001", `line 1: immediate -0x8000000000000001 out of range`},
		{"lddw %r0, foo(1)", `line 1: unknown lddw source "foo"`},
		{"lddw %r0, map_value(1)", `line 1: map_value takes 2 argument(s), got 1`},
		{"lddw %r0, map_fd(1", `line 1: expected ')' at the end of "map_fd(1"`},
		{"lddw %r0, func(%r1)", `line 1: expected label or offset, got "%r1"`},
		{"lock nand [%r1+0], %r2", `line 1: unknown atomic operation "nand"`},
		{"lock fetch xchg [%r1+0], %r2", `line 1: unknown atomic operation "fetch xchg"`},
		{"lock", `line 1: unknown atomic operation ""`},
		{"lock add [%r1+0]", `line 1: lock takes 2 operands, got 1`},
		{"call local", `line 1: expected label or offset, got ""`},
		{"call", `line 1: call takes 1 operand, got 0`},
		{"call kfunc", `line 1: call kfunc takes 1 or 2 operands, got 0`},
		{"call kfunc 1, 40000", `line 1: offset 40000 out of range`},
		{"call foo", `line 1: expected immediate, got "foo"`},
		{".raw", `line 1: .raw takes 1 operand, got 0`},
		{"ldabsdw 1", `line 1: unknown mnemonic "ldabsdw"`},
		{"ldxsdw %r0, [%r1+0]", `line 1: unknown mnemonic "ldxsdw"`},
		{"movsx3232 %r0, %r1", `line 1: unknown mnemonic "movsx3232"`},
	} {
		_, err := asm.Assemble(c.src)
		if err == nil {
			t.Errorf("Assemble(%.40q) succeeded, want %s", c.src, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("Assemble(%.40q) error:\n got %s\nwant %s", c.src, err, c.want)
		}
		var e *asm.Error
		if !errors.As(err, &e) || e.Line < 1 {
			t.Errorf("Assemble(%.40q) error %#v is not an *asm.Error with a line", c.src, err)
		}
	}
}

// TestAssembledAreValid checks that every accepted form encodes a valid
// instruction: the assembler must not build what the disassembler would
// print as .raw.
func TestAssembledAreValid(t *testing.T) {
	src := `
		add %r1, 1
		sdiv32 %r1, %r2
		movsx3264 %r1, %r2
		be16 %r1
		bswap64 %r1
		lddw %r1, map_idx_value(1, 2)
		ldindb %r1, 1
		ldxsw %r1, [%r2-4]
		stdw [%r1+8], 1
		lock cmpxchg32 [%r1+0], %r2
		call kfunc 1, 1
		call %r9
		ja32 +1
		exit`
	prog, err := asm.Assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	text := isa.Disassemble(prog)
	if strings.Contains(text, ".raw") {
		t.Errorf("assembled program has invalid slots:\n%s", text)
	}
	again, err := asm.Assemble(text)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(prog, again); diff != "" {
		t.Errorf("round trip mismatch (-first +second):\n%s", diff)
	}
}

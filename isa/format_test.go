package isa_test

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// in builds a slot from raw field values. The tests spell opcodes as hex
// literals rather than with the isa constants so that a wrong constant
// cannot hide in both the code and its test.
func in(op uint8, dst, src isa.Register, off int16, imm int32) isa.Instruction {
	return isa.Instruction{Opcode: op, Dst: dst, Src: src, Offset: off, Imm: imm}
}

type formCase struct {
	text string
	prog []isa.Instruction
}

// forms lists every instruction form with its canonical text and encoding.
func forms() []formCase {
	var cases []formCase
	add := func(text string, prog ...isa.Instruction) {
		cases = append(cases, formCase{text, prog})
	}

	for _, op := range []struct {
		name string
		code uint8
		off  int16
	}{
		{"add", 0x00, 0}, {"sub", 0x10, 0}, {"mul", 0x20, 0}, {"div", 0x30, 0},
		{"sdiv", 0x30, 1}, {"or", 0x40, 0}, {"and", 0x50, 0}, {"lsh", 0x60, 0},
		{"rsh", 0x70, 0}, {"mod", 0x90, 0}, {"smod", 0x90, 1}, {"xor", 0xa0, 0},
		{"mov", 0xb0, 0}, {"arsh", 0xc0, 0},
	} {
		for _, class := range []struct {
			suffix string
			code   uint8
		}{{"", 0x07}, {"32", 0x04}} {
			name := op.name + class.suffix
			add(name+" %r1, %r2", in(op.code|class.code|0x08, 1, 2, op.off, 0))
			add(name+" %r10, -7", in(op.code|class.code, 10, 0, op.off, -7))
		}
	}
	add("neg %r1", in(0x87, 1, 0, 0, 0))
	add("neg32 %r9", in(0x84, 9, 0, 0, 0))

	add("movsx832 %r1, %r2", in(0xbc, 1, 2, 8, 0))
	add("movsx1632 %r1, %r2", in(0xbc, 1, 2, 16, 0))
	add("movsx864 %r3, %r4", in(0xbf, 3, 4, 8, 0))
	add("movsx1664 %r3, %r4", in(0xbf, 3, 4, 16, 0))
	add("movsx3264 %r3, %r4", in(0xbf, 3, 4, 32, 0))

	for _, w := range []int32{16, 32, 64} {
		add(fmt.Sprintf("le%d %%r1", w), in(0xd4, 1, 0, 0, w))
		add(fmt.Sprintf("be%d %%r2", w), in(0xdc, 2, 0, 0, w))
		add(fmt.Sprintf("bswap%d %%r3", w), in(0xd7, 3, 0, 0, w))
	}

	// Immediates: decimal near zero, hex of the 32 bits beyond.
	add("mov %r0, 65535", in(0xb7, 0, 0, 0, 65535))
	add("mov %r0, -65535", in(0xb7, 0, 0, 0, -65535))
	add("mov %r0, 0x10000", in(0xb7, 0, 0, 0, 65536))
	add("mov %r0, 0xffff0000", in(0xb7, 0, 0, 0, -65536))
	add("mov %r0, 0x80000000", in(0xb7, 0, 0, 0, -1<<31))
	add("mov %r0, 0x7fffffff", in(0xb7, 0, 0, 0, 1<<31-1))
	add("mov %r0, -1", in(0xb7, 0, 0, 0, -1))
	add("div %r0, 0", in(0x37, 0, 0, 0, 0))

	add("ja +3", in(0x05, 0, 0, 3, 0))
	add("ja -1", in(0x05, 0, 0, -1, 0))
	add("ja +0", in(0x05, 0, 0, 0, 0))
	add("ja +32767", in(0x05, 0, 0, 32767, 0))
	add("ja -32768", in(0x05, 0, 0, -32768, 0))
	add("ja32 +70000", in(0x06, 0, 0, 0, 70000))
	add("ja32 -2147483648", in(0x06, 0, 0, 0, -1<<31))
	add("ja32 +0", in(0x06, 0, 0, 0, 0))
	for _, op := range []struct {
		name string
		code uint8
	}{
		{"jeq", 0x10}, {"jgt", 0x20}, {"jge", 0x30}, {"jset", 0x40}, {"jne", 0x50},
		{"jsgt", 0x60}, {"jsge", 0x70}, {"jlt", 0xa0}, {"jle", 0xb0}, {"jslt", 0xc0},
		{"jsle", 0xd0},
	} {
		for _, class := range []struct {
			suffix string
			code   uint8
		}{{"", 0x05}, {"32", 0x06}} {
			name := op.name + class.suffix
			add(name+" %r1, %r2, +5", in(op.code|class.code|0x08, 1, 2, 5, 0))
			add(name+" %r3, 7, -2", in(op.code|class.code, 3, 0, -2, 7))
			add(name+" %r3, 0x80000000, +0", in(op.code|class.code, 3, 0, 0, -1<<31))
		}
	}

	add("call 5", in(0x85, 0, 0, 0, 5))
	add("call -1", in(0x85, 0, 0, 0, -1))
	add("call 2147483647", in(0x85, 0, 0, 0, 1<<31-1))
	add("call local +4", in(0x85, 0, 1, 0, 4))
	add("call local -9", in(0x85, 0, 1, 0, -9))
	add("call kfunc 1234", in(0x85, 0, 2, 0, 1234))
	add("call kfunc 1234, 2", in(0x85, 0, 2, 2, 1234))
	add("call kfunc -5, -1", in(0x85, 0, 2, -1, -5))
	add("call %r2", in(0x8d, 2, 0, 0, 0))
	add("exit", in(0x95, 0, 0, 0, 0))

	add("lddw %r1, 0x1122334455667788", in(0x18, 1, 0, 0, 0x55667788), in(0, 0, 0, 0, 0x11223344))
	add("lddw %r0, 0xffffffffffffffff", in(0x18, 0, 0, 0, -1), in(0, 0, 0, 0, -1))
	add("lddw %r0, 0x100000000", in(0x18, 0, 0, 0, 0), in(0, 0, 0, 0, 1))
	add("lddw %r0, 0x80000000", in(0x18, 0, 0, 0, -1<<31), in(0, 0, 0, 0, 0))
	add("lddw %r0, 0x10000", in(0x18, 0, 0, 0, 65536), in(0, 0, 0, 0, 0))
	add("lddw %r0, 65535", in(0x18, 0, 0, 0, 65535), in(0, 0, 0, 0, 0))
	add("lddw %r10, 0", in(0x18, 10, 0, 0, 0), in(0, 0, 0, 0, 0))
	add("lddw %r1, map_fd(3)", in(0x18, 1, 1, 0, 3), in(0, 0, 0, 0, 0))
	add("lddw %r1, map_value(3, 16)", in(0x18, 1, 2, 0, 3), in(0, 0, 0, 0, 16))
	add("lddw %r1, map_value(-1, -2)", in(0x18, 1, 2, 0, -1), in(0, 0, 0, 0, -2))
	add("lddw %r1, btf_id(77)", in(0x18, 1, 3, 0, 77), in(0, 0, 0, 0, 0))
	add("lddw %r1, func(+5)", in(0x18, 1, 4, 0, 5), in(0, 0, 0, 0, 0))
	add("lddw %r1, func(-3)", in(0x18, 1, 4, 0, -3), in(0, 0, 0, 0, 0))
	add("lddw %r1, map_idx(0)", in(0x18, 1, 5, 0, 0), in(0, 0, 0, 0, 0))
	add("lddw %r1, map_idx_value(0, 8)", in(0x18, 1, 6, 0, 0), in(0, 0, 0, 0, 8))

	for _, size := range []struct {
		suffix string
		code   uint8
	}{{"b", 0x10}, {"h", 0x08}, {"w", 0x00}, {"dw", 0x18}} {
		if size.suffix != "dw" {
			add("ldabs"+size.suffix+" 12", in(0x20|size.code, 0, 0, 0, 12))
			add("ldind"+size.suffix+" %r2, 0x12345678", in(0x40|size.code, 0, 2, 0, 0x12345678))
			add("ldxs"+size.suffix+" %r0, [%r10-1]", in(0x81|size.code, 0, 10, -1, 0))
		}
		add("ldx"+size.suffix+" %r0, [%r1+2]", in(0x61|size.code, 0, 1, 2, 0))
		add("ldx"+size.suffix+" %r9, [%r8+0]", in(0x61|size.code, 9, 8, 0, 0))
		add("st"+size.suffix+" [%r1+2], 5", in(0x62|size.code, 1, 0, 2, 5))
		add("st"+size.suffix+" [%r10-32768], 0xdeadbeef", in(0x62|size.code, 10, 0, -32768, -559038737))
		add("stx"+size.suffix+" [%r1+32767], %r3", in(0x63|size.code, 1, 3, 32767, 0))
	}

	for _, size := range []struct {
		suffix string
		code   uint8
	}{{"", 0xdb}, {"32", 0xc3}} {
		for _, op := range []struct {
			name string
			imm  int32
		}{
			{"add", 0x00}, {"or", 0x40}, {"and", 0x50}, {"xor", 0xa0},
			{"fetch add", 0x01}, {"fetch or", 0x41}, {"fetch and", 0x51}, {"fetch xor", 0xa1},
			{"xchg", 0xe1}, {"cmpxchg", 0xf1},
		} {
			add("lock "+op.name+size.suffix+" [%r10-8], %r1", in(size.code, 10, 1, -8, op.imm))
		}
	}
	return cases
}

// TestForms checks both directions for every form: the encoding
// disassembles to the canonical text and the text assembles to the
// encoding, hence Disassemble(Assemble(x)) == x and the reverse.
func TestForms(t *testing.T) {
	for _, c := range forms() {
		t.Run(c.text, func(t *testing.T) {
			for pc, ins := range c.prog {
				if err := ins.Check(); err != nil {
					t.Errorf("slot %d of the expected encoding fails Check: %v", pc, err)
				}
			}
			text, width := isa.Format(c.prog, 0)
			if text != c.text || width != len(c.prog) {
				t.Errorf("Format = %q, %d; want %q, %d", text, width, c.text, len(c.prog))
			}
			if got := isa.Disassemble(c.prog); got != c.text+"\n" {
				t.Errorf("Disassemble = %q, want %q", got, c.text+"\n")
			}
			prog, err := asm.Assemble(c.text)
			if err != nil {
				t.Fatalf("Assemble: %v", err)
			}
			if diff := cmp.Diff(c.prog, prog); diff != "" {
				t.Errorf("Assemble mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFormsProgram assembles all forms as one program, so that the
// instructions are seen at every position and not only alone.
func TestFormsProgram(t *testing.T) {
	var text strings.Builder
	var want []isa.Instruction
	for _, c := range forms() {
		text.WriteString(c.text + "\n")
		want = append(want, c.prog...)
	}
	if got := isa.Disassemble(want); got != text.String() {
		t.Errorf("Disassemble mismatch (-want +got):\n%s", cmp.Diff(text.String(), got))
	}
	prog, err := asm.Assemble(text.String())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, prog); diff != "" {
		t.Errorf("Assemble mismatch (-want +got):\n%s", diff)
	}
}

// word turns a "-- raw" style 64-bit word into its slot.
func word(w uint64) isa.Instruction {
	return isa.DecodeOne(binary.LittleEndian.AppendUint64(nil, w))
}

// TestRaw covers slots that are not valid instructions: each must print
// as .raw and assemble back to the same bytes.
func TestRaw(t *testing.T) {
	lddwLo := in(0x18, 1, 0, 0, 0x55667788)
	for _, c := range []struct {
		name string
		prog []isa.Instruction
		text string
	}{
		{"unknown opcode", []isa.Instruction{in(0xff, 0, 0, 0, 0)},
			".raw 0x00000000000000ff\n"},
		{"reserved offset", []isa.Instruction{in(0x07, 1, 0, 1, 5)},
			".raw 0x0000000500010107\n"},
		{"reserved imm", []isa.Instruction{in(0x0f, 1, 2, 0, 5)},
			".raw 0x000000050000210f\n"},
		{"register 11", []isa.Instruction{in(0xbf, 11, 0, 0, 0)},
			".raw 0x0000000000000bbf\n"},
		{"register 15 as src", []isa.Instruction{in(0x61, 1, 15, 0, 0)},
			".raw 0x000000000000f161\n"},
		{"stray lddw high slot", []isa.Instruction{in(0, 0, 0, 0, 7), in(0x95, 0, 0, 0, 0)},
			".raw 0x0000000700000000\nexit\n"},
		{"lddw at the end", []isa.Instruction{in(0x95, 0, 0, 0, 0), lddwLo},
			"exit\n.raw 0x5566778800000118\n"},
		{"lddw high slot with opcode", []isa.Instruction{lddwLo, in(0x95, 0, 0, 0, 0)},
			".raw 0x5566778800000118\nexit\n"},
		{"lddw high slot with register", []isa.Instruction{lddwLo, in(0, 1, 0, 0, 0)},
			".raw 0x5566778800000118\n.raw 0x0000000000000100\n"},
		{"lddw high slot with offset", []isa.Instruction{lddwLo, in(0, 0, 0, 1, 0)},
			".raw 0x5566778800000118\n.raw 0x0000000000010000\n"},
		{"lddw with offset", []isa.Instruction{in(0x18, 1, 0, 1, 0), in(0, 0, 0, 0, 0)},
			".raw 0x0000000000010118\n.raw 0x0000000000000000\n"},
		{"lddw pseudo 7", []isa.Instruction{in(0x18, 1, 7, 0, 0), in(0, 0, 0, 0, 0)},
			".raw 0x0000000000007118\n.raw 0x0000000000000000\n"},
		{"map_fd with high imm", []isa.Instruction{in(0x18, 1, 1, 0, 3), in(0, 0, 0, 0, 1)},
			".raw 0x0000000300001118\n.raw 0x0000000100000000\n"},
		{"func with high imm", []isa.Instruction{in(0x18, 1, 4, 0, 3), in(0, 0, 0, 0, -1)},
			".raw 0x0000000300004118\n.raw 0xffffffff00000000\n"},
		{"lddw twice", []isa.Instruction{lddwLo, lddwLo, in(0, 0, 0, 0, 0)},
			".raw 0x5566778800000118\nlddw %r1, 0x55667788\n"},
		{"movsx32 from 32", []isa.Instruction{in(0xbc, 1, 2, 32, 0)},
			".raw 0x00000000002021bc\n"},
		{"bswap with be bit", []isa.Instruction{in(0xdf, 1, 0, 0, 16)},
			".raw 0x00000010000001df\n"},
		{"byte swap width 8", []isa.Instruction{in(0xd4, 1, 0, 0, 8)},
			".raw 0x00000008000001d4\n"},
		{"call with dst", []isa.Instruction{in(0x85, 1, 0, 0, 5)},
			".raw 0x0000000500000185\n"},
		{"callx with imm", []isa.Instruction{in(0x8d, 0, 0, 0, 2)},
			".raw 0x000000020000008d\n"},
		{"atomic on a byte", []isa.Instruction{in(0xd3, 10, 1, -8, 0)},
			".raw 0x00000000fff81ad3\n"},
		{"atomic fetch cmpxchg without fetch", []isa.Instruction{in(0xdb, 10, 1, -8, 0xf0)},
			".raw 0x000000f0fff81adb\n"},
		{"ldabs dw", []isa.Instruction{in(0x38, 0, 0, 0, 1)},
			".raw 0x0000000100000038\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := isa.Disassemble(c.prog); got != c.text {
				t.Errorf("Disassemble = %q, want %q", got, c.text)
			}
			prog, err := asm.Assemble(c.text)
			if err != nil {
				t.Fatalf("Assemble: %v", err)
			}
			if diff := cmp.Diff(isa.Encode(c.prog), isa.Encode(prog)); diff != "" {
				t.Errorf("round trip changed the bytes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRawWord checks the word convention against the conformance suite's
// lddw.data, whose "-- raw" section shows the same program.
func TestRawWord(t *testing.T) {
	prog := []isa.Instruction{word(0x5566778800000018), word(0x1122334400000000), word(0x0000000000000095)}
	want := "lddw %r0, 0x1122334455667788\nexit\n"
	if got := isa.Disassemble(prog); got != want {
		t.Errorf("Disassemble = %q, want %q", got, want)
	}
	if got := isa.Disassemble(prog[:1]); got != ".raw 0x5566778800000018\n" {
		t.Errorf("lone lddw = %q", got)
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		ins  isa.Instruction
		want string
	}{
		{in(0x07, 1, 0, 0, 5), "add %r1, 5"},
		{in(0x18, 1, 0, 0, 0x55667788), "lddw %r1, 0x55667788"},
		{in(0x18, 1, 2, 0, 3), "lddw %r1, map_value(3, 0)"},
		{in(0, 0, 0, 0, 0x11223344), ".raw 0x1122334400000000"},
		{in(0xff, 0, 0, 0, 0), ".raw 0x00000000000000ff"},
		{isa.Instruction{Opcode: 0x18, Dst: 1, Src: 1, Imm: 3, Ref: "my_map"}, "lddw %r1, map_fd(3) # my_map"},
		{isa.Instruction{Opcode: 0x85, Imm: 1, Ref: "bpf_map_lookup_elem"}, "call 1 # bpf_map_lookup_elem"},
	} {
		if got := c.ins.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.ins, got, c.want)
		}
	}
}

// TestRefComment checks that a symbol name cannot break the line
// structure: the text must still assemble to the same program.
func TestRefComment(t *testing.T) {
	lo := isa.LDDW(1, 0)
	lo[0].Src = 1
	lo[0].Ref = "evil\nexit"
	prog := []isa.Instruction{lo[0], lo[1], in(0x95, 0, 0, 0, 0)}
	text := isa.Disassemble(prog)
	if want := "lddw %r1, map_fd(0) # evil exit\nexit\n"; text != want {
		t.Errorf("Disassemble = %q, want %q", text, want)
	}
	got, err := asm.Assemble(text)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(isa.Encode(prog), isa.Encode(got)); diff != "" {
		t.Errorf("round trip changed the bytes (-want +got):\n%s", diff)
	}
}

// validOpcodes lists every opcode RFC 9669 defines, so that random
// programs built from them exercise the text forms and not only .raw.
var validOpcodes = func() []uint8 {
	var ops []uint8
	for op := 0; op < 256; op++ {
	probe:
		for _, imm := range []int32{0, 16} {
			for _, regs := range [][2]isa.Register{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				if in(uint8(op), regs[0], regs[1], 0, imm).Check() == nil {
					ops = append(ops, uint8(op))
					break probe
				}
			}
		}
	}
	return ops
}()

// TestRandomRoundTrip checks Assemble(Disassemble(b)) == b on random
// slots: raw random bytes, and slots with a valid opcode and small random
// fields, which are valid often enough to reach every printer.
func TestRandomRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	field := func() uint64 {
		// Small values and all-ones patterns hit the edge cases of
		// registers, widths, signs and the decimal/hex switch.
		choices := []uint64{0, 1, 2, 8, 16, 32, 64, 0xe1, 0xf1, 0x41, 0xffff, 0xffffffff, 0x10000, 0x7fffffff}
		switch rng.Intn(4) {
		case 0:
			return 0
		case 1:
			return rng.Uint64()
		}
		return choices[rng.Intn(len(choices))]
	}
	seen := map[isa.Kind]bool{}
	for i := 0; i < 20000; i++ {
		n := 1 + rng.Intn(6)
		code := make([]byte, 0, n*8)
		var w uint64
		for j := 0; j < n; j++ {
			switch {
			case w&0xff == 0x18 && rng.Intn(2) == 0:
				w = (field() & 0xffffffff) << 32 // a proper second slot
			case rng.Intn(3) == 0:
				w = rng.Uint64()
			default:
				op := uint64(validOpcodes[rng.Intn(len(validOpcodes))])
				if rng.Intn(8) == 0 {
					op = 0 // lddw high slot, stray or not
				}
				reg := func() uint64 {
					if rng.Intn(3) == 0 {
						return 0
					}
					return uint64(rng.Intn(11))
				}
				regs := reg() | reg()<<4
				if rng.Intn(10) == 0 {
					regs = uint64(rng.Intn(256))
				}
				off := field() & 0xffff
				if rng.Intn(2) == 0 {
					off = 0
				}
				w = op | regs<<8 | off<<16 | (field()&0xffffffff)<<32
			}
			code = binary.LittleEndian.AppendUint64(code, w)
		}
		prog := make([]isa.Instruction, n)
		for j := range prog {
			prog[j] = isa.DecodeOne(code[j*8:])
		}
		for pc := 0; pc < n; {
			text, width := isa.Format(prog, pc)
			if !strings.HasPrefix(text, ".raw") {
				seen[prog[pc].Kind()] = true
			}
			pc += width
		}
		text := isa.Disassemble(prog)
		got, err := asm.Assemble(text)
		if err != nil {
			t.Fatalf("Assemble(Disassemble(%x)): %v\n%s", code, err, text)
		}
		if enc := isa.Encode(got); string(enc) != string(code) {
			t.Fatalf("round trip of %x gave %x\n%s", code, enc, text)
		}
	}
	for k := isa.KindInvalid + 1; k <= isa.KindLegacyLoad; k++ {
		if !seen[k] && k != isa.KindLDDWHigh {
			t.Errorf("no valid instruction of kind %d was generated; the generator needs tuning", k)
		}
	}
}

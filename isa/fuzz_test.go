package isa_test

import (
	"bytes"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// FuzzDecode feeds arbitrary bytes to Decode. Whatever decodes must encode
// back to the same bytes, and its text must assemble back to them too:
// the disassembler has a form (at worst .raw) for every slot.
func FuzzDecode(f *testing.F) {
	for _, c := range forms() {
		f.Add(isa.Encode(c.prog))
	}
	f.Add(isa.Encode([]isa.Instruction{
		in(0x18, 0, 0, 0, 0x55667788), in(0, 0, 0, 0, 0x11223344), // lddw %r0, 0x1122334455667788
		in(0x55, 0, 0, 1, 0), // jne %r0, 0, +1
		in(0xdb, 10, 1, -8, 0xf1),
		in(0x95, 0, 0, 0, 0),
	}))
	f.Add([]byte{0x18, 0x21, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}) // map_fd with a high imm
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, code []byte) {
		prog, err := isa.Decode(code)
		if err != nil {
			return
		}
		if enc := isa.Encode(prog); !bytes.Equal(enc, code) {
			t.Fatalf("Encode(Decode(%x)) = %x", code, enc)
		}
		text := isa.Disassemble(prog)
		got, err := asm.Assemble(text)
		if err != nil {
			t.Fatalf("Assemble(Disassemble(%x)): %v\n%s", code, err, text)
		}
		if enc := isa.Encode(got); !bytes.Equal(enc, code) {
			t.Fatalf("Assemble(Disassemble(%x)) = %x\n%s", code, enc, text)
		}
	})
}

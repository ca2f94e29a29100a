package asm_test

import (
	"bytes"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// FuzzAssemble feeds arbitrary text to Assemble. It must never panic, and
// whatever it accepts must come back unchanged through Disassemble.
func FuzzAssemble(f *testing.F) {
	for _, src := range []string{
		"mov %r0, 0\nexit\n",
		"lddw %r0, 0x1122334455667788\njne %r0, %r1, exit\nmov %r0, 1\nexit\n",
		"L1: add32 r1, -5\njslt32 %r1, 0x80000000, L1\nja32 L1\ncall local L1\nexit",
		"ldxw %r0, [ %r1 + 4 ]\nstxdw [%r10-8], %r0\nstb [%r10-1], 0xff\nldxsh %r2, [%r1]\n",
		"lock fetch add32 [%r10-8], %r1\nlock cmpxchg [%r10-8], %r1\nlock xchg32 [%r1+0], %r2\n",
		"lddw %r1, map_value(3, 16)\nlddw %r2, func(f)\nf: call kfunc 7, 2\ncall %r2\ncall 5\n",
		"movsx1632 %r1, %r2\nle16 %r1\nbe64 %r1\nswap32 %r1\nneg %r1\nsmod %r1, 3\n",
		"ldabsb 12\nldindw %r2, 4\n.raw 0x00000000000000ff\n.raw 0x5566778800000018\n",
		"exit # comment\n# comment\n\n  a: b: exit\n",
	} {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := asm.Assemble(src)
		if err != nil {
			return
		}
		text := isa.Disassemble(prog)
		again, err := asm.Assemble(text)
		if err != nil {
			t.Fatalf("Assemble(Disassemble(Assemble(%q))): %v\n%s", src, err, text)
		}
		if want, got := isa.Encode(prog), isa.Encode(again); !bytes.Equal(want, got) {
			t.Fatalf("round trip of %q changed %x to %x\n%s", src, want, got, text)
		}
	})
}

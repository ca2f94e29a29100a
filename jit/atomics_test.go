package jit_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

// atomicsProgram exercises every atomic form, 32 and 64 bits, on the
// stack and on the input, and folds the fetched values into r0.
const atomicsProgram = `
	lddw %r6, 0x1111111122222222
	stxdw [%r10-8], %r6
	stxdw [%r1+0], %r6
	mov %r2, 0x0f0f
	lock add [%r10-8], %r2
	lock fetch add [%r1+0], %r2
	mov %r0, %r2
	mov %r3, 0xff00
	lock fetch or32 [%r10-8], %r3
	add %r0, %r3
	mov %r3, 0x00ff
	lock fetch and [%r1+0], %r3
	add %r0, %r3
	mov %r3, -1
	lock fetch xor32 [%r1+4], %r3
	add %r0, %r3
	mov %r3, 77
	lock xchg [%r10-8], %r3
	add %r0, %r3
	mov %r4, %r0
	ldxdw %r0, [%r10-8]
	mov %r3, 99
	lock cmpxchg [%r10-8], %r3
	add %r4, %r0
	mov %r0, 5
	lock cmpxchg32 [%r1+0], %r3
	add %r0, %r4
	ldxdw %r5, [%r10-8]
	add %r0, %r5
	ldxdw %r5, [%r1+0]
	add %r0, %r5
	exit`

// TestAtomicVariants runs the atomics in both arm64 flavours (LSE and the
// load-exclusive loop) when the host can, and checks the generated code
// really is the flavour asked for.
func TestAtomicVariants(t *testing.T) {
	if runtime.GOARCH != "arm64" {
		t.Skip("arm64 only")
	}
	prog, err := asm.Assemble(atomicsProgram)
	if err != nil {
		t.Fatal(err)
	}
	ip, _ := interp.New(prog, interp.Options{})
	mem := make([]byte, 16)
	want, err := ip.Run(mem)
	if err != nil {
		t.Fatal(err)
	}
	for _, lse := range []bool{false, true} {
		if lse && !jit.HostFeatures().ARM64LSE {
			t.Log("host has no LSE: skipping the LSE variant")
			continue
		}
		res, err := jit.Compile(prog, jit.Options{Features: &jit.Features{ARM64LSE: lse}, Listing: true})
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, l := range res.Listing {
			text.WriteString(l.Text + "\n")
		}
		hasLSE, hasExclusive := strings.Contains(text.String(), "ldadd"), strings.Contains(text.String(), "ldaxr")
		if hasLSE != lse || hasExclusive == lse {
			t.Errorf("LSE=%v: unexpected atomics in\n%s", lse, text.String())
		}
		p, err := native.Load(res.Code, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Run(make([]byte, 16))
		p.Close()
		if err != nil || got != want {
			t.Errorf("LSE=%v: %#x, %v; interpreter %#x", lse, got, err, want)
		}
	}
}

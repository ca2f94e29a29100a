package jit_test

import (
	"io"
	"testing"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/loader"
)

// TestCallbackReachesCallerSlot: a bpf_loop callback runs in the frame
// right below the function that called bpf_loop, so it reaches that
// function's slot [r10-8] as [its own r10 + 504]. At -O2 the caller keeps
// the slot in a register; the callback must still see and update memory
// exactly as the interpreter does.
func TestCallbackReachesCallerSlot(t *testing.T) {
	const src = `
    stdw [%r10-8], 5
    mov %r1, 3
    lddw %r2, func(cb)
    mov %r3, 0
    mov %r4, 0
    call 181
    ldxdw %r0, [%r10-8]
    exit
cb:
    mov %r3, %r10
    ldxdw %r0, [%r3+504]
    add %r0, 10
    stxdw [%r3+504], %r0
    mov %r0, 0
    exit`
	const want = 35
	helpers := loader.StandardHelpers(io.Discard)
	prog, err := asm.Assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := interp.New(prog, interp.Options{Helpers: helpers})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ip.Run(nil); err != nil || got != want {
		t.Fatalf("interpreter: %d, %v; want %d", got, err, want)
	}
	for _, level := range []int{0, 2} {
		p := compile(t, src, level, helpers)
		if got, err := p.Run(nil); err != nil || got != want {
			t.Errorf("-O%d: %d, %v; want %d", level, got, err, want)
		}
	}
}

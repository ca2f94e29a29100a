package native

import (
	"testing"
)

// TestTrampolineAMD64 runs hand-assembled code through enter and the exit
// protocol: a preamble that calls a function returning 42 and a helper
// exit in between.
func TestTrampolineAMD64(t *testing.T) {
	code := []byte{
		// preamble:
		0xe8, 20, 0, 0, 0, // call main (offset 25)
		0x49, 0x89, 0x47, OffArgs, // mov [r15+Args], rax
		0x49, 0xc7, 0x47, OffExitCode, ExitReturn, 0, 0, 0, // mov qword [r15+ExitCode], 1
		0x49, 0x8b, 0x27, // mov rsp, [r15+GoSP]
		0x49, 0x8b, 0x6f, OffGoBP, // mov rbp, [r15+GoBP]
		0xc3, // ret
		// main (25): call helper 8 then return its result plus 42
		0x49, 0xc7, 0x47, OffHelperID, 8, 0, 0, 0, // mov qword [r15+HelperID], 8
		0xe8, 6, 0, 0, 0, // call exit_helper (offset 46)
		0x49, 0x8b, 0x47, OffArgs, // mov rax, [r15+Args]
		0x48, 0x83, 0xc0, 42, // add rax, 42   (hmm: fits imm8)
		0xc3, // ret
	}
	// Fix up: main is 8+5+4+4+1 = 22 bytes, exit_helper at 25+22 = 47.
	code[25+8+1] = byte(47 - (25 + 8 + 5))
	code = append(code,
		// exit_helper (47):
		0x58,                        // pop rax
		0x49, 0x89, 0x47, OffResume, // mov [r15+Resume], rax
		0x49, 0x89, 0x67, OffNativeSP, // mov [r15+NativeSP], rsp
		0x49, 0xc7, 0x47, OffExitCode, ExitHelper, 0, 0, 0, // mov qword [r15+ExitCode], 2
		0x49, 0x8b, 0x27, // mov rsp, [r15+GoSP]
		0x49, 0x8b, 0x6f, OffGoBP, // mov rbp, [r15+GoBP]
		0xc3,
	)
	p, err := Load(&Code{Arch: "amd64", Text: code, Preamble: 0, NativeStack: 256}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < 3; i++ {
		r0, err := p.Run(nil)
		if err != nil || r0 != 42 {
			t.Fatalf("run %d: r0 = %d, err = %v; want 42 (helper 8 returns 0)", i, r0, err)
		}
	}
}

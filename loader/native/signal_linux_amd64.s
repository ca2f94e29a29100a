#include "textflag.h"

// Offsets in the kernel's ucontext on linux/amd64 (uc_mcontext at 40).
#define UC_R15 96
#define UC_RBP 120
#define UC_RSP 160
#define UC_RIP 168
// The copy handed to Go's handler: the ucontext and what Go reads of it.
#define COPY 512

// func sigHandlerAddr() uintptr
TEXT ·sigHandlerAddr(SB), NOSPLIT, $0-8
	MOVQ $·sigHandler(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// sigHandler is installed with sigaction for SIGQUIT and SIGPROF; the
// kernel calls it with the C ABI: DI = signal, SI = siginfo, DX =
// ucontext. See signal.go.
TEXT ·sigHandler(SB), NOSPLIT|NOFRAME, $0
	MOVQ ·profNext(SB), AX
	CMPL DI, $3 // SIGQUIT
	JNE  prof
	MOVQ ·quitNext(SB), AX
	JMP  lookup
prof:
	MOVL $1, ·profSeen(SB)
lookup:
	MOVQ UC_RIP(DX), R11
	MOVQ ·codeRanges(SB), R10
	TESTQ R10, R10
	JZ   forward
	MOVQ 0(R10), CX
	LEAQ 16(R10), R9
loop:
	TESTQ CX, CX
	JZ   forward
	CMPQ R11, 0(R9)
	JB   next
	CMPQ R11, 8(R9)
	JB   native
next:
	ADDQ $16, R9
	DECQ CX
	JMP  loop
forward:
	JMP  AX

native:
	// A frame for the copy, the arguments and Go's handler; the stack
	// stays 16-byte aligned for the call.
	SUBQ $(COPY+40), SP
	MOVQ DI, 0(SP)
	MOVQ SI, 8(SP)
	MOVQ AX, 16(SP)
	MOVQ DX, SI
	LEAQ 32(SP), DI
	MOVQ $(COPY/8), CX
	CLD
	REP; MOVSQ
	// The goroutine as it entered native code: R15 is the Context,
	// whose first words are Go's stack and frame pointers at entry
	// (GoSP points at the return address into Go).
	MOVQ (32+UC_R15)(SP), R10
	MOVQ 0(R10), R11
	MOVQ 0(R11), R9
	MOVQ R9, (32+UC_RIP)(SP)
	ADDQ $8, R11
	MOVQ R11, (32+UC_RSP)(SP)
	MOVQ 8(R10), R9
	MOVQ R9, (32+UC_RBP)(SP)
	MOVQ 0(SP), DI
	MOVQ 8(SP), SI
	LEAQ 32(SP), DX
	MOVQ 16(SP), AX
	CALL AX
	ADDQ $(COPY+40), SP
	RET

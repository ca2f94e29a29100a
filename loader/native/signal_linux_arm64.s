#include "textflag.h"

// Offsets in the kernel's ucontext on linux/arm64 (uc_mcontext at 176,
// its regs[31] at 184).
#define UC_X27 400
#define UC_X29 416
#define UC_X30 424
#define UC_SP 432
#define UC_PC 440
// The copy handed to Go's handler: the ucontext up to pstate.
#define COPY 464

// func sigHandlerAddr() uintptr
TEXT ·sigHandlerAddr(SB), NOSPLIT, $0-8
	MOVD $·sigHandler(SB), R0
	MOVD R0, ret+0(FP)
	RET

// sigHandler is installed with sigaction for SIGQUIT and SIGPROF; the
// kernel calls it with the C ABI: R0 = signal, R1 = siginfo, R2 =
// ucontext, R30 = the return to the kernel. See signal.go. It only uses
// R0-R17 and restores R29/R30: Go's handler saves what the C ABI asks.
TEXT ·sigHandler(SB), NOSPLIT|NOFRAME, $0
	MOVD $·profNext(SB), R9
	MOVD (R9), R9
	CMPW $3, R0 // SIGQUIT
	BNE  prof
	MOVD $·quitNext(SB), R9
	MOVD (R9), R9
	B    lookup
prof:
	MOVD $·profSeen(SB), R10
	MOVW $1, R11
	MOVW R11, (R10)
lookup:
	MOVD UC_PC(R2), R11
	MOVD $·codeRanges(SB), R10
	MOVD (R10), R10
	CBZ  R10, forward
	MOVD 0(R10), R12
	ADD  $16, R10, R13
loop:
	CBZ  R12, forward
	MOVD 0(R13), R14
	CMP  R14, R11
	BLO  next
	MOVD 8(R13), R14
	CMP  R14, R11
	BLO  native
next:
	ADD  $16, R13, R13
	SUB  $1, R12, R12
	B    loop
forward:
	JMP  (R9)

native:
	// A frame: saved R29/R30, the arguments and the copy.
	SUB  $(COPY+48), RSP, R13
	MOVD R13, RSP
	MOVD R29, 0(RSP)
	MOVD R30, 8(RSP)
	MOVD R0, 16(RSP)
	MOVD R1, 24(RSP)
	MOVD R9, 32(RSP)
	ADD  $48, RSP, R14
	MOVD $0, R12
copy:
	MOVD (R2)(R12), R15
	MOVD R15, (R14)(R12)
	ADD  $8, R12, R12
	CMP  $COPY, R12
	BLO  copy
	// The goroutine as it entered native code: X27 is the Context,
	// whose first words are Go's SP, frame pointer and link register at
	// entry.
	MOVD (48+UC_X27)(RSP), R10
	MOVD 0(R10), R11
	MOVD R11, (48+UC_SP)(RSP)
	MOVD 8(R10), R11
	MOVD R11, (48+UC_X29)(RSP)
	MOVD 16(R10), R11
	MOVD R11, (48+UC_X30)(RSP)
	MOVD R11, (48+UC_PC)(RSP)
	MOVD 16(RSP), R0
	MOVD 24(RSP), R1
	ADD  $48, RSP, R2
	MOVD 32(RSP), R9
	CALL (R9)
	MOVD 0(RSP), R29
	MOVD 8(RSP), R30
	ADD  $(COPY+48), RSP, R13
	MOVD R13, RSP
	RET

#include "go_asm.h"
#include "textflag.h"

// The context register of generated code is X27; Go's assembler also uses
// R27 as a temporary, but only for instructions it has to synthesise,
// and every instruction below encodes directly.

// func enter(ctx *Context, preamble uintptr)
TEXT ·enter(SB), NOSPLIT|NOFRAME, $0-16
	MOVD ctx+0(FP), R27
	MOVD preamble+8(FP), R1
	MOVD RSP, R2
	MOVD R2, Context_GoSP(R27)
	MOVD R29, Context_GoBP(R27)
	MOVD R30, Context_GoLR(R27)
	MOVD Context_Fuel(R27), R26 // generated code keeps the fuel count in X26
	MOVD Context_StackTop(R27), R2
	MOVD R2, RSP
	JMP  (R1)

// func resume(ctx *Context)
TEXT ·resume(SB), NOSPLIT|NOFRAME, $0-8
	MOVD ctx+0(FP), R27
	MOVD RSP, R2
	MOVD R2, Context_GoSP(R27)
	MOVD R29, Context_GoBP(R27)
	MOVD R30, Context_GoLR(R27)
	MOVD Context_Fuel(R27), R26
	MOVD Context_NativeSP(R27), R2
	MOVD R2, RSP
	MOVD Context_Resume(R27), R1
	JMP  (R1)

// func flushInstructionCache(p unsafe.Pointer, n uintptr)
// Cleans the data cache to the point of unification and invalidates the
// instruction cache over [p, p+n), line by line as CTR_EL0 gives the line
// sizes, then synchronises the pipeline.
TEXT ·flushInstructionCache(SB), NOSPLIT, $0-16
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	ADD  R0, R1, R1          // end
	MRS  CTR_EL0, R2
	// D-cache line: 4 << CTR_EL0.DminLine (bits 19:16)
	UBFX $16, R2, $4, R3
	MOVD $4, R4
	LSL  R3, R4, R3
	// I-cache line: 4 << CTR_EL0.IminLine (bits 3:0)
	AND  $15, R2, R5
	LSL  R5, R4, R5
	// Clean D-cache lines.
	SUB  $1, R3, R6
	BIC  R6, R0, R7
dloop:
	CMP  R1, R7
	BHS  ddone
	WORD $0xd50b7b27          // dc cvau, x7
	ADD  R3, R7, R7
	B    dloop
ddone:
	WORD $0xd5033b9f          // dsb ish
	SUB  $1, R5, R6
	BIC  R6, R0, R7
iloop:
	CMP  R1, R7
	BHS  idone
	WORD $0xd50b7527          // ic ivau, x7
	ADD  R5, R7, R7
	B    iloop
idone:
	WORD $0xd5033b9f          // dsb ish
	WORD $0xd5033fdf          // isb
	RET

#include "go_asm.h"
#include "textflag.h"

// func enter(ctx *Context, preamble uintptr)
TEXT ·enter(SB), NOSPLIT|NOFRAME, $0-16
	MOVQ ctx+0(FP), R15
	MOVQ preamble+8(FP), AX
	MOVQ SP, Context_GoSP(R15)
	MOVQ BP, Context_GoBP(R15)
	MOVQ Context_Fuel(R15), BP // generated code keeps the fuel count in RBP
	MOVQ Context_StackTop(R15), SP
	JMP  AX

// func resume(ctx *Context)
TEXT ·resume(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ ctx+0(FP), R15
	MOVQ SP, Context_GoSP(R15)
	MOVQ BP, Context_GoBP(R15)
	MOVQ Context_Fuel(R15), BP
	MOVQ Context_NativeSP(R15), SP
	MOVQ Context_Resume(R15), AX
	JMP  AX

// func flushInstructionCache(p unsafe.Pointer, n uintptr)
// x86 keeps instruction fetch coherent with stores.
TEXT ·flushInstructionCache(SB), NOSPLIT, $0-16
	RET

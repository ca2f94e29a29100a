package arm64

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// golden lists instructions with their expected text and encoding. The
// words were worked out by hand from the encoding diagrams of the Arm ARM
// (C4.1); the LSE atomics match the vectors of LLVM's armv8.1a-lse.s MC
// test. TestGoldenDecode also decodes every word that x/arch's arm64asm
// knows, so a mistake in a hand-written word shows up against an
// independent decoder, not only against this package's encoder.
var golden = []struct {
	in   Inst
	text string
	hex  string
}{
	// ADD/SUB shifted register: sf op S 01011 shift 0 Rm imm6 Rn Rd.
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "add x0, x1, x2", "8b020020"},
	{Inst{Op: ADD, Size: 4, Rd: X0, Rn: X1, Rm: X2}, "add w0, w1, w2", "0b020020"},
	{Inst{Op: ADD, Size: 8, Rd: X30, Rn: X30, Rm: X30}, "add x30, x30, x30", "8b1e03de"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Rm: X2, Amount: 3}, "add x0, x1, x2, lsl #3", "8b020c20"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Rm: X2, Shift: ShiftLSR, Amount: 63}, "add x0, x1, x2, lsr #63", "8b42fc20"},
	{Inst{Op: ADD, Size: 4, Rd: X0, Rn: X1, Rm: X2, Shift: ShiftASR, Amount: 31}, "add w0, w1, w2, asr #31", "0b827c20"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: XZR, Rm: X2}, "add x0, xzr, x2", "8b0203e0"},
	{Inst{Op: ADD, Size: 8, Rd: XZR, Rn: X1, Rm: XZR}, "add xzr, x1, xzr", "8b1f003f"},
	// With SP the extended-register form (UXTX/UXTW) is used.
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: SP, Rm: X2}, "add x0, sp, x2", "8b2263e0"},
	{Inst{Op: ADD, Size: 8, Rd: SP, Rn: SP, Rm: X2, Amount: 4}, "add sp, sp, x2, lsl #4", "8b2273ff"},
	{Inst{Op: ADD, Size: 4, Rd: X0, Rn: SP, Rm: X2}, "add w0, wsp, w2", "0b2243e0"},
	{Inst{Op: SUB, Size: 8, Rd: SP, Rn: X1, Rm: X2}, "sub sp, x1, x2", "cb22603f"},
	// ADD/SUB immediate: sf op S 100010 sh imm12 Rn Rd.
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1}, "add x0, x1, #0x0", "91000020"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: 0xfff}, "add x0, x1, #0xfff", "913ffc20"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: 0x1000}, "add x0, x1, #0x1, lsl #12", "91400420"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: 0xfff000}, "add x0, x1, #0xfff, lsl #12", "917ffc20"},
	{Inst{Op: ADD, Size: 8, Rd: SP, Rn: SP, Imm: 16}, "add sp, sp, #0x10", "910043ff"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: SP}, "add x0, sp, #0x0", "910003e0"},
	{Inst{Op: ADD, Size: 4, Rd: X0, Rn: X1, Imm: 1}, "add w0, w1, #0x1", "11000420"},
	{Inst{Op: SUB, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "sub x0, x1, x2", "cb020020"},
	{Inst{Op: SUB, Size: 8, Rd: SP, Rn: SP, Imm: 32}, "sub sp, sp, #0x20", "d10083ff"},
	{Inst{Op: SUB, Size: 4, Rd: X30, Rn: X30, Imm: 0xfff}, "sub w30, w30, #0xfff", "513fffde"},
	{Inst{Op: ADDS, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "adds x0, x1, x2", "ab020020"},
	{Inst{Op: ADDS, Size: 8, Rd: X0, Rn: SP, Imm: 1}, "adds x0, sp, #0x1", "b10007e0"},
	{Inst{Op: SUBS, Size: 8, Rd: X0, Rn: X1, Imm: 1}, "subs x0, x1, #0x1", "f1000420"},
	{Inst{Op: SUBS, Size: 4, Rd: X0, Rn: X1, Rm: X2}, "subs w0, w1, w2", "6b020020"},
	{Inst{Op: CMP, Size: 8, Rn: X1, Rm: X2}, "cmp x1, x2", "eb02003f"},
	{Inst{Op: CMP, Size: 4, Rn: X1, Imm: 0xfff}, "cmp w1, #0xfff", "713ffc3f"},
	{Inst{Op: CMP, Size: 8, Rn: SP, Rm: X2}, "cmp sp, x2", "eb2263ff"},
	{Inst{Op: CMP, Size: 8, Rn: X0, Imm: 0x1000}, "cmp x0, #0x1, lsl #12", "f140041f"},
	{Inst{Op: CMP, Size: 8, Rn: X30, Rm: X0, Shift: ShiftASR, Amount: 2}, "cmp x30, x0, asr #2", "eb800bdf"},
	{Inst{Op: CMN, Size: 8, Rn: X1, Imm: 1}, "cmn x1, #0x1", "b100043f"},
	{Inst{Op: CMN, Size: 4, Rn: X1, Rm: X2}, "cmn w1, w2", "2b02003f"},
	{Inst{Op: NEG, Size: 8, Rd: X0, Rn: X2}, "neg x0, x2", "cb0203e0"},
	{Inst{Op: NEG, Size: 4, Rd: X0, Rn: X2, Amount: 1}, "neg w0, w2, lsl #1", "4b0207e0"},

	// Logic shifted register: sf opc 01010 shift N Rm imm6 Rn Rd.
	{Inst{Op: AND, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "and x0, x1, x2", "8a020020"},
	{Inst{Op: AND, Size: 4, Rd: X0, Rn: X1, Rm: X2, Shift: ShiftROR, Amount: 7}, "and w0, w1, w2, ror #7", "0ac21c20"},
	{Inst{Op: ORR, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "orr x0, x1, x2", "aa020020"},
	{Inst{Op: EOR, Size: 8, Rd: X30, Rn: X30, Rm: X30, Amount: 63}, "eor x30, x30, x30, lsl #63", "ca1effde"},
	{Inst{Op: ANDS, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "ands x0, x1, x2", "ea020020"},
	{Inst{Op: BIC, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "bic x0, x1, x2", "8a220020"},
	{Inst{Op: ORN, Size: 4, Rd: X0, Rn: X1, Rm: X2}, "orn w0, w1, w2", "2a220020"},
	{Inst{Op: EON, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "eon x0, x1, x2", "ca220020"},
	{Inst{Op: TST, Size: 8, Rn: X1, Rm: X2}, "tst x1, x2", "ea02003f"},
	{Inst{Op: MVN, Size: 8, Rd: X0, Rn: X2}, "mvn x0, x2", "aa2203e0"},
	// Logic immediate: sf opc 100100 N immr imms Rn Rd.
	{Inst{Op: TST, Size: 4, Rn: X1, Imm: 1}, "tst w1, #0x1", "7200003f"},
	{Inst{Op: AND, Size: 8, Rd: X0, Rn: X1, Imm: 0xff}, "and x0, x1, #0xff", "92401c20"},
	{Inst{Op: AND, Size: 4, Rd: X0, Rn: X1, Imm: 0xff}, "and w0, w1, #0xff", "12001c20"},
	{Inst{Op: ORR, Size: 8, Rd: X0, Rn: X1, Imm: 0xffff0000}, "orr x0, x1, #0xffff0000", "b2703c20"},
	{Inst{Op: ORR, Size: 4, Rd: X0, Rn: X1, Imm: 0xffff0000}, "orr w0, w1, #0xffff0000", "32103c20"},
	{Inst{Op: EOR, Size: 8, Rd: X0, Rn: X1, Imm: 0x5555555555555555}, "eor x0, x1, #0x5555555555555555", "d200f020"},
	{Inst{Op: AND, Size: 8, Rd: X0, Rn: X1, Imm: -2}, "and x0, x1, #0xfffffffffffffffe", "927ff820"},
	{Inst{Op: ANDS, Size: 8, Rd: X0, Rn: X1, Imm: -1 << 63}, "ands x0, x1, #0x8000000000000000", "f2410020"},
	{Inst{Op: AND, Size: 8, Rd: SP, Rn: X1, Imm: 0xf}, "and sp, x1, #0xf", "92400c3f"},
	{Inst{Op: TST, Size: 8, Rn: X0, Imm: 0xf0000000f}, "tst x0, #0xf0000000f", "f2000c1f"},
	{Inst{Op: ORR, Size: 4, Rd: X0, Rn: X1, Imm: -2}, "orr w0, w1, #0xfffffffe", "321f7820"},
	{Inst{Op: ORR, Size: 8, Rd: X0, Rn: XZR, Imm: 0x5555555555555555}, "orr x0, xzr, #0x5555555555555555", "b200f3e0"},

	// Moves.
	{Inst{Op: MOV, Size: 8, Rd: X0, Rn: X1}, "mov x0, x1", "aa0103e0"},
	{Inst{Op: MOV, Size: 4, Rd: X0, Rn: X1}, "mov w0, w1", "2a0103e0"},
	{Inst{Op: MOV, Size: 8, Rd: SP, Rn: X0}, "mov sp, x0", "9100001f"},
	{Inst{Op: MOV, Size: 8, Rd: X0, Rn: SP}, "mov x0, sp", "910003e0"},
	{Inst{Op: MOV, Size: 4, Rd: SP, Rn: X0}, "mov wsp, w0", "1100001f"},
	{Inst{Op: MOV, Size: 8, Rd: X30, Rn: XZR}, "mov x30, xzr", "aa1f03fe"},
	// Move wide: sf opc 100101 hw imm16 Rd.
	{Inst{Op: MOVZ, Size: 8, Rd: X0}, "movz x0, #0x0", "d2800000"},
	{Inst{Op: MOVZ, Size: 8, Rd: X0, Imm: 0xffff, Amount: 48}, "movz x0, #0xffff, lsl #48", "d2ffffe0"},
	{Inst{Op: MOVZ, Size: 4, Rd: X0, Imm: 0x1234, Amount: 16}, "movz w0, #0x1234, lsl #16", "52a24680"},
	{Inst{Op: MOVN, Size: 8, Rd: X0}, "movn x0, #0x0", "92800000"},
	{Inst{Op: MOVN, Size: 4, Rd: X0, Imm: 0xffff, Amount: 16}, "movn w0, #0xffff, lsl #16", "12bfffe0"},
	{Inst{Op: MOVK, Size: 8, Rd: X30, Imm: 1, Amount: 32}, "movk x30, #0x1, lsl #32", "f2c0003e"},
	{Inst{Op: MOVK, Size: 4, Rd: X0, Imm: 0xffff}, "movk w0, #0xffff", "729fffe0"},
	{Inst{Op: MOVZ, Size: 8, Rd: XZR, Imm: 5}, "movz xzr, #0x5", "d28000bf"},

	// Multiply and divide: 3-source sf 00 11011 op31 Rm o0 Ra Rn Rd and
	// 2-source sf 0 0 11010110 Rm opcode Rn Rd.
	{Inst{Op: MUL, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "mul x0, x1, x2", "9b027c20"},
	{Inst{Op: MUL, Size: 4, Rd: X0, Rn: X1, Rm: X2}, "mul w0, w1, w2", "1b027c20"},
	{Inst{Op: MADD, Size: 8, Rd: X0, Rn: X1, Rm: X2, Ra: X3}, "madd x0, x1, x2, x3", "9b020c20"},
	{Inst{Op: MSUB, Size: 8, Rd: X0, Rn: X1, Rm: X2, Ra: X3}, "msub x0, x1, x2, x3", "9b028c20"},
	{Inst{Op: MSUB, Size: 4, Rd: X30, Rn: X30, Rm: X30, Ra: X30}, "msub w30, w30, w30, w30", "1b1efbde"},
	{Inst{Op: SMULH, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "smulh x0, x1, x2", "9b427c20"},
	{Inst{Op: UMULH, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "umulh x0, x1, x2", "9bc27c20"},
	{Inst{Op: UDIV, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "udiv x0, x1, x2", "9ac20820"},
	{Inst{Op: SDIV, Size: 4, Rd: X0, Rn: X1, Rm: X2}, "sdiv w0, w1, w2", "1ac20c20"},
	{Inst{Op: UDIV, Size: 8, Rd: XZR, Rn: XZR, Rm: XZR}, "udiv xzr, xzr, xzr", "9adf0bff"},

	// Shifts: by register (LSLV/LSRV/ASRV) and by immediate (UBFM/SBFM:
	// sf opc 100110 N immr imms Rn Rd).
	{Inst{Op: LSL, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "lsl x0, x1, x2", "9ac22020"},
	{Inst{Op: LSR, Size: 4, Rd: X0, Rn: X1, Rm: X2}, "lsr w0, w1, w2", "1ac22420"},
	{Inst{Op: ASR, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "asr x0, x1, x2", "9ac22820"},
	{Inst{Op: LSL, Size: 8, Rd: X0, Rn: X1, Imm: 1}, "lsl x0, x1, #1", "d37ff820"},
	{Inst{Op: LSL, Size: 8, Rd: X0, Rn: X1, Imm: 63}, "lsl x0, x1, #63", "d3410020"},
	{Inst{Op: LSL, Size: 4, Rd: X0, Rn: X1, Imm: 31}, "lsl w0, w1, #31", "53010020"},
	{Inst{Op: LSL, Size: 8, Rd: X0, Rn: X1}, "lsl x0, x1, #0", "d340fc20"},
	{Inst{Op: LSR, Size: 8, Rd: X0, Rn: X1, Imm: 4}, "lsr x0, x1, #4", "d344fc20"},
	{Inst{Op: LSR, Size: 4, Rd: X0, Rn: X1, Imm: 31}, "lsr w0, w1, #31", "531f7c20"},
	{Inst{Op: ASR, Size: 8, Rd: X0, Rn: X1, Imm: 63}, "asr x0, x1, #63", "937ffc20"},
	{Inst{Op: ASR, Size: 4, Rd: X0, Rn: X1, Imm: 1}, "asr w0, w1, #1", "13017c20"},
	{Inst{Op: UBFM, Size: 8, Rd: X0, Rn: X1, Imm: 8, Imm2: 15}, "ubfm x0, x1, #8, #15", "d3483c20"},
	{Inst{Op: SBFM, Size: 4, Rd: X0, Rn: X1}, "sbfm w0, w1, #0, #0", "13000020"},

	// Extensions.
	{Inst{Op: SXTB, Size: 8, Rd: X0, Rn: X1}, "sxtb x0, w1", "93401c20"},
	{Inst{Op: SXTB, Size: 4, Rd: X0, Rn: X1}, "sxtb w0, w1", "13001c20"},
	{Inst{Op: SXTH, Size: 8, Rd: X0, Rn: X1}, "sxth x0, w1", "93403c20"},
	{Inst{Op: SXTW, Size: 8, Rd: X0, Rn: X1}, "sxtw x0, w1", "93407c20"},
	{Inst{Op: UXTB, Size: 4, Rd: X0, Rn: X1}, "uxtb w0, w1", "53001c20"},
	{Inst{Op: UXTB, Size: 8, Rd: X0, Rn: X1}, "uxtb w0, w1", "53001c20"},
	{Inst{Op: UXTH, Rd: X0, Rn: X1}, "uxth w0, w1", "53003c20"},

	// Byte reversal: sf 1 0 11010110 00000 opcode Rn Rd.
	{Inst{Op: REV16, Size: 4, Rd: X0, Rn: X1}, "rev16 w0, w1", "5ac00420"},
	{Inst{Op: REV16, Size: 8, Rd: X0, Rn: X1}, "rev16 x0, x1", "dac00420"},
	{Inst{Op: REV32, Size: 8, Rd: X0, Rn: X1}, "rev32 x0, x1", "dac00820"},
	{Inst{Op: REV, Size: 4, Rd: X0, Rn: X1}, "rev w0, w1", "5ac00820"},
	{Inst{Op: REV, Size: 8, Rd: X30, Rn: X30}, "rev x30, x30", "dac00fde"},

	// Conditional select: sf op 0 11010100 Rm cond op2 Rn Rd.
	{Inst{Op: CSEL, Size: 8, Rd: X0, Rn: X1, Rm: X2, Cond: CondEQ}, "csel x0, x1, x2, eq", "9a820020"},
	{Inst{Op: CSEL, Size: 4, Rd: X0, Rn: X1, Rm: X2, Cond: CondLT}, "csel w0, w1, w2, lt", "1a82b020"},
	{Inst{Op: CSINC, Size: 8, Rd: X0, Rn: X1, Rm: X2, Cond: CondEQ}, "csinc x0, x1, x2, eq", "9a820420"},
	{Inst{Op: CSINV, Size: 8, Rd: X0, Rn: X1, Rm: X2, Cond: CondNE}, "csinv x0, x1, x2, ne", "da821020"},
	{Inst{Op: CSNEG, Size: 8, Rd: X0, Rn: X1, Rm: X2, Cond: CondEQ}, "csneg x0, x1, x2, eq", "da820420"},
	{Inst{Op: CSET, Size: 8, Rd: X0, Cond: CondEQ}, "cset x0, eq", "9a9f17e0"},
	{Inst{Op: CSET, Size: 4, Rd: X0, Cond: CondHI}, "cset w0, hi", "1a9f97e0"},
	{Inst{Op: CSETM, Size: 8, Rd: X0, Cond: CondNE}, "csetm x0, ne", "da9f03e0"},

	// Loads and stores, unsigned scaled offset: size 111 0 01 opc imm12 Rn Rt.
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, 0)}, "ldr x0, [x1]", "f9400020"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, 8)}, "ldr x0, [x1, #8]", "f9400420"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, 32760)}, "ldr x0, [x1, #32760]", "f97ffc20"},
	{Inst{Op: LDR, Size: 4, Rt: X0, Mem: M(X1, 4)}, "ldr w0, [x1, #4]", "b9400420"},
	{Inst{Op: LDR, Size: 4, Rt: X0, Mem: M(X1, 16380)}, "ldr w0, [x1, #16380]", "b97ffc20"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(SP, 8)}, "ldr x0, [sp, #8]", "f94007e0"},
	{Inst{Op: LDR, Size: 8, Rt: X30, Mem: M(X0, 0)}, "ldr x30, [x0]", "f940001e"},
	{Inst{Op: LDR, Size: 8, Rt: XZR, Mem: M(X0, 0)}, "ldr xzr, [x0]", "f940001f"},
	{Inst{Op: LDRB, Rt: X0, Mem: M(X1, 0)}, "ldrb w0, [x1]", "39400020"},
	{Inst{Op: LDRB, Size: 8, Rt: X0, Mem: M(X1, 4095)}, "ldrb w0, [x1, #4095]", "397ffc20"},
	{Inst{Op: LDRH, Size: 4, Rt: X0, Mem: M(X1, 2)}, "ldrh w0, [x1, #2]", "79400420"},
	{Inst{Op: LDRH, Size: 4, Rt: X0, Mem: M(X1, 8190)}, "ldrh w0, [x1, #8190]", "797ffc20"},
	{Inst{Op: LDRSB, Size: 8, Rt: X0, Mem: M(X1, 0)}, "ldrsb x0, [x1]", "39800020"},
	{Inst{Op: LDRSB, Size: 4, Rt: X0, Mem: M(X1, 0)}, "ldrsb w0, [x1]", "39c00020"},
	{Inst{Op: LDRSH, Size: 8, Rt: X0, Mem: M(X1, 2)}, "ldrsh x0, [x1, #2]", "79800420"},
	{Inst{Op: LDRSH, Size: 4, Rt: X0, Mem: M(X1, 0)}, "ldrsh w0, [x1]", "79c00020"},
	{Inst{Op: LDRSW, Size: 8, Rt: X0, Mem: M(X1, 4)}, "ldrsw x0, [x1, #4]", "b9800420"},
	{Inst{Op: STR, Size: 8, Rt: X0, Mem: M(X1, 0)}, "str x0, [x1]", "f9000020"},
	{Inst{Op: STR, Size: 4, Rt: X30, Mem: M(SP, 4)}, "str w30, [sp, #4]", "b90007fe"},
	{Inst{Op: STR, Size: 8, Rt: XZR, Mem: M(SP, 16)}, "str xzr, [sp, #16]", "f9000bff"},
	{Inst{Op: STRB, Size: 4, Rt: X0, Mem: M(X1, 1)}, "strb w0, [x1, #1]", "39000420"},
	{Inst{Op: STRH, Size: 4, Rt: X0, Mem: M(X1, 2)}, "strh w0, [x1, #2]", "79000420"},
	// Unscaled signed offset (LDUR family): size 111 0 00 opc 0 imm9 00 Rn Rt.
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, -8)}, "ldur x0, [x1, #-8]", "f85f8020"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, -256)}, "ldur x0, [x1, #-256]", "f8500020"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, 255)}, "ldur x0, [x1, #255]", "f84ff020"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, 4)}, "ldur x0, [x1, #4]", "f8404020"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MUnscaled(X1, 8)}, "ldur x0, [x1, #8]", "f8408020"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MUnscaled(SP, 0)}, "ldur x0, [sp]", "f84003e0"},
	{Inst{Op: LDRB, Size: 4, Rt: X0, Mem: M(X1, -1)}, "ldurb w0, [x1, #-1]", "385ff020"},
	{Inst{Op: LDRH, Size: 4, Rt: X0, Mem: M(X1, 1)}, "ldurh w0, [x1, #1]", "78401020"},
	{Inst{Op: LDRSW, Size: 8, Rt: X0, Mem: M(X1, -4)}, "ldursw x0, [x1, #-4]", "b89fc020"},
	{Inst{Op: STR, Size: 4, Rt: X0, Mem: M(X1, -4)}, "stur w0, [x1, #-4]", "b81fc020"},
	// Pre- and post-index: imm9 with 11 / 01 in bits 11-10.
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MPre(X1, 8)}, "ldr x0, [x1, #8]!", "f8408c20"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MPost(X1, -8)}, "ldr x0, [x1], #-8", "f85f8420"},
	{Inst{Op: STR, Size: 8, Rt: X0, Mem: MPre(X1, -16)}, "str x0, [x1, #-16]!", "f81f0c20"},
	{Inst{Op: STR, Size: 8, Rt: X30, Mem: MPre(SP, -256)}, "str x30, [sp, #-256]!", "f8100ffe"},
	{Inst{Op: LDRB, Size: 4, Rt: X0, Mem: MPost(X1, 255)}, "ldrb w0, [x1], #255", "384ff420"},
	// Register offset: size 111 0 00 opc 1 Rm option S 10 Rn Rt.
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MIndex(X1, X2)}, "ldr x0, [x1, x2]", "f8626820"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MIndexScaled(X1, X2)}, "ldr x0, [x1, x2, lsl #3]", "f8627820"},
	{Inst{Op: LDR, Size: 4, Rt: X0, Mem: MIndexScaled(X1, X2)}, "ldr w0, [x1, x2, lsl #2]", "b8627820"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MIndex(SP, XZR)}, "ldr x0, [sp, xzr]", "f87f6be0"},
	{Inst{Op: LDRB, Size: 4, Rt: X0, Mem: MIndexScaled(X1, X2)}, "ldrb w0, [x1, x2]", "38626820"},
	{Inst{Op: LDRH, Size: 4, Rt: X0, Mem: MIndexScaled(X1, X2)}, "ldrh w0, [x1, x2, lsl #1]", "78627820"},
	{Inst{Op: LDRSW, Size: 8, Rt: X0, Mem: MIndexScaled(X1, X30)}, "ldrsw x0, [x1, x30, lsl #2]", "b8be7820"},
	{Inst{Op: STRH, Size: 4, Rt: X0, Mem: MIndex(X1, X2)}, "strh w0, [x1, x2]", "78226820"},
	{Inst{Op: STRB, Size: 4, Rt: XZR, Mem: MIndex(X1, X2)}, "strb wzr, [x1, x2]", "3822683f"},

	// Pairs: opc 101 0 mode L imm7 Rt2 Rn Rt.
	{Inst{Op: STP, Size: 8, Rt: X29, Rt2: X30, Mem: MPre(SP, -16)}, "stp x29, x30, [sp, #-16]!", "a9bf7bfd"},
	{Inst{Op: LDP, Size: 8, Rt: X29, Rt2: X30, Mem: MPost(SP, 16)}, "ldp x29, x30, [sp], #16", "a8c17bfd"},
	{Inst{Op: LDP, Size: 8, Rt: X0, Rt2: X1, Mem: M(X2, 504)}, "ldp x0, x1, [x2, #504]", "a95f8440"},
	{Inst{Op: LDP, Size: 8, Rt: X0, Rt2: X1, Mem: M(SP, 0)}, "ldp x0, x1, [sp]", "a94007e0"},
	{Inst{Op: STP, Size: 4, Rt: X0, Rt2: X1, Mem: M(X2, -256)}, "stp w0, w1, [x2, #-256]", "29200440"},
	{Inst{Op: STP, Size: 8, Rt: XZR, Rt2: XZR, Mem: M(SP, -512)}, "stp xzr, xzr, [sp, #-512]", "a9207fff"},

	// Exclusives and ordered accesses: size 001000 o2 L o1 Rs o0 Rt2 Rn Rt.
	{Inst{Op: LDXR, Size: 8, Rt: X0, Mem: M(X1, 0)}, "ldxr x0, [x1]", "c85f7c20"},
	{Inst{Op: LDXR, Size: 4, Rt: X0, Mem: M(SP, 0)}, "ldxr w0, [sp]", "885f7fe0"},
	{Inst{Op: LDXR, Size: 8, Rt: X0, Mem: M(X1, 0), Order: Acquire}, "ldaxr x0, [x1]", "c85ffc20"},
	{Inst{Op: STXR, Size: 8, Rs: X2, Rt: X0, Mem: M(X1, 0)}, "stxr w2, x0, [x1]", "c8027c20"},
	{Inst{Op: STXR, Size: 4, Rs: X2, Rt: X0, Mem: M(X1, 0), Order: Release}, "stlxr w2, w0, [x1]", "8802fc20"},
	{Inst{Op: STXR, Size: 8, Rs: X30, Rt: XZR, Mem: M(SP, 0)}, "stxr w30, xzr, [sp]", "c81e7fff"},
	{Inst{Op: LDAR, Size: 8, Rt: X0, Mem: M(X1, 0)}, "ldar x0, [x1]", "c8dffc20"},
	{Inst{Op: LDAR, Size: 4, Rt: X0, Mem: M(X1, 0)}, "ldar w0, [x1]", "88dffc20"},
	{Inst{Op: LDARB, Rt: X0, Mem: M(X1, 0)}, "ldarb w0, [x1]", "08dffc20"},
	{Inst{Op: LDARH, Size: 4, Rt: X0, Mem: M(X1, 0)}, "ldarh w0, [x1]", "48dffc20"},
	{Inst{Op: STLR, Size: 8, Rt: X0, Mem: M(X1, 0)}, "stlr x0, [x1]", "c89ffc20"},
	{Inst{Op: STLR, Size: 4, Rt: X30, Mem: M(SP, 0)}, "stlr w30, [sp]", "889ffffe"},
	{Inst{Op: STLRB, Size: 4, Rt: X0, Mem: M(X1, 0)}, "stlrb w0, [x1]", "089ffc20"},
	{Inst{Op: STLRH, Size: 8, Rt: X0, Mem: M(X1, 0)}, "stlrh w0, [x1]", "489ffc20"},

	// LSE atomics: size 111 0 00 A R 1 Rs o3 opc 00 Rn Rt, and CAS:
	// size 001000 1 L 1 Rs o0 11111 Rn Rt.
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0)}, "ldadd x0, x1, [x2]", "f8200041"},
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: Acquire}, "ldadda x0, x1, [x2]", "f8a00041"},
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: Release}, "ldaddl x0, x1, [x2]", "f8600041"},
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: AcqRel}, "ldaddal x0, x1, [x2]", "f8e00041"},
	{Inst{Op: LDADD, Size: 4, Rs: X2, Rt: X3, Mem: M(SP, 0)}, "ldadd w2, w3, [sp]", "b82203e3"},
	{Inst{Op: LDADD, Size: 4, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: AcqRel}, "ldaddal w0, w1, [x2]", "b8e00041"},
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: XZR, Mem: M(X1, 0)}, "ldadd x0, xzr, [x1]", "f820003f"},
	{Inst{Op: LDADD, Size: 8, Rs: X30, Rt: X30, Mem: M(X30, 0)}, "ldadd x30, x30, [x30]", "f83e03de"},
	{Inst{Op: LDCLR, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0)}, "ldclr x0, x1, [x2]", "f8201041"},
	{Inst{Op: LDCLR, Size: 8, Rs: X2, Rt: X3, Mem: M(SP, 0), Order: AcqRel}, "ldclral x2, x3, [sp]", "f8e213e3"},
	{Inst{Op: LDCLR, Size: 4, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: Acquire}, "ldclra w0, w1, [x2]", "b8a01041"},
	{Inst{Op: LDEOR, Size: 4, Rs: X0, Rt: X1, Mem: M(X2, 0)}, "ldeor w0, w1, [x2]", "b8202041"},
	{Inst{Op: LDEOR, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: AcqRel}, "ldeoral x0, x1, [x2]", "f8e02041"},
	{Inst{Op: LDSET, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0)}, "ldset x0, x1, [x2]", "f8203041"},
	{Inst{Op: LDSET, Size: 4, Rs: X2, Rt: X3, Mem: M(SP, 0), Order: AcqRel}, "ldsetal w2, w3, [sp]", "b8e233e3"},
	{Inst{Op: LDSET, Size: 4, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: Release}, "ldsetl w0, w1, [x2]", "b8603041"},
	{Inst{Op: SWP, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0)}, "swp x0, x1, [x2]", "f8208041"},
	{Inst{Op: SWP, Size: 8, Rs: X2, Rt: X3, Mem: M(SP, 0), Order: AcqRel}, "swpal x2, x3, [sp]", "f8e283e3"},
	{Inst{Op: SWP, Size: 4, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: Acquire}, "swpa w0, w1, [x2]", "b8a08041"},
	{Inst{Op: SWP, Size: 4, Rs: X2, Rt: X3, Mem: M(SP, 0), Order: Release}, "swpl w2, w3, [sp]", "b86283e3"},
	{Inst{Op: CAS, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0)}, "cas x0, x1, [x2]", "c8a07c41"},
	{Inst{Op: CAS, Size: 8, Rs: X2, Rt: X3, Mem: M(SP, 0), Order: AcqRel}, "casal x2, x3, [sp]", "c8e2ffe3"},
	{Inst{Op: CAS, Size: 4, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: Acquire}, "casa w0, w1, [x2]", "88e07c41"},
	{Inst{Op: CAS, Size: 4, Rs: X2, Rt: X3, Mem: M(SP, 0), Order: Release}, "casl w2, w3, [sp]", "88a2ffe3"},
	{Inst{Op: CAS, Size: 4, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: AcqRel}, "casal w0, w1, [x2]", "88e0fc41"},

	// Barriers, register branches, hints and exceptions.
	{Inst{Op: DMB, Imm: BarrierISH}, "dmb ish", "d5033bbf"},
	{Inst{Op: DMB, Imm: BarrierISHLD}, "dmb ishld", "d50339bf"},
	{Inst{Op: DMB, Imm: BarrierISHST}, "dmb ishst", "d5033abf"},
	{Inst{Op: DMB, Imm: BarrierSY}, "dmb sy", "d5033fbf"},
	{Inst{Op: BR, Rn: X16}, "br x16", "d61f0200"},
	{Inst{Op: BLR, Size: 8, Rn: X30}, "blr x30", "d63f03c0"},
	{Inst{Op: RET}, "ret", "d65f03c0"},
	{Inst{Op: RET, Rn: X30}, "ret", "d65f03c0"},
	{Inst{Op: RET, Rn: X1}, "ret x1", "d65f0020"},
	{Inst{Op: NOP}, "nop", "d503201f"},
	{Inst{Op: BRK}, "brk #0x0", "d4200000"},
	{Inst{Op: BRK, Imm: 0xffff}, "brk #0xffff", "d43fffe0"},
	{Inst{Op: UDF}, "udf #0x0", "00000000"},
	{Inst{Op: UDF, Imm: 0x1234}, "udf #0x1234", "00001234"},
}

// branchGolden lists label branches with the offset EncodeBranch gets.
var branchGolden = []struct {
	in   Inst
	rel  int64
	text string
	hex  string
}{
	{Inst{Op: B}, 0, "b L0", "14000000"},
	{Inst{Op: B, Label: 7}, -4, "b L7", "17ffffff"},
	{Inst{Op: B}, 1<<27 - 4, "b L0", "15ffffff"},
	{Inst{Op: B}, -1 << 27, "b L0", "16000000"},
	{Inst{Op: BL}, 4, "bl L0", "94000001"},
	{Inst{Op: BCOND, Cond: CondEQ}, 8, "b.eq L0", "54000040"},
	{Inst{Op: BCOND, Cond: CondNE}, -4, "b.ne L0", "54ffffe1"},
	{Inst{Op: BCOND, Cond: CondHS}, 1<<20 - 4, "b.hs L0", "547fffe2"},
	{Inst{Op: BCOND, Cond: CondLO}, -1 << 20, "b.lo L0", "54800003"},
	{Inst{Op: BCOND, Cond: CondLE}, 0, "b.le L0", "5400000d"},
	{Inst{Op: CBZ, Size: 8, Rt: X0}, 8, "cbz x0, L0", "b4000040"},
	{Inst{Op: CBZ, Size: 4, Rt: X30}, -4, "cbz w30, L0", "34fffffe"},
	{Inst{Op: CBNZ, Size: 8, Rt: X1}, 4, "cbnz x1, L0", "b5000021"},
	{Inst{Op: CBZ, Size: 8, Rt: XZR}, 0, "cbz xzr, L0", "b400001f"},
	{Inst{Op: TBZ, Rt: X0, Imm: 3}, 8, "tbz w0, #3, L0", "36180040"},
	{Inst{Op: TBZ, Size: 8, Rt: X0, Imm: 63}, 8, "tbz x0, #63, L0", "b6f80040"},
	{Inst{Op: TBNZ, Size: 4, Rt: X1}, -4, "tbnz w1, #0, L0", "3707ffe1"},
	{Inst{Op: TBNZ, Size: 8, Rt: X30, Imm: 32}, 1<<15 - 4, "tbnz x30, #32, L0", "b703fffe"},
	{Inst{Op: TBZ, Rt: X2, Imm: 1}, -1 << 15, "tbz w2, #1, L0", "360c0002"},
	{Inst{Op: ADR, Rd: X0}, 0, "adr x0, L0", "10000000"},
	{Inst{Op: ADR, Rd: X1}, -1, "adr x1, L0", "70ffffe1"},
	{Inst{Op: ADR, Size: 8, Rd: X30}, 1<<20 - 1, "adr x30, L0", "707ffffe"},
}

func hexWord(t *testing.T, s string) uint32 {
	t.Helper()
	var w uint32
	if _, err := fmt.Sscanf(s, "%08x", &w); err != nil || len(s) != 8 {
		t.Fatalf("bad hex %q", s)
	}
	return w
}

func TestEncodeGolden(t *testing.T) {
	for _, g := range golden {
		if got := g.in.String(); got != g.text {
			t.Errorf("%+v: String() = %q, want %q", g.in, got, g.text)
		}
		want := hexWord(t, g.hex)
		got, err := Encode(&g.in)
		if err != nil {
			t.Errorf("%s: %v", g.text, err)
			continue
		}
		if got != want {
			t.Errorf("%s: got %08x, want %08x", g.text, got, want)
		}
	}
}

func TestEncodeBranchGolden(t *testing.T) {
	for _, g := range branchGolden {
		if got := g.in.String(); got != g.text {
			t.Errorf("%+v: String() = %q, want %q", g.in, got, g.text)
		}
		want := hexWord(t, g.hex)
		got, err := EncodeBranch(&g.in, g.rel)
		if err != nil {
			t.Errorf("%s %+d: %v", g.text, g.rel, err)
			continue
		}
		if got != want {
			t.Errorf("%s %+d: got %08x, want %08x", g.text, g.rel, got, want)
		}
		if _, err := Encode(&g.in); err == nil {
			t.Errorf("%s: Encode accepted a label branch", g.text)
		}
	}
}

// badInsts have no encoding; the string is part of the expected error.
var badInsts = []struct {
	in  Inst
	err string
}{
	{Inst{}, "unknown op"},
	{Inst{Op: numOps}, "unknown op"},
	{Inst{Op: ADD, Size: 2, Rd: X0, Rn: X1, Rm: X2}, "invalid size"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rm: X2}, "missing Rn"},
	{Inst{Op: ADD, Size: 8, Rn: X0, Rm: X2}, "missing Rd"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: 0x1001}, "not 0-4095"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: 0x1000000}, "not 0-4095"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: -1}, "not 0-4095"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Imm: 1, Amount: 12}, "no Shift/Amount"},
	{Inst{Op: ADD, Size: 8, Rd: XZR, Rn: X1, Imm: 1}, "Rd cannot be xzr"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: XZR, Imm: 1}, "Rn cannot be xzr"},
	{Inst{Op: ADDS, Size: 8, Rd: SP, Rn: X1, Imm: 1}, "Rd cannot be sp"},
	{Inst{Op: ADDS, Size: 8, Rd: SP, Rn: X1, Rm: X2}, "Rd cannot be sp"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Rm: SP}, "Rm cannot be sp"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: SP, Rm: X1, Shift: ShiftLSR, Amount: 1}, "only LSL"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: SP, Rm: X1, Amount: 5}, "only LSL"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Rm: X2, Shift: ShiftROR, Amount: 1}, "invalid shift"},
	{Inst{Op: ADD, Size: 4, Rd: X0, Rn: X1, Rm: X2, Amount: 32}, "out of range"},
	{Inst{Op: ADD, Size: 8, Rd: X0, Rn: X1, Rm: X2, Imm: 1}, "both Rm and Imm"},
	{Inst{Op: CMP, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "Rd not used by cmp"},
	{Inst{Op: AND, Size: 8, Rd: X0, Rn: X1}, "not a bitmask immediate"},
	{Inst{Op: AND, Size: 8, Rd: X0, Rn: X1, Imm: -1}, "not a bitmask immediate"},
	{Inst{Op: AND, Size: 8, Rd: X0, Rn: X1, Imm: 0x1234}, "not a bitmask immediate"},
	{Inst{Op: AND, Size: 4, Rd: X0, Rn: X1, Imm: 0x1ffffffff}, "not a bitmask immediate"},
	{Inst{Op: AND, Size: 4, Rd: X0, Rn: X1, Imm: 0xffffffff}, "not a bitmask immediate"},
	{Inst{Op: ORR, Size: 8, Rd: X0, Rn: SP, Imm: 1}, "Rn cannot be sp"},
	{Inst{Op: ANDS, Size: 8, Rd: SP, Rn: X0, Imm: 1}, "Rd cannot be sp"},
	{Inst{Op: AND, Size: 8, Rd: SP, Rn: X0, Rm: X1}, "Rd cannot be sp"},
	{Inst{Op: BIC, Size: 8, Rd: X0, Rn: X1, Imm: 1}, "missing Rm"},
	{Inst{Op: AND, Size: 8, Rd: X0, Rn: X1, Imm: 1, Amount: 1}, "no Shift/Amount"},
	{Inst{Op: NEG, Size: 8, Rd: X0}, "missing Rn"},
	{Inst{Op: NEG, Size: 8, Rd: X0, Rn: SP}, "Rn cannot be sp"},
	{Inst{Op: NEG, Size: 8, Rd: SP, Rn: X1}, "Rd cannot be sp"},
	{Inst{Op: MVN, Size: 8, Rd: X0, Rn: SP}, "Rn cannot be sp"},
	{Inst{Op: MOV, Size: 8, Rd: X0, Rn: X1, Imm: 5}, "Imm not used by mov"},
	{Inst{Op: MOV, Size: 8, Rd: SP, Rn: XZR}, "Rn cannot be xzr"},
	{Inst{Op: MOVZ, Size: 8, Rd: X0, Imm: 0x10000}, "does not fit 16 bits"},
	{Inst{Op: MOVZ, Size: 8, Rd: X0, Imm: -1}, "does not fit 16 bits"},
	{Inst{Op: MOVZ, Size: 4, Rd: X0, Imm: 1, Amount: 32}, "shift must be"},
	{Inst{Op: MOVZ, Size: 8, Rd: X0, Imm: 1, Amount: 8}, "shift must be"},
	{Inst{Op: MOVK, Size: 8, Rd: SP, Imm: 1}, "Rd cannot be sp"},
	{Inst{Op: SMULH, Size: 4, Rd: X0, Rn: X1, Rm: X2}, "invalid size"},
	{Inst{Op: MADD, Size: 8, Rd: X0, Rn: X1, Rm: X2}, "missing Ra"},
	{Inst{Op: LSL, Size: 8, Rd: X0, Rn: X1, Imm: 64}, "out of range"},
	{Inst{Op: LSR, Size: 4, Rd: X0, Rn: X1, Imm: 32}, "out of range"},
	{Inst{Op: ASR, Size: 8, Rd: X0, Rn: X1, Imm: -1}, "out of range"},
	{Inst{Op: UBFM, Size: 4, Rd: X0, Rn: X1, Imm: 32}, "out of range"},
	{Inst{Op: SXTW, Size: 4, Rd: X0, Rn: X1}, "invalid size"},
	{Inst{Op: REV32, Size: 4, Rd: X0, Rn: X1}, "invalid size"},
	{Inst{Op: CSET, Size: 8, Rd: X0, Cond: CondAL}, "no inverse"},
	{Inst{Op: CSEL, Size: 8, Rd: SP, Rn: X1, Rm: X2}, "Rd cannot be sp"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, 32768)}, "fits neither"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, -257)}, "fits neither"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(X1, 32761)}, "fits neither"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MUnscaled(X1, 256)}, "not in -256..255"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MPre(X1, -257)}, "not in -256..255"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: M(XZR, 0)}, "Mem.Base cannot be xzr"},
	{Inst{Op: LDR, Size: 8, Rt: SP, Mem: M(X0, 0)}, "Rt cannot be sp"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: MIndex(X1, SP)}, "Mem.Index cannot be sp"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: Mem{Base: X1, Index: X2}}, "need AddrIndex"},
	{Inst{Op: LDR, Size: 8, Rt: X0, Mem: Mem{Base: X1, Index: X2, Disp: 8, Mode: AddrIndex}}, "no Disp"},
	{Inst{Op: LDR, Size: 8, Rt: X1, Mem: MPre(X1, 8)}, "writeback"},
	{Inst{Op: STR, Size: 8, Rt: X1, Mem: MPost(X1, 8)}, "writeback"},
	{Inst{Op: LDR, Rt: X0, Mem: M(X1, 0)}, "invalid size"},
	{Inst{Op: LDRSW, Size: 4, Rt: X0, Mem: M(X1, 0)}, "invalid size"},
	{Inst{Op: LDR, Size: 8, Rd: X0, Mem: M(X1, 0)}, "Rd not used by ldr"},
	{Inst{Op: LDP, Size: 8, Rt: X0, Rt2: X0, Mem: M(X1, 0)}, "twice"},
	{Inst{Op: LDP, Size: 8, Rt: X0, Rt2: X1, Mem: M(X2, 4)}, "not a multiple"},
	{Inst{Op: LDP, Size: 8, Rt: X0, Rt2: X1, Mem: M(X2, 512)}, "not a multiple"},
	{Inst{Op: LDP, Size: 4, Rt: X0, Rt2: X1, Mem: M(X2, -260)}, "not a multiple"},
	{Inst{Op: LDP, Size: 8, Rt: X0, Rt2: X1, Mem: MUnscaled(X2, 8)}, "take AddrOffset"},
	{Inst{Op: STP, Size: 8, Rt: X0, Rt2: X2, Mem: MPre(X2, 16)}, "writeback"},
	{Inst{Op: LDXR, Size: 8, Rt: X0, Mem: M(X1, 8)}, "plain [base]"},
	{Inst{Op: LDXR, Size: 8, Rt: X0, Mem: M(X1, 0), Order: Release}, "invalid order"},
	{Inst{Op: LDAR, Size: 8, Rt: X0, Mem: M(X1, 0), Order: Acquire}, "invalid order"},
	{Inst{Op: STXR, Size: 8, Rs: X0, Rt: X0, Mem: M(X1, 0)}, "status register"},
	{Inst{Op: STXR, Size: 8, Rs: X1, Rt: X0, Mem: M(X1, 0)}, "status register"},
	{Inst{Op: STXR, Size: 8, Rs: X2, Rt: X0, Mem: M(X1, 0), Order: Acquire}, "invalid order"},
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 8)}, "plain [base]"},
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: X1, Mem: MIndex(X2, X3)}, "plain [base]"},
	{Inst{Op: LDADD, Size: 8, Rs: X0, Rt: X1, Mem: M(X2, 0), Order: 4}, "invalid order"},
	{Inst{Op: CAS, Size: 2, Rs: X0, Rt: X1, Mem: M(X2, 0)}, "invalid size"},
	{Inst{Op: SWP, Size: 8, Rt: X1, Mem: M(X2, 0)}, "missing Rs"},
	{Inst{Op: STXR, Size: 8, Mem: M(X1, 0)}, "missing Rs"},
	{Inst{Op: LDP, Size: 8, Mem: M(X1, 0)}, "missing Rt"},
	{Inst{Op: LDP, Size: 8, Rt: XZR, Rt2: XZR, Mem: M(X1, 0)}, "twice"},
	{Inst{Op: DMB, Imm: 16}, "out of range"},
	{Inst{Op: DMB, Size: 8, Imm: BarrierISH}, "invalid size"},
	{Inst{Op: BR, Rn: SP}, "x0-x30"},
	{Inst{Op: BLR, Rn: XZR}, "x0-x30"},
	{Inst{Op: BR}, "missing Rn"},
	{Inst{Op: NOP, Rd: X0}, "Rd not used by nop"},
	{Inst{Op: BRK, Imm: 0x10000}, "does not fit 16 bits"},
	{Inst{Op: UDF, Imm: -1}, "does not fit 16 bits"},
	{Inst{Op: B}, "need EncodeBranch"},
	{Inst{Op: ADD, Size: 8, Rd: Reg(99), Rn: X1, Rm: X2}, "invalid register"},
}

func TestEncodeErrors(t *testing.T) {
	for _, b := range badInsts {
		w, err := Encode(&b.in)
		if err == nil {
			t.Errorf("%v: encoded as %08x, want error %q", b.in, w, b.err)
			continue
		}
		if !strings.Contains(err.Error(), b.err) {
			t.Errorf("%v: error %q, want %q", b.in, err, b.err)
		}
	}
	if _, err := Encode(nil); err == nil {
		t.Errorf("Encode(nil) succeeded")
	}
}

func TestEncodeBranchErrors(t *testing.T) {
	for _, b := range []struct {
		in  Inst
		rel int64
		err string
	}{
		{Inst{Op: B}, 1 << 27, "out of range"},
		{Inst{Op: BL}, -1<<27 - 4, "out of range"},
		{Inst{Op: BCOND, Cond: CondEQ}, 1 << 20, "out of range"},
		{Inst{Op: CBZ, Size: 8, Rt: X0}, -1<<20 - 4, "out of range"},
		{Inst{Op: TBZ, Rt: X0}, 1 << 15, "out of range"},
		{Inst{Op: TBNZ, Rt: X0}, -1<<15 - 4, "out of range"},
		{Inst{Op: ADR, Rd: X0}, 1 << 20, "out of range"},
		{Inst{Op: B}, 2, "multiple of 4"},
		{Inst{Op: CBZ, Size: 8, Rt: SP}, 0, "Rt cannot be sp"},
		{Inst{Op: CBZ, Rt: X0}, 0, "invalid size"},
		{Inst{Op: TBZ, Size: 4, Rt: X0, Imm: 32}, 0, "bit 32 out of range"},
		{Inst{Op: TBZ, Rt: X0, Imm: 64}, 0, "bit 64 out of range"},
		{Inst{Op: B, Size: 8}, 0, "invalid size"},
		{Inst{Op: B, Rd: X0}, 0, "Rd not used by b"},
		{Inst{Op: NOP}, 0, "not a label branch"},
	} {
		w, err := EncodeBranch(&b.in, b.rel)
		if err == nil {
			t.Errorf("%v %+d: encoded as %08x, want error %q", b.in, b.rel, w, b.err)
			continue
		}
		if !strings.Contains(err.Error(), b.err) {
			t.Errorf("%v %+d: error %q, want %q", b.in, b.rel, err, b.err)
		}
	}
}

// TestAddSubImm checks the immediate boundaries of ADD/SUB.
func TestAddSubImm(t *testing.T) {
	for v, want := range map[int64]bool{
		0: true, 1: true, 4095: true, 4096: true, 4097: false, 8191: false, 8192: true,
		0xfff000: true, 0xfff001: false, 0x1000000: false, -1: false, -4096: false,
	} {
		if got := AddSubImm(v); got != want {
			t.Errorf("AddSubImm(%#x) = %v, want %v", v, got, want)
		}
	}
}

// TestOffsetFits checks OffsetFits against Encode for every width and a
// range of offsets around the boundaries of both immediate forms.
func TestOffsetFits(t *testing.T) {
	ops := map[uint8]Inst{
		1: {Op: LDRB, Rt: X0},
		2: {Op: LDRH, Rt: X0},
		4: {Op: LDR, Size: 4, Rt: X0},
		8: {Op: LDR, Size: 8, Rt: X0},
	}
	for width, in := range ops {
		for _, base := range []int64{0, 4095 * int64(width)} {
			for d := base - 300; d <= base+300; d++ {
				in.Mem = M(X1, d)
				_, err := Encode(&in)
				if fits := OffsetFits(width, d); fits != (err == nil) {
					t.Errorf("width %d offset %d: OffsetFits %v, Encode error %v", width, d, fits, err)
				}
			}
		}
	}
	if OffsetFits(3, 0) || OffsetFits(16, 0) {
		t.Errorf("OffsetFits accepted a bad width")
	}
	for d := int64(-600); d <= 600; d++ {
		for _, size := range []uint8{4, 8} {
			in := Inst{Op: LDP, Size: size, Rt: X0, Rt2: X1, Mem: M(X2, d)}
			_, err := Encode(&in)
			if fits := PairOffsetFits(size, d); fits != (err == nil) {
				t.Errorf("ldp size %d offset %d: PairOffsetFits %v, Encode error %v", size, d, fits, err)
			}
		}
	}
}

// decodeBitMasks is DecodeBitMasks() of the Arm ARM (for immediates),
// written from the pseudocode independently of EncodeLogicalImm: the
// element size is given by the highest set bit of N:NOT(imms), the run
// length by the low bits of imms and the rotation by immr.
func decodeBitMasks(n, immr, imms uint32, size uint8) (uint64, bool) {
	if size == 4 && n != 0 {
		return 0, false
	}
	combined := n<<6 | ^imms&0x3f
	length := -1
	for i := 6; i >= 0; i-- {
		if combined&(1<<i) != 0 {
			length = i
			break
		}
	}
	if length < 1 {
		return 0, false
	}
	levels := uint32(1)<<length - 1
	if imms&levels == levels { // a run as long as the element: reserved
		return 0, false
	}
	s, r := imms&levels, immr&levels
	esize := uint32(1) << length
	welem := uint64(1)<<(s+1) - 1
	elem := welem
	if r != 0 {
		elem = (welem>>r | welem<<(esize-r)) & (uint64(1)<<esize - 1)
	}
	var v uint64
	for i := uint32(0); i < 64; i += esize {
		v |= elem << i
	}
	if size == 4 {
		v &= 0xffffffff
	}
	return v, true
}

type bitmaskFields struct{ n, immr, imms uint32 }

// bitmasks enumerates every bitmask immediate of a size with its
// canonical encoding (immr below the element size).
func bitmasks(size uint8) map[uint64]bitmaskFields {
	m := map[uint64]bitmaskFields{}
	for n := uint32(0); n < 2; n++ {
		for imms := uint32(0); imms < 64; imms++ {
			for immr := uint32(0); immr < 64; immr++ {
				v, ok := decodeBitMasks(n, immr, imms, size)
				if !ok {
					continue
				}
				if _, dup := m[v]; !dup {
					m[v] = bitmaskFields{n, immr, imms}
				}
			}
		}
	}
	return m
}

// allBitmasks lists the bitmask immediates of a size, sorted.
func allBitmasks(size uint8) []uint64 {
	var out []uint64
	for v := range bitmasks(size) {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func TestLogicalImm(t *testing.T) {
	for _, size := range []uint8{4, 8} {
		all := bitmasks(size)
		// 2*3*... : sum over element sizes e of e*(e-1) distinct values.
		want := map[uint8]int{4: 1302, 8: 5334}[size]
		if len(all) != want {
			t.Fatalf("size %d: %d bitmask immediates, want %d", size, len(all), want)
		}
		for v, f := range all {
			n, immr, imms, ok := EncodeLogicalImm(v, size)
			if !ok {
				t.Errorf("size %d: %#x not encodable", size, v)
				continue
			}
			if got, ok := decodeBitMasks(n, immr, imms, size); !ok || got != v {
				t.Errorf("size %d: %#x encoded as N=%d immr=%d imms=%d, which decodes to %#x",
					size, v, n, immr, imms, got)
			}
			if size == 8 && (bitmaskFields{n, immr, imms}) != f {
				t.Errorf("%#x: fields %d/%d/%d, canonical %+v", v, n, immr, imms, f)
			}
			if size == 4 {
				// The sign-extended form of a 32-bit value is the same immediate.
				if !LogicalImm(uint64(int64(int32(uint32(v)))), 4) {
					t.Errorf("%#x sign-extended is rejected", v)
				}
			}
		}
		rng := rand.New(rand.NewPCG(3, uint64(size)))
		for i := 0; i < 200000; i++ {
			v := rng.Uint64()
			switch i % 4 {
			case 1: // sparse values are more often near-misses
				v &= rng.Uint64() & rng.Uint64()
			case 2:
				v |= rng.Uint64() | rng.Uint64()
			case 3: // flip one bit of a valid one
				keys := allBitmasksCache(size)
				v = keys[rng.IntN(len(keys))] ^ 1<<rng.IntN(int(8*size))
			}
			if size == 4 {
				v = uint64(uint32(v))
			}
			_, in := all[v]
			if got := LogicalImm(v, size); got != in {
				t.Errorf("size %d: LogicalImm(%#x) = %v, want %v", size, v, got, in)
			}
		}
	}
	for _, c := range []struct {
		v    uint64
		size uint8
		ok   bool
	}{
		{0xff, 8, true}, {0xffff0000, 8, true}, {0xffff0000, 4, true},
		{0x5555555555555555, 8, true}, {0x55555555, 4, true}, {0x55555555, 8, false},
		{0xfffffffffffffffe, 8, true}, {0xfffffffffffffffe, 4, true}, // -2 as W
		{0, 8, false}, {^uint64(0), 8, false}, {0xffffffff, 4, false}, {^uint64(0), 4, false},
		{0xffffffff, 8, true}, {0x1234, 8, false}, {0x100000000, 4, false}, {0xff, 2, false},
	} {
		if got := LogicalImm(c.v, c.size); got != c.ok {
			t.Errorf("LogicalImm(%#x, %d) = %v, want %v", c.v, c.size, got, c.ok)
		}
	}
}

var bitmaskCache = map[uint8][]uint64{}

func allBitmasksCache(size uint8) []uint64 {
	if bitmaskCache[size] == nil {
		bitmaskCache[size] = allBitmasks(size)
	}
	return bitmaskCache[size]
}

// runMov executes a MovConst sequence from its encodings: a tiny
// simulator of MOVZ, MOVN, MOVK and ORR-immediate-from-XZR that starts
// with garbage in the register.
func runMov(t *testing.T, rd Reg, seq []Inst) uint64 {
	t.Helper()
	x := uint64(0xdeadbeefcafef00d)
	for _, in := range seq {
		w, err := Encode(&in)
		if err != nil {
			t.Fatalf("%v: %v", in, err)
		}
		if w&31 != uint32(rd.Num()) {
			t.Fatalf("%v writes register %d", in, w&31)
		}
		sf := w >> 31
		switch {
		case w>>23&0x3f == 0x25: // move wide: sf opc 100101 hw imm16 Rd
			hw, imm := w>>21&3, uint64(w>>5&0xffff)
			if sf == 0 && hw > 1 {
				t.Fatalf("%v: W move with hw %d", in, hw)
			}
			sh := 16 * hw
			switch w >> 29 & 3 {
			case 0:
				x = ^(imm << sh)
			case 2:
				x = imm << sh
			case 3:
				x = x&^(0xffff<<sh) | imm<<sh
			default:
				t.Fatalf("%v: bad move-wide opc", in)
			}
		case w>>23&0x3f == 0x24 && w>>29&3 == 1 && w>>5&31 == 31: // ORR Rd, ZR, #imm
			size := uint8(4)
			if sf == 1 {
				size = 8
			}
			v, ok := decodeBitMasks(w>>22&1, w>>16&0x3f, w>>10&0x3f, size)
			if !ok {
				t.Fatalf("%v: reserved bitmask", in)
			}
			x = v
		default:
			t.Fatalf("%v (%08x) is not a constant move", in, w)
		}
		if sf == 0 {
			x &= 0xffffffff // a W write zero-extends
		}
	}
	return x
}

// chunkCost is the length of the best MOVZ/MOVN(+MOVK) sequence.
func chunkCost(v uint64) int {
	count := func(n int, skip uint64) int {
		c := 0
		for i := 0; i < n; i++ {
			if v>>(16*i)&0xffff != skip {
				c++
			}
		}
		return max(c, 1)
	}
	best := min(count(4, 0), count(4, 0xffff))
	if v>>32 == 0 {
		best = min(best, count(2, 0), count(2, 0xffff))
	}
	return best
}

func TestMovConst(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	values := []uint64{
		0, 1, 0xffff, 0x10000, 0x12345678, 0xffffffff, 0xffff1234, 0x1234ffff,
		0x100000000, 0xffffffff00000000, 0xffffffffffffffff, 0xfffffffffffffffe,
		0x8000000000000000, 0x7fffffffffffffff, 0x5555555555555555, 0x55555555,
		0x123456789abcdef0, 0xffff0000ffff0000, 0x0000ffff0000ffff, 0xffffffff0000ffff,
		0x00000000ffff0000, 0xffff12345678ffff, 0x1234000000005678, 0xfffe, 0x8000,
	}
	pick := []func() uint64{
		func() uint64 { return 0 },
		func() uint64 { return 0xffff },
		func() uint64 { return rng.Uint64() & 0xffff },
	}
	for i := 0; i < 100000; i++ {
		var v uint64
		for c := 0; c < 4; c++ {
			v |= pick[rng.IntN(3)]() << (16 * c)
		}
		values = append(values, v, rng.Uint64(), uint64(rng.Uint32()))
	}
	lengths := map[int]int{}
	for _, v := range values {
		rd := XReg(int(v % 31))
		seq := MovConst(rd, v)
		if got := runMov(t, rd, seq); got != v {
			t.Fatalf("MovConst(%#x) = %v computes %#x", v, seq, got)
		}
		best := chunkCost(v)
		usesORR := len(seq) == 1 && seq[0].Op == ORR
		switch {
		case len(seq) > best:
			t.Errorf("MovConst(%#x) = %v: %d instructions, the chunk approach needs %d", v, seq, len(seq), best)
		case !usesORR && len(seq) != best:
			t.Errorf("MovConst(%#x) = %v: %d instructions, expected %d", v, seq, len(seq), best)
		case best > 1 && (LogicalImm(v, 8) || v>>32 == 0 && LogicalImm(v, 4)) && !usesORR:
			t.Errorf("MovConst(%#x) = %v, but one ORR would do", v, seq)
		}
		lengths[len(seq)]++
	}
	t.Logf("sequence lengths: %v", lengths)
	for _, c := range []struct {
		v    uint64
		text string
	}{
		{0, "movz x3, #0x0"},
		{0xffffffffffffffff, "movn x3, #0x0"},
		{0xffffffff, "movn w3, #0x0"},
		{0xffff1234, "movn w3, #0xedcb"},
		{0x12340000, "movz x3, #0x1234, lsl #16"},
		{0x1234000000005678, "movz x3, #0x5678; movk x3, #0x1234, lsl #48"},
		{0xffffffff0000ffff, "movn x3, #0xffff, lsl #16"},
		{0x5555555555555555, "orr x3, xzr, #0x5555555555555555"},
		{0x00ff00ff, "orr w3, wzr, #0xff00ff"},
		{0x123456789abcdef0, "movz x3, #0xdef0; movk x3, #0x9abc, lsl #16; movk x3, #0x5678, lsl #32; movk x3, #0x1234, lsl #48"},
	} {
		var parts []string
		for _, in := range MovConst(X3, c.v) {
			parts = append(parts, in.String())
		}
		if got := strings.Join(parts, "; "); got != c.text {
			t.Errorf("MovConst(%#x) = %q, want %q", c.v, got, c.text)
		}
	}
}

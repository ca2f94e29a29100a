package amd64

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// ins builds an instruction for the tables below.
func ins(op Op, size uint8, dst, src Operand) Inst {
	return Inst{Op: op, Size: size, Dst: dst, Src: src}
}

// ext builds a movzx/movsx with its source size.
func ext(op Op, size, srcSize uint8, dst, src Operand) Inst {
	return Inst{Op: op, Size: size, SrcSize: srcSize, Dst: dst, Src: src}
}

// cc builds a condition-code instruction.
func cc(op Op, cond Cond, size uint8, dst, src Operand) Inst {
	return Inst{Op: op, Cond: cond, Size: size, Dst: dst, Src: src}
}

// locked adds the lock prefix.
func locked(in Inst) Inst { in.Lock = true; return in }

var none Operand

// goldenTests lists instructions with their expected text and bytes.
// The bytes were worked out by hand from the Intel SDM's encoding rules
// (Vol. 2, chapter 2: prefixes, REX, ModRM/SIB tables; and the opcode
// pages); TestEncodeGolden also decodes each one with x86asm, so a
// mistake in either the table or the encoder shows up twice.
var goldenTests = []struct {
	in   Inst
	text string
	hex  string
}{
	// ALU register/register, every size; MR form (01 /r etc.).
	{ins(ADD, 8, R(RAX), R(RCX)), "add rax, rcx", "48 01 c8"},
	{ins(ADD, 4, R(RAX), R(RCX)), "add eax, ecx", "01 c8"},
	{ins(ADD, 2, R(RAX), R(RCX)), "add ax, cx", "66 01 c8"},
	{ins(ADD, 1, R(RAX), R(RCX)), "add al, cl", "00 c8"},
	{ins(ADD, 1, R(RSI), R(RDI)), "add sil, dil", "40 00 fe"},
	{ins(ADD, 1, R(RSP), R(RBP)), "add spl, bpl", "40 00 ec"},
	{ins(ADD, 8, R(R8), R(R15)), "add r8, r15", "4d 01 f8"},
	{ins(ADD, 1, R(R8), R(RAX)), "add r8b, al", "41 00 c0"},
	{ins(CMP, 1, R(R14), R(RSI)), "cmp r14b, sil", "41 38 f6"},
	{ins(XOR, 4, R(RAX), R(RAX)), "xor eax, eax", "31 c0"},
	{ins(OR, 2, R(R9), R(R10)), "or r9w, r10w", "66 45 09 d1"},
	{ins(AND, 4, R(RBX), R(R12)), "and ebx, r12d", "44 21 e3"},
	{ins(SUB, 8, R(RSP), R(RAX)), "sub rsp, rax", "48 29 c4"},

	// ALU with memory, and the awkward addressing modes.
	{ins(ADD, 8, R(RAX), M(RSP, 8)), "add rax, qword [rsp+0x8]", "48 03 44 24 08"},
	{ins(SUB, 8, M(RBP, 0), R(RDX)), "sub qword [rbp], rdx", "48 29 55 00"},
	{ins(SUB, 4, R(R13), M(R13, 0)), "sub r13d, dword [r13]", "45 2b 6d 00"},
	{ins(AND, 8, M(R12, 0), R(R9)), "and qword [r12], r9", "4d 21 0c 24"},
	{ins(OR, 4, M(RBX, 127), R(RAX)), "or dword [rbx+0x7f], eax", "09 43 7f"},
	{ins(XOR, 4, M(RBX, 128), R(RAX)), "xor dword [rbx+0x80], eax", "31 83 80 00 00 00"},
	{ins(CMP, 4, M(RBX, -128), R(RAX)), "cmp dword [rbx-0x80], eax", "39 43 80"},
	{ins(CMP, 4, M(RBX, -129), R(RAX)), "cmp dword [rbx-0x81], eax", "39 83 7f ff ff ff"},
	{ins(ADD, 8, R(RAX), MI(RBX, RCX, 8, 16)), "add rax, qword [rbx+rcx*8+0x10]", "48 03 44 cb 10"},
	{ins(ADD, 8, R(R10), MI(R11, R12, 4, -4)), "add r10, qword [r11+r12*4-0x4]", "4f 03 54 a3 fc"},
	{ins(XOR, 1, R(RDI), M(RSI, 0)), "xor dil, byte [rsi]", "40 32 3e"},
	{ins(CMP, 2, R(R8), M(RAX, 2)), "cmp r8w, word [rax+0x2]", "66 44 3b 40 02"},

	// ALU with an immediate: imm8 (83) versus imm32 (81) boundaries.
	{ins(ADD, 8, R(RAX), Imm(1)), "add rax, 0x1", "48 83 c0 01"},
	{ins(ADD, 8, R(RAX), Imm(127)), "add rax, 0x7f", "48 83 c0 7f"},
	{ins(ADD, 8, R(RAX), Imm(128)), "add rax, 0x80", "48 81 c0 80 00 00 00"},
	{ins(ADD, 8, R(RAX), Imm(-128)), "add rax, -0x80", "48 83 c0 80"},
	{ins(ADD, 8, R(RAX), Imm(-129)), "add rax, -0x81", "48 81 c0 7f ff ff ff"},
	{ins(SUB, 8, R(RSP), Imm(8)), "sub rsp, 0x8", "48 83 ec 08"},
	{ins(AND, 8, R(R15), Imm(0x7fffffff)), "and r15, 0x7fffffff", "49 81 e7 ff ff ff 7f"},
	{ins(AND, 8, R(R15), Imm(-0x80000000)), "and r15, -0x80000000", "49 81 e7 00 00 00 80"},
	{ins(AND, 4, R(RAX), Imm(0xffffffff)), "and eax, 0xffffffff", "83 e0 ff"},
	{ins(CMP, 4, R(RCX), Imm(0x80000000)), "cmp ecx, 0x80000000", "81 f9 00 00 00 80"},
	{ins(OR, 2, R(RAX), Imm(0x100)), "or ax, 0x100", "66 81 c8 00 01"},
	{ins(OR, 2, R(RAX), Imm(0x7f)), "or ax, 0x7f", "66 83 c8 7f"},
	{ins(OR, 2, R(RAX), Imm(0xffff)), "or ax, 0xffff", "66 83 c8 ff"},
	{ins(XOR, 1, R(RAX), Imm(0xff)), "xor al, 0xff", "80 f0 ff"},
	{ins(XOR, 1, R(RDI), Imm(1)), "xor dil, 0x1", "40 80 f7 01"},
	{ins(CMP, 1, M(RDI, 0), Imm(0)), "cmp byte [rdi], 0x0", "80 3f 00"},
	{ins(CMP, 8, M(RSP, 16), Imm(-1)), "cmp qword [rsp+0x10], -0x1", "48 83 7c 24 10 ff"},
	{ins(CMP, 4, MI(R12, R13, 4, 0x200), Imm(0x12345678)), "cmp dword [r12+r13*4+0x200], 0x12345678", "43 81 bc ac 00 02 00 00 78 56 34 12"},
	{ins(ADD, 2, M(RAX, 0), Imm(0x1234)), "add word [rax], 0x1234", "66 81 00 34 12"},
	{ins(SUB, 4, R(R11), Imm(-0x80)), "sub r11d, -0x80", "41 83 eb 80"},

	// Atomics and the lock prefix.
	{locked(ins(ADD, 8, M(RDI, 0), R(RAX))), "lock add qword [rdi], rax", "f0 48 01 07"},
	{locked(ins(OR, 4, M(R9, 4), R(RCX))), "lock or dword [r9+0x4], ecx", "f0 41 09 49 04"},
	{locked(ins(AND, 1, M(RSI, 0), R(RDX))), "lock and byte [rsi], dl", "f0 20 16"},
	{locked(ins(XOR, 8, M(RBX, 0), Imm(1))), "lock xor qword [rbx], 0x1", "f0 48 83 33 01"},
	{locked(ins(SUB, 2, M(RAX, 0), R(RCX))), "lock sub word [rax], cx", "f0 66 29 08"},
	{locked(ins(NEG, 8, M(RAX, 0), none)), "lock neg qword [rax]", "f0 48 f7 18"},
	{locked(ins(XADD, 8, M(RDI, 8), R(RAX))), "lock xadd qword [rdi+0x8], rax", "f0 48 0f c1 47 08"},
	{locked(ins(XADD, 4, M(R8, 0), R(R9))), "lock xadd dword [r8], r9d", "f0 45 0f c1 08"},
	{locked(ins(XADD, 1, M(RAX, 0), R(RCX))), "lock xadd byte [rax], cl", "f0 0f c0 08"},
	{locked(ins(CMPXCHG, 8, M(RSI, 0), R(RDX))), "lock cmpxchg qword [rsi], rdx", "f0 48 0f b1 16"},
	{locked(ins(CMPXCHG, 1, M(RDI, 0), R(RSI))), "lock cmpxchg byte [rdi], sil", "f0 40 0f b0 37"},
	{locked(ins(CMPXCHG, 2, MI(RBP, R13, 1, 0), R(RBX))), "lock cmpxchg word [rbp+r13*1], bx", "f0 66 42 0f b1 5c 2d 00"},
	{ins(XCHG, 8, M(RDI, 0), R(RAX)), "xchg qword [rdi], rax", "48 87 07"},
	{ins(XCHG, 1, M(RAX, 0), R(RBP)), "xchg byte [rax], bpl", "40 86 28"},
	{ins(XCHG, 2, M(R15, -2), R(R14)), "xchg word [r15-0x2], r14w", "66 45 87 77 fe"},
	{locked(ins(XCHG, 4, M(RSP, 0), R(RCX))), "lock xchg dword [rsp], ecx", "f0 87 0c 24"},

	// TEST (always F7/F6 /0 for immediates, never the A9 short form).
	{ins(TEST, 8, R(RAX), R(RAX)), "test rax, rax", "48 85 c0"},
	{ins(TEST, 4, R(R9), R(RDX)), "test r9d, edx", "41 85 d1"},
	{ins(TEST, 1, M(RDI, 0), Imm(1)), "test byte [rdi], 0x1", "f6 07 01"},
	{ins(TEST, 1, R(RAX), Imm(0x80)), "test al, 0x80", "f6 c0 80"},
	{ins(TEST, 4, R(RAX), Imm(1)), "test eax, 0x1", "f7 c0 01 00 00 00"},
	{ins(TEST, 8, R(RCX), Imm(-1)), "test rcx, -0x1", "48 f7 c1 ff ff ff ff"},
	{ins(TEST, 2, R(RCX), Imm(0x8000)), "test cx, 0x8000", "66 f7 c1 00 80"},
	{ins(TEST, 1, R(RBP), R(RBP)), "test bpl, bpl", "40 84 ed"},
	{ins(TEST, 8, M(RSP, 0), R(RBX)), "test qword [rsp], rbx", "48 85 1c 24"},

	// MOV.
	{ins(MOV, 8, R(RAX), R(RCX)), "mov rax, rcx", "48 89 c8"},
	{ins(MOV, 8, R(R12), R(RSP)), "mov r12, rsp", "49 89 e4"},
	{ins(MOV, 8, R(RSP), R(R12)), "mov rsp, r12", "4c 89 e4"},
	{ins(MOV, 4, R(RAX), M(RSI, 0)), "mov eax, dword [rsi]", "8b 06"},
	{ins(MOV, 8, M(RDI, 16), R(R8)), "mov qword [rdi+0x10], r8", "4c 89 47 10"},
	{ins(MOV, 1, M(RAX, 0), R(RSI)), "mov byte [rax], sil", "40 88 30"},
	{ins(MOV, 1, R(RDI), M(RSI, 0)), "mov dil, byte [rsi]", "40 8a 3e"},
	{ins(MOV, 1, R(R8), M(R9, 0)), "mov r8b, byte [r9]", "45 8a 01"},
	{ins(MOV, 1, R(RBX), R(RSP)), "mov bl, spl", "40 88 e3"},
	{ins(MOV, 2, M(RAX, 0), R(RCX)), "mov word [rax], cx", "66 89 08"},
	{ins(MOV, 4, R(RAX), MI(RBP, R13, 1, 0)), "mov eax, dword [rbp+r13*1]", "42 8b 44 2d 00"},
	{ins(MOV, 4, R(RAX), MI(R13, RAX, 2, 0)), "mov eax, dword [r13+rax*2]", "41 8b 44 45 00"},
	{ins(MOV, 8, R(RAX), M(R12, 128)), "mov rax, qword [r12+0x80]", "49 8b 84 24 80 00 00 00"},
	{ins(MOV, 8, R(RAX), M(RBP, -129)), "mov rax, qword [rbp-0x81]", "48 8b 85 7f ff ff ff"},
	{ins(MOV, 8, R(R8), M(R13, 127)), "mov r8, qword [r13+0x7f]", "4d 8b 45 7f"},
	{ins(MOV, 8, R(RCX), M(RAX, 0)), "mov rcx, qword [rax]", "48 8b 08"},
	{ins(MOV, 8, R(RCX), M(R8, 0)), "mov rcx, qword [r8]", "49 8b 08"},
	{ins(MOV, 8, R(RCX), MI(RAX, R8, 8, 0)), "mov rcx, qword [rax+r8*8]", "4a 8b 0c c0"},
	{ins(MOV, 8, R(RCX), MI(RAX, R12, 1, 0)), "mov rcx, qword [rax+r12*1]", "4a 8b 0c 20"},
	{ins(MOV, 4, R(RCX), M(RAX, 0x7fffffff)), "mov ecx, dword [rax+0x7fffffff]", "8b 88 ff ff ff 7f"},
	{ins(MOV, 4, R(RCX), M(RAX, -0x80000000)), "mov ecx, dword [rax-0x80000000]", "8b 88 00 00 00 80"},
	{ins(MOV, 4, R(R15), M(RSP, -128)), "mov r15d, dword [rsp-0x80]", "44 8b 7c 24 80"},
	{ins(MOV, 4, R(R15), M(RSP, -129)), "mov r15d, dword [rsp-0x81]", "44 8b bc 24 7f ff ff ff"},
	{ins(MOV, 4, R(RAX), Imm(0)), "mov eax, 0x0", "b8 00 00 00 00"},
	{ins(MOV, 4, R(R15), Imm(0xffffffff)), "mov r15d, 0xffffffff", "41 bf ff ff ff ff"},
	{ins(MOV, 4, R(RSP), Imm(-1)), "mov esp, -0x1", "bc ff ff ff ff"},
	{ins(MOV, 8, R(RAX), Imm(0x7fffffff)), "mov rax, 0x7fffffff", "48 c7 c0 ff ff ff 7f"},
	{ins(MOV, 8, R(RAX), Imm(-1)), "mov rax, -0x1", "48 c7 c0 ff ff ff ff"},
	{ins(MOV, 8, R(R13), Imm(-0x80000000)), "mov r13, -0x80000000", "49 c7 c5 00 00 00 80"},
	{ins(MOV, 8, M(RSP, 8), Imm(42)), "mov qword [rsp+0x8], 0x2a", "48 c7 44 24 08 2a 00 00 00"},
	{ins(MOV, 4, M(RBP, -4), Imm(1)), "mov dword [rbp-0x4], 0x1", "c7 45 fc 01 00 00 00"},
	{ins(MOV, 2, M(RAX, 0), Imm(0xffff)), "mov word [rax], 0xffff", "66 c7 00 ff ff"},
	{ins(MOV, 1, M(R12, 0), Imm(0x80)), "mov byte [r12], 0x80", "41 c6 04 24 80"},
	{ins(MOV, 1, R(RCX), Imm(7)), "mov cl, 0x7", "c6 c1 07"},
	{ins(MOV, 1, R(RSI), Imm(1)), "mov sil, 0x1", "40 c6 c6 01"},
	{ins(MOV, 2, R(RDX), Imm(0x1234)), "mov dx, 0x1234", "66 c7 c2 34 12"},
	{ins(MOVABS, 8, R(RAX), Imm(0x1122334455667788)), "movabs rax, 0x1122334455667788", "48 b8 88 77 66 55 44 33 22 11"},
	{ins(MOVABS, 8, R(R11), Imm(-1)), "movabs r11, -0x1", "49 bb ff ff ff ff ff ff ff ff"},

	// LEA.
	{ins(LEA, 8, R(RAX), MI(RBX, RCX, 2, 16)), "lea rax, qword [rbx+rcx*2+0x10]", "48 8d 44 4b 10"},
	{ins(LEA, 4, R(R8), M(R13, 0)), "lea r8d, dword [r13]", "45 8d 45 00"},
	{ins(LEA, 8, R(RSP), M(RSP, -8)), "lea rsp, qword [rsp-0x8]", "48 8d 64 24 f8"},
	{ins(LEA, 8, R(RAX), MI(RSP, RBP, 1, 0)), "lea rax, qword [rsp+rbp*1]", "48 8d 04 2c"},

	// MOVZX, MOVSX, MOVSXD.
	{ext(MOVZX, 4, 1, R(RAX), R(RCX)), "movzx eax, cl", "0f b6 c1"},
	{ext(MOVZX, 4, 1, R(RAX), R(RSI)), "movzx eax, sil", "40 0f b6 c6"},
	{ext(MOVZX, 4, 1, R(RSI), R(RSP)), "movzx esi, spl", "40 0f b6 f4"},
	{ext(MOVZX, 8, 1, R(RAX), M(RDI, 0)), "movzx rax, byte [rdi]", "48 0f b6 07"},
	{ext(MOVZX, 4, 2, R(R9), R(R10)), "movzx r9d, r10w", "45 0f b7 ca"},
	{ext(MOVZX, 4, 2, R(RCX), M(RSP, 2)), "movzx ecx, word [rsp+0x2]", "0f b7 4c 24 02"},
	{ext(MOVZX, 2, 1, R(RAX), R(RDX)), "movzx ax, dl", "66 0f b6 c2"},
	{ext(MOVZX, 4, 1, R(RDI), R(R8)), "movzx edi, r8b", "41 0f b6 f8"},
	{ext(MOVSX, 8, 1, R(RAX), M(RSI, 0)), "movsx rax, byte [rsi]", "48 0f be 06"},
	{ext(MOVSX, 4, 1, R(RAX), R(RBP)), "movsx eax, bpl", "40 0f be c5"},
	{ext(MOVSX, 8, 2, R(R12), R(R13)), "movsx r12, r13w", "4d 0f bf e5"},
	{ext(MOVSX, 4, 2, R(RCX), M(RAX, 0)), "movsx ecx, word [rax]", "0f bf 08"},
	{ins(MOVSXD, 8, R(RAX), R(RCX)), "movsxd rax, ecx", "48 63 c1"},
	{ins(MOVSXD, 8, R(R14), M(RBP, 16)), "movsxd r14, dword [rbp+0x10]", "4c 63 75 10"},

	// IMUL, unary ops, division.
	{ins(IMUL, 8, R(RAX), R(RCX)), "imul rax, rcx", "48 0f af c1"},
	{ins(IMUL, 4, R(R11), M(R12, 4)), "imul r11d, dword [r12+0x4]", "45 0f af 5c 24 04"},
	{ins(IMUL, 2, R(RCX), R(RDX)), "imul cx, dx", "66 0f af ca"},
	{ins(NEG, 8, R(RAX), none), "neg rax", "48 f7 d8"},
	{ins(NEG, 4, R(R10), none), "neg r10d", "41 f7 da"},
	{ins(NEG, 1, R(RSI), none), "neg sil", "40 f6 de"},
	{ins(NOT, 8, R(RCX), none), "not rcx", "48 f7 d1"},
	{ins(NOT, 1, M(RDI, 0), none), "not byte [rdi]", "f6 17"},
	{ins(NOT, 2, R(RAX), none), "not ax", "66 f7 d0"},
	{ins(DIV, 8, R(RCX), none), "div rcx", "48 f7 f1"},
	{ins(DIV, 4, R(R11), none), "div r11d", "41 f7 f3"},
	{ins(DIV, 1, M(RAX, 0), none), "div byte [rax]", "f6 30"},
	{ins(IDIV, 8, R(RSI), none), "idiv rsi", "48 f7 fe"},
	{ins(IDIV, 8, M(RSP, 0), none), "idiv qword [rsp]", "48 f7 3c 24"},
	{ins(IDIV, 2, R(R8), none), "idiv r8w", "66 41 f7 f8"},
	{ins(CQO, 8, none, none), "cqo", "48 99"},
	{ins(CQO, 4, none, none), "cdq", "99"},

	// Shifts and rotates: always C1/C0 ib for a count, D3/D2 for cl.
	{ins(SHL, 8, R(RAX), Imm(3)), "shl rax, 0x3", "48 c1 e0 03"},
	{ins(SHL, 8, R(RAX), Imm(1)), "shl rax, 0x1", "48 c1 e0 01"},
	{ins(SHR, 4, R(RDX), Imm(31)), "shr edx, 0x1f", "c1 ea 1f"},
	{ins(SAR, 8, R(R9), Imm(63)), "sar r9, 0x3f", "49 c1 f9 3f"},
	{ins(ROL, 2, R(RAX), Imm(8)), "rol ax, 0x8", "66 c1 c0 08"},
	{ins(ROL, 2, R(R10), Imm(8)), "rol r10w, 0x8", "66 41 c1 c2 08"},
	{ins(SHL, 8, R(RAX), R(RCX)), "shl rax, cl", "48 d3 e0"},
	{ins(SHR, 4, R(R15), R(RCX)), "shr r15d, cl", "41 d3 ef"},
	{ins(SAR, 8, M(RSP, 8), R(RCX)), "sar qword [rsp+0x8], cl", "48 d3 7c 24 08"},
	{ins(SHL, 1, R(RDI), Imm(1)), "shl dil, 0x1", "40 c0 e7 01"},
	{ins(SAR, 1, M(RAX, 0), R(RCX)), "sar byte [rax], cl", "d2 38"},
	{ins(ROL, 4, M(R13, 0), Imm(16)), "rol dword [r13], 0x10", "41 c1 45 00 10"},

	// BSWAP.
	{ins(BSWAP, 4, R(RAX), none), "bswap eax", "0f c8"},
	{ins(BSWAP, 8, R(RAX), none), "bswap rax", "48 0f c8"},
	{ins(BSWAP, 8, R(R12), none), "bswap r12", "49 0f cc"},
	{ins(BSWAP, 4, R(R15), none), "bswap r15d", "41 0f cf"},
	{ins(BSWAP, 4, R(RSP), none), "bswap esp", "0f cc"},

	// SETcc and CMOVcc.
	{cc(SETCC, CondE, 1, R(RAX), none), "sete al", "0f 94 c0"},
	{cc(SETCC, CondNE, 1, R(RSI), none), "setne sil", "40 0f 95 c6"},
	{cc(SETCC, CondB, 0, R(R8), none), "setb r8b", "41 0f 92 c0"},
	{cc(SETCC, CondG, 1, M(RDI, 0), none), "setg byte [rdi]", "0f 9f 07"},
	{cc(SETCC, CondO, 1, R(RBP), none), "seto bpl", "40 0f 90 c5"},
	{cc(CMOVCC, CondE, 8, R(RAX), R(RCX)), "cmove rax, rcx", "48 0f 44 c1"},
	{cc(CMOVCC, CondL, 4, R(R9), M(RSP, 4)), "cmovl r9d, dword [rsp+0x4]", "44 0f 4c 4c 24 04"},
	{cc(CMOVCC, CondG, 2, R(RCX), R(RDX)), "cmovg cx, dx", "66 0f 4f ca"},
	{cc(CMOVCC, CondA, 8, R(R15), R(R14)), "cmova r15, r14", "4d 0f 47 fe"},

	// No-operand instructions.
	{ins(RET, 0, none, none), "ret", "c3"},
	{ins(UD2, 0, none, none), "ud2", "0f 0b"},
	{ins(NOP, 0, none, none), "nop", "90"},
	{Inst{Op: STOSQ, Rep: true}, "rep stosq", "f3 48 ab"},
	{ins(STOSQ, 8, none, none), "stosq", "48 ab"},

	// Indirect branches.
	{ins(CALL, 0, R(RAX), none), "call rax", "ff d0"},
	{ins(CALL, 8, R(R11), none), "call r11", "41 ff d3"},
	{ins(JMP, 0, M(RAX, 8), none), "jmp qword [rax+0x8]", "ff 60 08"},
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestEncodeGolden(t *testing.T) {
	for _, tt := range goldenTests {
		if got := tt.in.String(); got != tt.text {
			t.Errorf("String() = %q, want %q", got, tt.text)
		}
		want := unhex(t, tt.hex)
		got, err := Encode(nil, &tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.text, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got % x, want % x", tt.text, got, want)
		}
		if err := crossCheck(&tt.in, want); err != nil {
			t.Errorf("%s: golden bytes % x: %v", tt.text, want, err)
		}
	}
}

// TestEncodeAppends checks that Encode appends rather than overwrites.
func TestEncodeAppends(t *testing.T) {
	buf := []byte{0xcc, 0xcc}
	in := ins(ADD, 8, R(RAX), R(RCX))
	buf, err := Encode(buf, &in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0xcc, 0xcc, 0x48, 0x01, 0xc8}; !bytes.Equal(buf, want) {
		t.Fatalf("got % x, want % x", buf, want)
	}
}

// goldenBranches lists branch encodings.
var goldenBranches = []struct {
	in    Inst
	rel   int32
	short bool
	hex   string
}{
	{Inst{Op: JMP, Dst: L(1)}, 0, true, "eb 00"},
	{Inst{Op: JMP, Dst: L(1)}, -2, true, "eb fe"},
	{Inst{Op: JMP, Dst: L(1)}, 0x100, false, "e9 00 01 00 00"},
	{Inst{Op: JMP, Dst: L(1)}, -5, false, "e9 fb ff ff ff"},
	{Inst{Op: JCC, Cond: CondE, Dst: L(1)}, 0x10, true, "74 10"},
	{Inst{Op: JCC, Cond: CondG, Dst: L(1)}, 127, true, "7f 7f"},
	{Inst{Op: JCC, Cond: CondL, Dst: L(1)}, -128, true, "7c 80"},
	{Inst{Op: JCC, Cond: CondNE, Dst: L(1)}, -6, false, "0f 85 fa ff ff ff"},
	{Inst{Op: JCC, Cond: CondO, Dst: L(1)}, 0x12345678, false, "0f 80 78 56 34 12"},
	{Inst{Op: CALL, Dst: L(1)}, 0, false, "e8 00 00 00 00"},
	{Inst{Op: CALL, Dst: L(1)}, -5, true, "e8 fb ff ff ff"}, // short is ignored
}

func TestEncodeBranchGolden(t *testing.T) {
	for _, tt := range goldenBranches {
		want := unhex(t, tt.hex)
		got := EncodeBranch([]byte{0xcc}, &tt.in, tt.rel, tt.short)
		if !bytes.Equal(got[1:], want) || got[0] != 0xcc {
			t.Errorf("%s rel %d short %v: got % x, want cc % x", tt.in, tt.rel, tt.short, got, want)
		}
		if n := BranchSize(&tt.in, tt.short); n != len(want) {
			t.Errorf("%s short %v: BranchSize = %d, want %d", tt.in, tt.short, n, len(want))
		}
	}
}

// x86 condition-code mnemonics in hardware order, as x86asm names them.
var (
	jccOps  = [16]x86asm.Op{x86asm.JO, x86asm.JNO, x86asm.JB, x86asm.JAE, x86asm.JE, x86asm.JNE, x86asm.JBE, x86asm.JA, x86asm.JS, x86asm.JNS, x86asm.JP, x86asm.JNP, x86asm.JL, x86asm.JGE, x86asm.JLE, x86asm.JG}
	setOps  = [16]x86asm.Op{x86asm.SETO, x86asm.SETNO, x86asm.SETB, x86asm.SETAE, x86asm.SETE, x86asm.SETNE, x86asm.SETBE, x86asm.SETA, x86asm.SETS, x86asm.SETNS, x86asm.SETP, x86asm.SETNP, x86asm.SETL, x86asm.SETGE, x86asm.SETLE, x86asm.SETG}
	cmovOps = [16]x86asm.Op{x86asm.CMOVO, x86asm.CMOVNO, x86asm.CMOVB, x86asm.CMOVAE, x86asm.CMOVE, x86asm.CMOVNE, x86asm.CMOVBE, x86asm.CMOVA, x86asm.CMOVS, x86asm.CMOVNS, x86asm.CMOVP, x86asm.CMOVNP, x86asm.CMOVL, x86asm.CMOVGE, x86asm.CMOVLE, x86asm.CMOVG}
)

var plainOps = map[Op]x86asm.Op{
	ADD: x86asm.ADD, SUB: x86asm.SUB, AND: x86asm.AND, OR: x86asm.OR, XOR: x86asm.XOR,
	CMP: x86asm.CMP, TEST: x86asm.TEST, MOV: x86asm.MOV, MOVABS: x86asm.MOV, LEA: x86asm.LEA,
	MOVZX: x86asm.MOVZX, MOVSX: x86asm.MOVSX, MOVSXD: x86asm.MOVSXD, IMUL: x86asm.IMUL,
	NEG: x86asm.NEG, NOT: x86asm.NOT, SHL: x86asm.SHL, SHR: x86asm.SHR, SAR: x86asm.SAR,
	ROL: x86asm.ROL, DIV: x86asm.DIV, IDIV: x86asm.IDIV, BSWAP: x86asm.BSWAP,
	XCHG: x86asm.XCHG, XADD: x86asm.XADD, CMPXCHG: x86asm.CMPXCHG, JMP: x86asm.JMP,
	CALL: x86asm.CALL, RET: x86asm.RET, STOSQ: x86asm.STOSQ, UD2: x86asm.UD2, NOP: x86asm.NOP,
}

// x86Reg names register r at an operand size the way x86asm does.
func x86Reg(r Reg, size uint8) x86asm.Reg {
	switch size {
	case 1:
		if r < RSP {
			return x86asm.AL + x86asm.Reg(r)
		}
		return x86asm.SPB + x86asm.Reg(r-RSP) // never AH..BH
	case 2:
		return x86asm.AX + x86asm.Reg(r)
	case 4:
		return x86asm.EAX + x86asm.Reg(r)
	}
	return x86asm.RAX + x86asm.Reg(r)
}

// immArg is an expected immediate: the decoder may print a value either
// signed or unsigned, so immediates are compared in their low bits bits.
type immArg struct {
	v    int64
	bits uint
}

func (a immArg) matches(got x86asm.Arg) bool {
	g, ok := got.(x86asm.Imm)
	if !ok {
		return false
	}
	if a.bits == 64 {
		return int64(g) == a.v
	}
	mask := uint64(1)<<a.bits - 1
	return uint64(g)&mask == uint64(a.v)&mask
}

// expectation is what an instruction should decode to.
type expectation struct {
	op       x86asm.Op
	args     []any // x86asm.Reg, x86asm.Mem or immArg
	memBytes int   // size of the memory access, 0 to not check
}

// expect describes in the way x86asm would decode it. It is written from
// the instruction's meaning (which operand is which register or memory
// location at which width) and knows nothing of the encoding, so it
// checks the encoder independently.
func expect(in *Inst) (expectation, error) {
	var e expectation
	switch in.Op {
	case JCC:
		e.op = jccOps[in.Cond&15]
	case SETCC:
		e.op = setOps[in.Cond&15]
	case CMOVCC:
		e.op = cmovOps[in.Cond&15]
	case CQO:
		if in.Size == 4 {
			e.op = x86asm.CDQ
		} else {
			e.op = x86asm.CQO
		}
	default:
		op, ok := plainOps[in.Op]
		if !ok {
			return e, fmt.Errorf("no x86asm op for %v", in.Op)
		}
		e.op = op
	}
	dstSize, srcSize := in.Size, in.Size
	switch in.Op {
	case MOVZX, MOVSX:
		srcSize = in.SrcSize
	case MOVSXD:
		srcSize = 4
	case SETCC:
		dstSize = 1
	case JMP, CALL:
		dstSize = 8
	case MOVABS:
		srcSize = 8
	}
	arg := func(o Operand, size uint8, immBits uint) error {
		switch o.Kind {
		case KindReg:
			e.args = append(e.args, x86Reg(o.Reg, size))
		case KindMem:
			m := x86asm.Mem{Base: x86asm.RAX + x86asm.Reg(o.Mem.Base), Disp: int64(o.Mem.Disp)}
			if o.Mem.Index != NoReg {
				m.Index = x86asm.RAX + x86asm.Reg(o.Mem.Index)
				m.Scale = o.Mem.Scale
			}
			e.args = append(e.args, m)
			if in.Op != LEA {
				e.memBytes = int(size)
			}
		case KindImm:
			e.args = append(e.args, immArg{o.Imm, immBits})
		case KindNone:
		default:
			return fmt.Errorf("unexpected operand kind %d", o.Kind)
		}
		return nil
	}
	if err := arg(in.Dst, dstSize, 0); err != nil {
		return e, err
	}
	srcImmBits := uint(srcSize) * 8
	switch in.Op {
	case SHL, SHR, SAR, ROL:
		srcSize, srcImmBits = 1, 8 // count in cl or an imm8
	}
	if err := arg(in.Src, srcSize, srcImmBits); err != nil {
		return e, err
	}
	if in.Op == STOSQ {
		// The operands are implicit, but x86asm spells them out.
		e.args = []any{x86asm.Mem{Segment: x86asm.ES, Base: x86asm.RDI}, x86asm.RAX}
	}
	return e, nil
}

// normArg drops x86asm details that carry no meaning here: a SIB byte
// without an index still decodes as scale 1.
func normArg(a x86asm.Arg) x86asm.Arg {
	if m, ok := a.(x86asm.Mem); ok && m.Index == 0 {
		m.Scale = 0
		return m
	}
	return a
}

// crossCheck decodes code with x86asm and compares it with what in
// means: the mnemonic, every operand, the memory access size, the length,
// and the prefixes (lock and rep exactly when asked for, and no prefix
// that the decoder finds redundant, ignored or invalid).
func crossCheck(in *Inst, code []byte) error {
	d, err := x86asm.Decode(code, 64)
	if err != nil {
		return fmt.Errorf("decode: %v", err)
	}
	if d.Len != len(code) {
		return fmt.Errorf("decoded length %d, encoded %d (%v)", d.Len, len(code), d)
	}
	e, err := expect(in)
	if err != nil {
		return err
	}
	if d.Op != e.op {
		return fmt.Errorf("decoded %v, want op %v", d, e.op)
	}
	n := 0
	for n < len(d.Args) && d.Args[n] != nil {
		n++
	}
	if n != len(e.args) {
		return fmt.Errorf("decoded %v: %d args, want %d", d, n, len(e.args))
	}
	for i, w := range e.args {
		g := normArg(d.Args[i])
		switch w := w.(type) {
		case immArg:
			if !w.matches(g) {
				return fmt.Errorf("decoded %v: arg %d = %v, want imm %#x (%d bits)", d, i, g, w.v, w.bits)
			}
		default:
			if g != w {
				return fmt.Errorf("decoded %v: arg %d = %#v, want %#v", d, i, g, w)
			}
		}
	}
	if e.memBytes != 0 && d.MemBytes != e.memBytes {
		return fmt.Errorf("decoded %v: memory size %d, want %d", d, d.MemBytes, e.memBytes)
	}
	var lock, rep bool
	for _, p := range d.Prefix {
		if p == 0 {
			break
		}
		if p&(x86asm.PrefixIgnored|x86asm.PrefixInvalid) != 0 {
			return fmt.Errorf("decoded %v: prefix %v ignored or invalid", d, p)
		}
		switch {
		case p == x86asm.PrefixLOCK:
			lock = true
		case p == x86asm.PrefixREP:
			rep = true
		case p&0xff == 0x66 || p.IsREX():
			// The decoder marks prefixes that took part in decoding the
			// operands as implicit; an unmarked one changed nothing.
			if p&x86asm.PrefixImplicit == 0 {
				return fmt.Errorf("decoded %v: redundant prefix %v", d, p)
			}
		default:
			return fmt.Errorf("decoded %v: unexpected prefix %v", d, p)
		}
	}
	if lock != in.Lock || rep != in.Rep {
		return fmt.Errorf("decoded %v: lock %v rep %v, want %v %v", d, lock, rep, in.Lock, in.Rep)
	}
	return nil
}

// Operand pools for the generated cross-check.
var (
	testDisps = []int32{0, 1, -1, 127, 128, -128, -129, 0x7fffffff, -0x80000000, 0x1000}
	testRegs  []Operand
	testMems  []Operand
	testRMs   []Operand
)

func init() {
	for r := RAX; r <= R15; r++ {
		testRegs = append(testRegs, R(r))
	}
	// Every base with every displacement class, then every base with
	// every usable index, cycling through scales and displacements.
	for b := RAX; b <= R15; b++ {
		for _, d := range testDisps {
			testMems = append(testMems, M(b, d))
		}
	}
	scales := []uint8{1, 2, 4, 8}
	k := 0
	for b := RAX; b <= R15; b++ {
		for i := RAX; i <= R15; i++ {
			if i == RSP {
				continue
			}
			testMems = append(testMems, MI(b, i, scales[k%4], testDisps[k%len(testDisps)]))
			k++
		}
	}
	testRMs = append(append([]Operand{}, testRegs...), testMems...)
}

// testImms returns immediates around the encoding boundaries that are
// valid for an operand size.
func testImms(size uint8) []Operand {
	var vs []int64
	switch size {
	case 1:
		vs = []int64{0, 1, -1, 0x7f, -0x80, 0x80, 0xff}
	case 2:
		vs = []int64{0, 1, -1, 0x7f, 0x80, -0x80, -0x81, 0x7fff, -0x8000, 0x8000, 0xffff}
	case 4:
		vs = []int64{0, 1, -1, 0x7f, 0x80, -0x80, -0x81, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 0x12345678}
	case 8:
		vs = []int64{0, 1, -1, 0x7f, 0x80, -0x80, -0x81, 0x7fffffff, -0x80000000, 0x12345678}
	}
	var ops []Operand
	for _, v := range vs {
		ops = append(ops, Imm(v))
	}
	return ops
}

// validInsts calls f with every valid instruction of the generated set:
// each op in each of its forms, sizes and operand kinds, over all
// registers and a spread of memory operands.
func validInsts(f func(Inst)) {
	pairs := func(op Op, size uint8, dsts, srcs []Operand) {
		for _, d := range dsts {
			for _, s := range srcs {
				f(ins(op, size, d, s))
			}
		}
	}
	allSizes := []uint8{1, 2, 4, 8}
	wideSizes := []uint8{2, 4, 8}
	for _, op := range []Op{ADD, SUB, AND, OR, XOR, CMP, MOV, TEST, XCHG, XADD, CMPXCHG} {
		for _, size := range allSizes {
			pairs(op, size, testRMs, testRegs)
			switch op {
			case TEST, XCHG, XADD, CMPXCHG:
			default:
				pairs(op, size, testRegs, testMems)
			}
			switch op {
			case XCHG, XADD, CMPXCHG:
			default:
				pairs(op, size, testRMs, testImms(size))
			}
			if op != CMP && op != MOV && op != TEST {
				for _, m := range testMems {
					for _, r := range testRegs {
						f(locked(ins(op, size, m, r)))
					}
				}
			}
		}
	}
	for _, r := range testRegs {
		for _, v := range []int64{0, 1, -1, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 1 << 32, -1 << 63, 1<<63 - 1, 0x1122334455667788} {
			f(ins(MOVABS, 8, r, Imm(v)))
		}
	}
	for _, size := range wideSizes {
		pairs(LEA, size, testRegs, testMems)
		pairs(IMUL, size, testRegs, testRMs)
		for c := CondO; c <= CondG; c++ {
			for _, d := range testRegs {
				for _, s := range testRMs {
					f(cc(CMOVCC, c, size, d, s))
				}
			}
		}
		for _, op := range []Op{MOVZX, MOVSX} {
			for _, srcSize := range []uint8{1, 2} {
				if srcSize >= size {
					continue
				}
				for _, d := range testRegs {
					for _, s := range testRMs {
						f(ext(op, size, srcSize, d, s))
					}
				}
			}
		}
	}
	pairs(MOVSXD, 8, testRegs, testRMs)
	for _, size := range allSizes {
		for _, op := range []Op{NEG, NOT, DIV, IDIV} {
			pairs(op, size, testRMs, []Operand{none})
		}
		for _, op := range []Op{NEG, NOT} {
			for _, m := range testMems {
				f(locked(ins(op, size, m, none)))
			}
		}
		for _, op := range []Op{SHL, SHR, SAR, ROL} {
			pairs(op, size, testRMs, []Operand{Imm(0), Imm(1), Imm(2), Imm(7), Imm(8), Imm(31), Imm(63), Imm(255), R(RCX)})
		}
	}
	for _, size := range []uint8{4, 8} {
		f(ins(CQO, size, none, none))
		pairs(BSWAP, size, testRegs, []Operand{none})
	}
	for c := CondO; c <= CondG; c++ {
		for _, size := range []uint8{0, 1} {
			for _, d := range testRMs {
				f(cc(SETCC, c, size, d, none))
			}
		}
	}
	for _, op := range []Op{JMP, CALL} {
		for _, size := range []uint8{0, 8} {
			pairs(op, size, testRMs, []Operand{none})
		}
	}
	f(ins(RET, 0, none, none))
	f(ins(UD2, 0, none, none))
	f(ins(NOP, 0, none, none))
	f(ins(STOSQ, 0, none, none))
	f(ins(STOSQ, 8, none, none))
	f(Inst{Op: STOSQ, Rep: true})
	f(Inst{Op: STOSQ, Size: 8, Rep: true})
}

// TestEncodeCrossCheck encodes the generated set and decodes every
// instruction back with x86asm.
func TestEncodeCrossCheck(t *testing.T) {
	n, fails := 0, 0
	var buf []byte
	validInsts(func(in Inst) {
		n++
		var err error
		buf, err = Encode(buf[:0], &in)
		if err == nil {
			err = crossCheck(&in, buf)
		}
		if err != nil {
			fails++
			if fails <= 20 {
				t.Errorf("%s: % x: %v", in, buf, err)
			}
		}
	})
	t.Logf("cross-checked %d encodings", n)
	if fails > 0 {
		t.Errorf("%d of %d failed", fails, n)
	}
}

// randomMem returns an arbitrary valid memory operand.
func randomMem(rng *rand.Rand) Operand {
	base := Reg(rng.IntN(16))
	var disp int32
	switch rng.IntN(4) {
	case 0:
	case 1:
		disp = int32(int8(rng.Uint32()))
	default:
		disp = int32(rng.Uint32())
	}
	if rng.IntN(3) == 0 {
		return M(base, disp)
	}
	index := Reg(rng.IntN(15))
	if index >= RSP {
		index++ // skip rsp, which cannot be an index
	}
	return MI(base, index, 1<<rng.IntN(4), disp)
}

// TestEncodeRandomMem cross-checks random memory operands in the forms
// that take one, as a source and as a destination.
func TestEncodeRandomMem(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops := []Op{ADD, SUB, AND, OR, XOR, CMP, MOV, TEST, XCHG, XADD, CMPXCHG}
	var buf []byte
	const n = 50000
	for i := 0; i < n; i++ {
		m := randomMem(rng)
		r := R(Reg(rng.IntN(16)))
		size := []uint8{1, 2, 4, 8}[rng.IntN(4)]
		var in Inst
		switch rng.IntN(6) {
		case 0:
			in = ins(ops[rng.IntN(len(ops))], size, m, r)
			in.Lock = in.Op != CMP && in.Op != MOV && in.Op != TEST && rng.IntN(2) == 0
		case 1:
			in = ins([]Op{ADD, SUB, AND, OR, XOR, CMP, MOV}[rng.IntN(7)], size, r, m)
		case 2:
			imms := testImms(size)
			in = ins([]Op{ADD, SUB, AND, OR, XOR, CMP, MOV, TEST}[rng.IntN(8)], size, m, imms[rng.IntN(len(imms))])
		case 3:
			in = ins([]Op{NEG, NOT, DIV, IDIV}[rng.IntN(4)], size, m, none)
		case 4:
			if size == 1 {
				size = 4
			}
			in = ins([]Op{LEA, IMUL, MOVSXD}[rng.IntN(3)], size, r, m)
			if in.Op == MOVSXD {
				in.Size = 8
			}
		case 5:
			in = ext([]Op{MOVZX, MOVSX}[rng.IntN(2)], 8, uint8(1+rng.IntN(2)), r, m)
		}
		var err error
		buf, err = Encode(buf[:0], &in)
		if err == nil {
			err = crossCheck(&in, buf)
		}
		if err != nil {
			t.Fatalf("%s: % x: %v", in, buf, err)
		}
	}
	t.Logf("cross-checked %d random memory encodings", n)
}

// TestEncodeSoundness tries every op with every size and a spread of
// operand kinds, including combinations that must fail. Whatever Encode
// accepts must decode to what was meant; it must never panic.
func TestEncodeSoundness(t *testing.T) {
	var operands []Operand
	operands = append(operands, none, L(3), Operand{Kind: 99})
	operands = append(operands, testRegs...)
	for _, b := range []Reg{RAX, RSP, RBP, R12, R13, R15} {
		operands = append(operands, M(b, 0), M(b, 200), MI(b, R9, 4, -3))
	}
	for _, v := range []int64{0, 1, -1, 0x7f, 0x80, 0xff, 0x100, -0x81, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, 1 << 32, -1 << 63} {
		operands = append(operands, Imm(v))
	}
	accepted, rejected := 0, 0
	var buf []byte
	for op := Op(0); op <= numOps; op++ {
		for _, size := range []uint8{0, 1, 2, 3, 4, 8, 16} {
			for _, srcSize := range []uint8{0, 1, 2, 4} {
				if srcSize != 0 && op != MOVZX && op != MOVSX {
					continue
				}
				for _, d := range operands {
					for _, s := range operands {
						for flags := 0; flags < 4; flags++ {
							in := Inst{Op: op, Size: size, SrcSize: srcSize, Dst: d, Src: s,
								Cond: CondNE, Lock: flags&1 != 0, Rep: flags&2 != 0}
							var err error
							buf, err = Encode(buf[:0], &in)
							if err != nil {
								rejected++
								continue
							}
							accepted++
							if err := crossCheck(&in, buf); err != nil {
								t.Fatalf("%s (size %d): % x: %v", in, size, buf, err)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d accepted and cross-checked, %d rejected", accepted, rejected)
}

// TestEncodeBranchCrossCheck decodes branches back to their targets.
func TestEncodeBranchCrossCheck(t *testing.T) {
	branches := []Inst{{Op: JMP, Dst: L(0)}, {Op: CALL, Dst: L(0)}}
	for c := CondO; c <= CondG; c++ {
		branches = append(branches, Inst{Op: JCC, Cond: c, Dst: L(0)})
	}
	rels := []int32{0, 1, -1, 2, -2, 127, -128, 128, -129, 0x1234, -0x10000, 0x7fffffff, -0x80000000}
	n := 0
	for _, in := range branches {
		// The label is checked as the decoded Rel below.
		bare := in
		bare.Dst = none
		e, err := expect(&bare)
		if err != nil {
			t.Fatal(err)
		}
		for _, short := range []bool{true, false} {
			for _, rel := range rels {
				if short && in.Op != CALL && (rel < -128 || rel > 127) {
					continue
				}
				code := EncodeBranch(nil, &in, rel, short)
				n++
				if len(code) != BranchSize(&in, short) {
					t.Errorf("%s short %v: %d bytes, BranchSize %d", in, short, len(code), BranchSize(&in, short))
				}
				d, err := x86asm.Decode(code, 64)
				if err != nil || d.Len != len(code) {
					t.Errorf("%s rel %d: % x: decoded %v (len %d), %v", in, rel, code, d, d.Len, err)
					continue
				}
				if d.Op != e.op || d.Args[0] != x86asm.Rel(rel) || d.Args[1] != nil {
					t.Errorf("%s rel %d short %v: % x decoded as %v", in, rel, short, code, d)
				}
			}
		}
	}
	t.Logf("cross-checked %d branch encodings", n)
}

func TestBranchSize(t *testing.T) {
	for _, tt := range []struct {
		in          Inst
		short, long int
	}{
		{Inst{Op: JMP}, 2, 5},
		{Inst{Op: JCC, Cond: CondE}, 2, 6},
		{Inst{Op: CALL}, 5, 5},
	} {
		if got := BranchSize(&tt.in, true); got != tt.short {
			t.Errorf("%s short: %d, want %d", tt.in, got, tt.short)
		}
		if got := BranchSize(&tt.in, false); got != tt.long {
			t.Errorf("%s long: %d, want %d", tt.in, got, tt.long)
		}
	}
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	f()
}

func TestEncodeBranchPanics(t *testing.T) {
	jmp := Inst{Op: JMP, Dst: L(0)}
	jcc := Inst{Op: JCC, Cond: CondE, Dst: L(0)}
	add := ins(ADD, 8, R(RAX), R(RCX))
	bad := Inst{Op: JCC, Cond: 16, Dst: L(0)}
	mustPanic(t, "short jmp +128", func() { EncodeBranch(nil, &jmp, 128, true) })
	mustPanic(t, "short jcc -129", func() { EncodeBranch(nil, &jcc, -129, true) })
	mustPanic(t, "EncodeBranch add", func() { EncodeBranch(nil, &add, 0, false) })
	mustPanic(t, "EncodeBranch bad cond", func() { EncodeBranch(nil, &bad, 0, false) })
	mustPanic(t, "BranchSize add", func() { BranchSize(&add, false) })
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		in   Inst
		want string // a fragment of the error
	}{
		// Operand combinations that do not exist.
		{ins(ADD, 8, M(RAX, 0), M(RCX, 0)), "operand combination"},
		{ins(MOV, 8, M(RAX, 0), M(RCX, 0)), "operand combination"},
		{ins(ADD, 8, Imm(1), R(RAX)), "operand combination"},
		{ins(ADD, 8, R(RAX), none), "operand combination"},
		{ins(TEST, 8, R(RAX), M(RCX, 0)), "operand combination"},
		{ins(LEA, 8, R(RAX), R(RCX)), "operand combination"},
		{ins(LEA, 8, M(RAX, 0), M(RCX, 0)), "operand combination"},
		{ins(IMUL, 8, M(RAX, 0), R(RCX)), "operand combination"},
		{ins(IMUL, 8, R(RAX), Imm(3)), "operand combination"},
		{ins(NEG, 8, R(RAX), R(RCX)), "operand combination"},
		{ins(NOT, 8, Imm(1), none), "operand combination"},
		{ins(DIV, 8, none, R(RCX)), "operand combination"},
		{ins(SHL, 8, R(RAX), R(RDX)), "operand combination"},
		{ins(SHL, 8, R(RAX), M(RCX, 0)), "operand combination"},
		{ins(XCHG, 8, M(RAX, 0), Imm(1)), "operand combination"},
		{ins(XADD, 8, R(RAX), M(RCX, 0)), "operand combination"},
		{ins(BSWAP, 8, M(RAX, 0), none), "operand combination"},
		{ins(MOVABS, 8, M(RAX, 0), Imm(1)), "operand combination"},
		{ins(MOVSXD, 8, M(RAX, 0), R(RCX)), "operand combination"},
		{ext(MOVZX, 4, 1, R(RAX), Imm(1)), "operand combination"},
		{cc(CMOVCC, CondE, 8, M(RAX, 0), R(RCX)), "operand combination"},
		{cc(SETCC, CondE, 1, Imm(1), none), "operand combination"},
		{ins(RET, 0, R(RAX), none), "no operands"},
		{ins(CQO, 8, R(RAX), none), "no operands"},

		// Immediates that do not fit.
		{ins(ADD, 8, R(RAX), Imm(0x80000000)), "does not fit"},
		{ins(ADD, 8, R(RAX), Imm(-0x80000001)), "does not fit"},
		{ins(MOV, 8, R(RAX), Imm(1<<32)), "movabs"},
		{ins(MOV, 8, M(RAX, 0), Imm(0xffffffff)), "movabs"},
		{ins(MOV, 4, R(RAX), Imm(1<<32)), "does not fit"},
		{ins(MOV, 4, R(RAX), Imm(-0x80000001)), "does not fit"},
		{ins(ADD, 4, R(RAX), Imm(1<<32)), "does not fit"},
		{ins(ADD, 2, R(RAX), Imm(0x10000)), "does not fit"},
		{ins(ADD, 2, R(RAX), Imm(-0x8001)), "does not fit"},
		{ins(ADD, 1, R(RAX), Imm(0x100)), "does not fit"},
		{ins(ADD, 1, R(RAX), Imm(-0x81)), "does not fit"},
		{ins(TEST, 8, R(RAX), Imm(0x80000000)), "does not fit"},
		{ins(MOV, 1, R(RAX), Imm(256)), "does not fit"},
		{ins(SHL, 8, R(RAX), Imm(256)), "shift count"},
		{ins(SAR, 4, R(RAX), Imm(-1)), "shift count"},

		// Bad sizes.
		{ins(ADD, 0, R(RAX), R(RCX)), "size"},
		{ins(ADD, 3, R(RAX), R(RCX)), "size"},
		{ins(MOV, 16, R(RAX), R(RCX)), "size"},
		{ins(IMUL, 1, R(RAX), R(RCX)), "size"},
		{ins(LEA, 1, R(RAX), M(RCX, 0)), "size"},
		{ins(BSWAP, 2, R(RAX), none), "size"},
		{ins(MOVSXD, 4, R(RAX), R(RCX)), "size"},
		{ins(MOVABS, 4, R(RAX), Imm(1)), "size"},
		{ins(CQO, 2, none, none), "size"},
		{ins(RET, 8, none, none), "size"},
		{ins(STOSQ, 4, none, none), "size"},
		{cc(SETCC, CondE, 4, R(RAX), none), "size"},
		{cc(CMOVCC, CondE, 1, R(RAX), R(RCX)), "size"},
		{ins(CALL, 4, R(RAX), none), "size"},
		{ext(MOVZX, 4, 4, R(RAX), R(RCX)), "source size"},
		{ext(MOVZX, 4, 0, R(RAX), R(RCX)), "source size"},
		{ext(MOVSX, 2, 2, R(RAX), R(RCX)), "source size"},
		{ext(MOVZX, 1, 1, R(RAX), R(RCX)), "size"},

		// Bad registers and addresses.
		{ins(ADD, 8, R(16), R(RCX)), "invalid register"},
		{ins(ADD, 8, R(RAX), R(NoReg)), "invalid register"},
		{ins(ADD, 8, R(RAX), M(NoReg, 0)), "base"},
		{ins(ADD, 8, R(RAX), MI(RAX, RSP, 1, 0)), "rsp cannot be an index"},
		{ins(ADD, 8, R(RAX), MI(RAX, 20, 1, 0)), "invalid index"},
		{ins(ADD, 8, R(RAX), MI(RAX, RCX, 3, 0)), "scale"},
		{ins(ADD, 8, R(RAX), MI(RAX, RCX, 0, 0)), "scale"},
		{ins(ADD, 8, R(RAX), Operand{Kind: 42}), "operand kind"},

		// Labels, branches, conditions.
		{ins(MOV, 8, R(RAX), L(1)), "EncodeBranch"},
		{Inst{Op: JMP, Dst: L(1)}, "EncodeBranch"},
		{Inst{Op: CALL, Dst: L(1)}, "EncodeBranch"},
		{Inst{Op: JCC, Cond: CondE, Dst: L(1)}, "EncodeBranch"},
		{Inst{Op: JMP, Dst: Imm(5)}, "EncodeBranch"},
		{cc(SETCC, 16, 1, R(RAX), none), "condition"},
		{cc(CMOVCC, 0x20, 8, R(RAX), R(RCX)), "condition"},

		// Prefixes where they are not allowed.
		{locked(ins(ADD, 8, R(RAX), R(RCX))), "lock"},
		{locked(ins(CMP, 8, M(RAX, 0), R(RCX))), "lock"},
		{locked(ins(MOV, 8, M(RAX, 0), R(RCX))), "lock"},
		{locked(ins(TEST, 8, M(RAX, 0), Imm(1))), "lock"},
		{locked(ins(XADD, 8, R(RAX), R(RCX))), "lock"},
		{locked(ins(ADD, 8, R(RAX), M(RCX, 0))), "lock"},
		{Inst{Op: ADD, Size: 8, Dst: R(RAX), Src: R(RCX), Rep: true}, "rep"},

		// Unknown ops.
		{ins(0, 8, R(RAX), R(RCX)), "unknown op"},
		{ins(numOps, 8, R(RAX), R(RCX)), "unknown op"},
		{ins(200, 8, R(RAX), R(RCX)), "unknown op"},
	}
	for _, tt := range tests {
		buf := []byte{1, 2, 3}
		got, err := Encode(buf, &tt.in)
		if err == nil {
			t.Errorf("%s: no error, encoded % x", tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not mention %q", tt.in, err, tt.want)
		}
		if !bytes.Equal(got, []byte{1, 2, 3}) {
			t.Errorf("%s: buffer changed on error: % x", tt.in, got)
		}
	}
	if _, err := Encode(nil, nil); err == nil {
		t.Errorf("Encode(nil) did not fail")
	}
}

/* switch statements: a dense switch driving a small stack-machine
 * interpreter (bounded step loop, variable indices into stack arrays) and a
 * sparse switch classifying port numbers. BPF has no indirect jumps, so
 * clang lowers both to compare trees. */
#include "common.h"

DECLARE_LICENSE();

enum {
	OP_HALT = 0,
	OP_PUSH,  /* push the next code byte (sign-extended) */
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DUP,
	OP_SWAP,
	OP_DROP,
	OP_JNZ,   /* pop; if non-zero jump to the code byte that follows */
	OP_JMP,   /* jump to the next code byte */
	OP_DEC,
	OP_SHL,   /* pop n, pop x, push x << (n & 63) */
	OP_XOR,
	OP_NEG,
	OP_OVER,
	OP_MOD,   /* pop n, pop x, push x % n (unsigned; 0 when n is 0) */
};

enum { VM_OK = 0, VM_STEPS = 1, VM_BADOP = 2, VM_UNDERFLOW = 3, VM_OVERFLOW = 4 };

struct vm_ctx {
	u8 code[32];     /* in: program; pc wraps at 32 */
	u64 stack[8];    /* in: initial stack (bottom first); out: final stack (slots >= sp are stale) */
	u32 sp;          /* in: initial depth (more than 8 is VM_OVERFLOW); out: final depth */
	u32 max_steps;   /* in: step budget (clamped to 200) */
	u32 status;      /* out: VM_* */
	u32 steps;       /* out: instructions executed */
	u64 top;         /* out: top of stack or 0 */
};

/* The VM's registers and stack live in .bss. Besides exercising global data
 * inside a loop, this keeps the verifier fast: it does not track the
 * contents of map values, so every iteration starts from the same abstract
 * state instead of one per possible (pc, sp) combination. */
volatile u32 vm_pc;
volatile u32 vm_sp;
u64 vm_stack[8];

/* Masks an index into vm_stack in a way clang cannot drop (it would prove
 * the mask redundant and the verifier could not follow). */
static __always_inline u32 bound(u32 i)
{
	u64 r = i;
	asm volatile("%0 &= 7" : "+r"(r));
	return r;
}

#define VM_POP(dst)                       \
	do {                              \
		if (sp == 0) {            \
			status = VM_UNDERFLOW; \
			goto out;         \
		}                         \
		sp--;                     \
		dst = vm_stack[bound(sp)]; \
	} while (0)

#define VM_PUSH(v)                        \
	do {                              \
		if (sp >= 8) {            \
			status = VM_OVERFLOW; \
			goto out;         \
		}                         \
		vm_stack[bound(sp)] = (v); \
		sp++;                     \
	} while (0)

SEC("syscall")
int switch_vm(struct vm_ctx *c)
{
	u8 code[32];
	__builtin_memcpy(code, c->code, 32);
	__builtin_memcpy(vm_stack, c->stack, 64);
	u32 max = c->max_steps;
	if (max > 200)
		max = 200;
	vm_pc = 0;
	vm_sp = c->sp;

	u32 steps = 0, status = VM_STEPS;
	u64 x, y;

	NO_UNROLL for (u32 i = 0; i < 200; i++) {
		if (i >= max)
			break;
		u32 pc = vm_pc & 31;
		u32 sp = vm_sp;
		if (sp > 8) {
			status = VM_OVERFLOW;
			goto out;
		}
		u8 op = code[pc];
		u8 arg = code[(pc + 1) & 31];
		steps++;
		pc = (pc + 1) & 31;
		switch (op) {
		case OP_HALT:
			status = VM_OK;
			goto out;
		case OP_PUSH:
			VM_PUSH((u64)(s64)(s8)arg);
			pc = (pc + 1) & 31;
			break;
		case OP_ADD:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(x + y);
			break;
		case OP_SUB:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(x - y);
			break;
		case OP_MUL:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(x * y);
			break;
		case OP_DUP:
			VM_POP(x);
			VM_PUSH(x);
			VM_PUSH(x);
			break;
		case OP_SWAP:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(y);
			VM_PUSH(x);
			break;
		case OP_DROP:
			VM_POP(x);
			break;
		case OP_JNZ:
			VM_POP(x);
			pc = x ? (arg & 31) : ((pc + 1) & 31);
			break;
		case OP_JMP:
			pc = arg & 31;
			break;
		case OP_DEC:
			VM_POP(x);
			VM_PUSH(x - 1);
			break;
		case OP_SHL:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(x << (y & 63));
			break;
		case OP_XOR:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(x ^ y);
			break;
		case OP_NEG:
			VM_POP(x);
			VM_PUSH(-x);
			break;
		case OP_OVER:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(x);
			VM_PUSH(y);
			VM_PUSH(x);
			break;
		case OP_MOD:
			VM_POP(y);
			VM_POP(x);
			VM_PUSH(y ? x % y : 0);
			break;
		default:
			status = VM_BADOP;
			goto out;
		}
		vm_pc = pc;
		vm_sp = sp;
	}
out:;
	u32 sp = vm_sp;
	c->status = status;
	c->steps = steps;
	c->sp = sp;
	CTX_BARRIER(c);
	__builtin_memcpy(c->stack, vm_stack, 64);
	c->top = sp - 1 < 8 ? vm_stack[bound(sp - 1)] : 0;
	return status;
}

/* Sparse switch: service classes of well-known ports. A global function,
 * so the kernel verifies it once instead of once per unrolled call site. */
__noinline u32 classify(u32 port)
{
	switch (port) {
	case 22:
		return 1;
	case 53:
		return 2;
	case 80:
	case 8080:
		return 3;
	case 443:
		return 4;
	case 123:
		return 5;
	case 3306:
		return 6;
	case 5432:
		return 7;
	case 6379:
		return 8;
	case 11211:
		return 9;
	case 65535:
		return 11;
	default:
		return port < 1024 ? 10 : 0;
	}
}

struct classify_ctx {
	u32 ports[8];   /* in */
	u32 classes[8]; /* out */
	u32 histogram;  /* out: bit (class) set for every class seen */
	u32 known;      /* out: number of ports with a class other than 0 and 10 */
};

SEC("syscall")
int switch_classify(struct classify_ctx *c)
{
	u32 hist = 0, known = 0;
	UNROLL for (int i = 0; i < 8; i++) {
		u32 k = classify(c->ports[i]);
		c->classes[i] = k;
		hist |= 1u << k;
		known += k != 0 && k != 10;
	}
	c->histogram = hist;
	c->known = known;
	return known;
}

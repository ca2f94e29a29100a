/* Instructions of cpu v4, built only with -mcpu=v4 (v4.o): signed division
 * and modulo (sdiv/smod, 32 and 64 bits, by register and by immediate),
 * sign-extending moves (movsx 8/16/32 into 64 and 8/16 into 32 bits),
 * sign-extending loads (ldsx from the context, the stack and a map value),
 * unconditional byte swaps (bswap16/32/64) and the 32-bit-offset jump gotol
 * (the BPF_JMP32 | BPF_JA form), which clang emits only for a jump farther
 * than 32767 instructions. */
#include "common.h"

DECLARE_LICENSE();

/* ------------------------------------------------------------ sdiv / smod */

struct sdiv_ctx {
	s64 a;        /* in */
	s64 b;        /* in: may be 0 or -1 */
	s32 c;        /* in */
	s32 d;        /* in: may be 0 or -1 */
	s64 q64;      /* out: a / b (0 when b is 0; LLONG_MIN / -1 is LLONG_MIN) */
	s64 r64;      /* out: a % b (a when b is 0; LLONG_MIN % -1 is 0) */
	s32 q32;      /* out: c / d, same rules in 32 bits */
	s32 r32;      /* out: c % d */
	s64 q_imm;    /* out: a / -7 (sdiv by an immediate) */
	s64 r_imm;    /* out: a % -7 */
	s32 q32_imm;  /* out: c / 3 */
	s32 r32_imm;  /* out: c % 3 */
	u64 uq64;     /* out: (u64)a / (u64)b for comparison (0 when b is 0) */
	s64 mixed;    /* out: (a / c) computed in 64 bits with c sign-extended */
};

SEC("syscall")
int v4_sdiv_smod(struct sdiv_ctx *x)
{
	s64 a = x->a, b = x->b;
	s32 c = x->c, d = x->d;

	x->q64 = a / b;
	x->q32 = c / d;
	x->q_imm = a / -7;
	x->q32_imm = c / 3;
	/* Keep clang from deriving the remainders from the quotients
	 * (a - a / b * b), so that smod itself is emitted. */
	asm volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
	x->r64 = a % b;
	x->r32 = c % d;
	x->r_imm = a % -7;
	x->r32_imm = c % 3;
	x->uq64 = (u64)a / (u64)b;
	x->mixed = a / (s64)c;
	return 0;
}

/* ------------------------------------------------------- movsx and ldsx */

MAP_KV(sx_map, BPF_MAP_TYPE_ARRAY, u32, u64, 1);

struct sx_ctx {
	s8 b[4];     /* in */
	s16 h[2];    /* in */
	s32 w[2];    /* in */
	u64 raw;     /* in: arbitrary bits, truncated and sign-extended in registers */
	s64 ld_b[4]; /* out: b[i] loaded sign-extended from the context (ldsx) */
	s64 ld_h[2]; /* out */
	s64 ld_w[2]; /* out */
	s64 mov8;    /* out: (s64)(s8)raw (movsx 64 <- 8) */
	s64 mov16;   /* out: (s64)(s16)raw */
	s64 mov32;   /* out: (s64)(s32)raw */
	u32 mov8_32; /* out: (u32)(s32)(s8)raw (movsx 32 <- 8, upper half zero) */
	u32 mov16_32; /* out: (u32)(s32)(s16)raw */
	s64 stack_ld; /* out: sign-extending load of raw's low byte from the stack */
	s64 map_ld;   /* out: sign-extending 16-bit load from a map value holding raw */
	s64 sum;      /* out: sum of the above */
};

SEC("syscall")
int v4_movsx_ldsx(struct sx_ctx *x)
{
	s64 sum = 0;
	UNROLL for (int i = 0; i < 4; i++) {
		s64 v = x->b[i];
		x->ld_b[i] = v;
		sum += v;
	}
	UNROLL for (int i = 0; i < 2; i++) {
		s64 v = x->h[i];
		s64 w = x->w[i];
		x->ld_h[i] = v;
		x->ld_w[i] = w;
		sum += v + w;
	}

	u64 raw = x->raw;
	asm volatile("" : "+r"(raw)); /* a register value, not a load */
	s64 m8 = (s8)raw, m16 = (s16)raw, m32 = (s32)raw;
	u32 n8 = (u32)(s32)(s8)(u32)raw, n16 = (u32)(s32)(s16)(u32)raw;

	volatile s8 on_stack = (s8)raw;
	s64 st = on_stack;

	u32 k = 0;
	s64 from_map = 0;
	u64 *mv = bpf_map_lookup_elem(&sx_map, &k);
	if (mv) {
		*mv = raw;
		from_map = *(volatile s16 *)mv;
	}

	x->mov8 = m8;
	x->mov16 = m16;
	x->mov32 = m32;
	x->mov8_32 = n8;
	x->mov16_32 = n16;
	x->stack_ld = st;
	x->map_ld = from_map;
	x->sum = sum + m8 + m16 + m32 + n8 + n16 + st + from_map;
	return 0;
}

/* ----------------------------------------------------------------- bswap */

struct bswap_ctx {
	u64 in;      /* in */
	u64 s16;     /* out: __builtin_bswap16((u16)in) */
	u64 s32;     /* out: __builtin_bswap32((u32)in) */
	u64 s64;     /* out: __builtin_bswap64(in) */
	u64 roundtrip; /* out: bswap64(bswap64(in) ^ 0xFF) */
};

SEC("syscall")
int v4_bswap(struct bswap_ctx *x)
{
	u64 v = x->in;
	x->s16 = __builtin_bswap16((u16)v);
	x->s32 = __builtin_bswap32((u32)v);
	x->s64 = __builtin_bswap64(v);
	x->roundtrip = __builtin_bswap64(__builtin_bswap64(v) ^ 0xFF);
	return 0;
}

/* ----------------------------------------------------------------- gotol */

struct gotol_ctx {
	u64 seed;  /* in */
	u32 skip;  /* in: non-zero jumps over the long block */
	u32 pad;
	u64 out;   /* out */
};

#define MIX(k) x = (x ^ (x >> 29)) * 0x9E3779B97F4A7C15ull + (k);
#define MIX10(k) MIX(k##0) MIX(k##1) MIX(k##2) MIX(k##3) MIX(k##4) MIX(k##5) MIX(k##6) MIX(k##7) MIX(k##8) MIX(k##9)
#define MIX100(k) MIX10(k##0) MIX10(k##1) MIX10(k##2) MIX10(k##3) MIX10(k##4) MIX10(k##5) MIX10(k##6) MIX10(k##7) MIX10(k##8) MIX10(k##9)
#define MIX1000(k) MIX100(k##0) MIX100(k##1) MIX100(k##2) MIX100(k##3) MIX100(k##4) MIX100(k##5) MIX100(k##6) MIX100(k##7) MIX100(k##8) MIX100(k##9)

SEC("syscall")
int v4_gotol(struct gotol_ctx *c)
{
	u64 x = c->seed;
	if (c->skip)
		goto done;
	/* 7000 rounds of about 6 instructions: the branch above must jump over
	 * more than 32767 instructions, which only gotol can do. */
	MIX1000(1) MIX1000(2) MIX1000(3) MIX1000(4) MIX1000(5) MIX1000(6) MIX1000(7)
done:
	c->out = x;
	return 0;
}

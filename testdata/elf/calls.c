/* bpf-to-bpf calls: static __noinline functions several levels deep, five
 * arguments, pointers into the caller's stack frame passed down and written
 * by callees, a callee's stack array, and a global (non-static) function,
 * which the kernel verifies on its own. */
#include "common.h"

DECLARE_LICENSE();

struct calls_ctx {
	s32 a;          /* in */
	s32 b;          /* in */
	u32 seed;       /* in */
	u32 depth;      /* in: recursion-free chain depth for chain() (0..6) */
	s64 diff;       /* out: level1(a, b) */
	s64 acc;        /* out: accumulator the callees added to through a pointer */
	s32 min;        /* out */
	s32 max;        /* out */
	u32 buf[4];     /* out: filled by fill() in main's frame */
	u64 chain;      /* out: result of chain(depth) */
	s32 global;     /* out: global_mix(a, b) */
	u32 checksum;   /* out: checksum of a 64-byte array on a callee's stack */
};

static __noinline void fill(u32 *buf, u32 seed)
{
	UNROLL for (int i = 0; i < 4; i++)
		buf[i] = seed * (i + 3) ^ (seed >> i);
}

static __noinline s64 level3(s64 x, s64 *acc)
{
	*acc += x;
	return x * 3 - 1;
}

static __noinline s64 level2(s64 x, s64 *acc)
{
	s64 local = 0;
	s64 r = level3(x + 1, &local); /* pointer into this frame */
	*acc += local;
	return r + level3(r, acc);     /* pointer into the caller's frame */
}

static __noinline s64 level1(s32 a, s32 b, s64 *acc, u32 *buf, u32 seed)
{
	fill(buf, seed);
	return level2(a, acc) - level2(b, acc);
}

static __noinline void minmax(s32 a, s32 b, s32 *out)
{
	out[0] = a < b ? a : b;
	out[1] = a < b ? b : a;
}

/* Each level has its own stack array; the total stays under 512 bytes. */
static __noinline u32 sum_frame(u32 seed)
{
	u8 arr[64];
	UNROLL for (int i = 0; i < 64; i++)
		arr[i] = (u8)(seed + i * 7);
	u32 s = 0;
	NO_UNROLL for (int i = 0; i < 64; i++)
		s = s * 33 + arr[i];
	return s;
}

static __noinline u64 chain6(u64 x) { return x * 2 + 6; }
static __noinline u64 chain5(u64 x, u32 d) { return d > 5 ? chain6(x + 5) : x; }
static __noinline u64 chain4(u64 x, u32 d) { return d > 4 ? chain5(x * 3, d) : x; }
static __noinline u64 chain3(u64 x, u32 d) { return d > 3 ? chain4(x ^ 0x33, d) : x; }
static __noinline u64 chain2(u64 x, u32 d) { return d > 2 ? chain3(x + 0x200, d) : x; }
static __noinline u64 chain1(u64 x, u32 d) { return d > 1 ? chain2(x << 4, d) : x; }

__noinline int global_mix(int x, int y)
{
	return (x * 7) ^ (y + 3);
}

SEC("syscall")
int calls_prog(struct calls_ctx *c)
{
	s32 a = c->a, b = c->b;
	u32 seed = c->seed, depth = c->depth;
	s64 acc = 0;
	u32 buf[4];
	s32 mm[2];

	s64 diff = level1(a, b, &acc, buf, seed);
	minmax(a, b, mm);
	u64 ch = depth > 0 ? chain1(seed, depth) : 0;
	s32 g = global_mix(a, b);
	u32 sum = sum_frame(seed);

	c->diff = diff;
	c->acc = acc;
	c->min = mm[0];
	c->max = mm[1];
	UNROLL for (int i = 0; i < 4; i++)
		c->buf[i] = buf[i];
	c->chain = ch;
	c->global = g;
	c->checksum = sum;
	CHECK(mm[0] <= mm[1]);
	return 0;
}

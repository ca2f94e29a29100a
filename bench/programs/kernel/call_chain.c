/* Kernel peer of call_chain: the same six non-inlined functions. */
#include "kernel.h"

#define N 1024
#define NOINLINE __attribute__((noinline))

INPUT(8 * N);

static NOINLINE u64 f6(u64 x, u64 y)
{
	return (x ^ (x >> 31)) * 0x94d049bb133111ebULL + y;
}

static NOINLINE u64 f5(u64 x, u64 y)
{
	return f6(x + y, y ^ 0x5555) ^ x;
}

static NOINLINE u64 f4(u64 x, u64 y, u64 z)
{
	return f5(x * 3, y + z) - z;
}

static NOINLINE u64 f3(u64 x, u64 y)
{
	return f4(x, y, x >> 7) + 1;
}

static NOINLINE u64 f2(u64 x)
{
	return f3(x ^ 0xabcdef, x >> 3);
}

static NOINLINE u64 f1(u64 x, u64 i)
{
	return f2(x + i) ^ i;
}

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	const u64 *v = (const u64 *)input;
	u64 acc = 0;
	for (u64 i = OPAQUE(0); i < N; i++) {
		acc = acc * 31 + f1(v[IDX(i, N)], i);
		cond_break;
	}
	return (u32)(acc ^ (acc >> 32));
}

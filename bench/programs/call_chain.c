/* call_chain: bpf-to-bpf calls. Every element of the input goes through
 * a chain of six non-inlined functions (1 to 3 arguments each, a little
 * arithmetic per level).
 * Input: u64 v[1024] (8 KiB).
 * Result: the low 32 bits of acc ^ (acc >> 32), where
 * acc = acc * 31 + f1(v[i], i) over i in order, from acc = 0. */
typedef unsigned int u32;
typedef unsigned long long u64;

#define N 1024
#define NOINLINE __attribute__((noinline))

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

u64 bpf_main(void *mem)
{
	const u64 *v = mem;
	u64 acc = 0;
	for (u64 i = 0; i < N; i++)
		acc = acc * 31 + f1(v[i], i);
	return (u32)(acc ^ (acc >> 32));
}

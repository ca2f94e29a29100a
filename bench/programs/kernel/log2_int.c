/* Kernel peer of log2_int: sum of the branchy log2 of 1024 u64. */
#include "kernel.h"

#define N 1024

INPUT(8 * N);

static __always_inline u64 log2_u64(u64 x)
{
	u64 r = 0;
	if (x > 0xffffffffULL) {
		x >>= 32;
		r += 32;
	}
	if (x > 0xffff) {
		x >>= 16;
		r += 16;
	}
	if (x > 0xff) {
		x >>= 8;
		r += 8;
	}
	if (x > 0xf) {
		x >>= 4;
		r += 4;
	}
	if (x > 0x3) {
		x >>= 2;
		r += 2;
	}
	if (x > 0x1)
		r += 1;
	return r;
}

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	const u64 *v = (const u64 *)input;
	u64 sum = 0;
	for (u64 i = OPAQUE(0); i < N; i++) {
		sum += log2_u64(v[IDX(i, N)]);
		cond_break;
	}
	return sum;
}

/* Kernel peer of memcpy: copy the first MiB of the input to the second,
 * byte by byte, and sample the copy. */
#include "kernel.h"

#define HALF (1 << 20)

INPUT(2 * HALF);

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	for (u64 i = OPAQUE(0); i < HALF; i++) {
		input[HALF + i] = input[i];
		cond_break;
	}
	u64 sum = 0;
	for (u64 k = OPAQUE(0); k < 256; k++) {
		u64 at = IDX(HALF + 4096 * k + ((37 * k) & 4095), 2 * HALF);
		sum += (u64)input[at] * (k + 1);
		cond_break;
	}
	return sum;
}

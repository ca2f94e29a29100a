/* Kernel peer of memory_a_plus_b: input u64 a, u64 b; returns a + b. */
#include "kernel.h"

INPUT(16);

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	const u64 *v = (const u64 *)input;
	return v[0] + v[1];
}

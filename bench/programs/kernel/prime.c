/* Kernel peer of prime: primes below the u64 limit in the input. */
#include "kernel.h"

INPUT(8);

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	u64 limit = *(const u64 *)input;
	u64 count = 0;
	for (u64 n = OPAQUE(2); n < limit; n++) {
		u64 prime = 1;
		for (u64 d = OPAQUE(2); d * d <= n; d++) {
			if (n % d == 0) {
				prime = 0;
				break;
			}
			cond_break;
		}
		count += prime;
		cond_break;
	}
	return count;
}

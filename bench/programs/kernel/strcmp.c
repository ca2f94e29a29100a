/* Kernel peer of strcmp (strcmp_fail and strcmp_full): compare the
 * NUL-terminated strings in the two halves of the input. */
#include "kernel.h"

#define HALF (1 << 20)

INPUT(2 * HALF);

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	for (u64 i = OPAQUE(0); i < HALF; i++) {
		u8 a = input[i], b = input[HALF + i];
		if (a != b)
			return a - b;
		if (a == 0)
			return 0;
		cond_break;
	}
	return 0;
}

/* Kernel peer of sort: copy 256 s32 to the second half of the input and
 * insertion-sort them there. */
#include "kernel.h"

#define N 256

INPUT(8 * N);

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	const s32 *src = (const s32 *)input;
	s32 *a = (s32 *)input + N;
	for (u32 i = OPAQUE(0); i < N; i++) {
		u64 k = IDX(i, N);
		a[k] = src[k];
		cond_break;
	}
	for (u32 i = OPAQUE(1); i < N; i++) {
		s32 key = a[IDX(i, N)];
		/* j is the hole: a[j - 1] moves up while it is greater than key */
		u32 j = i;
		while (j > 0) {
			u64 below = IDX(j - 1, N);
			s32 prev = a[below];
			if (prev <= key)
				break;
			a[below + 1] = prev;
			j--;
			cond_break;
		}
		a[IDX(j, N)] = key;
		cond_break;
	}
	u32 sum = 0;
	for (u32 i = OPAQUE(0); i < N; i++) {
		sum += (u32)a[IDX(i, N)] * (i + 1);
		cond_break;
	}
	return sum;
}

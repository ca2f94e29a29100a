/* log2_int: branchy integer log2 (a binary search on the magnitude, one
 * branch per step) of 1024 u64, summed.
 * Input: u64 v[1024] (8 KiB). Result: sum of floor(log2(v[i])), with
 * log2(0) = 0. */
typedef unsigned long long u64;

#define N 1024

static u64 log2_u64(u64 x)
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

u64 bpf_main(void *mem)
{
	const u64 *v = mem;
	u64 sum = 0;
	for (int i = 0; i < N; i++)
		sum += log2_u64(v[i]);
	return sum;
}

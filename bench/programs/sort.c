/* sort: insertion sort of 256 signed 32-bit ints.
 * Input: s32 src[256], s32 work[256] (2 KiB). The program copies src to
 * work and sorts work in place (ascending), so that every run does the
 * same work whatever work held before.
 * Result: sum over i of (u32)work[i] * (i + 1), modulo 2^32. */
typedef int s32;
typedef unsigned int u32;
typedef unsigned long long u64;

#define N 256

u64 bpf_main(void *mem)
{
	const s32 *src = mem;
	s32 *a = (s32 *)mem + N;
	for (int i = 0; i < N; i++)
		a[i] = src[i];
	for (int i = 1; i < N; i++) {
		s32 key = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > key) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = key;
	}
	u32 sum = 0;
	for (int i = 0; i < N; i++)
		sum += (u32)a[i] * (u32)(i + 1);
	return sum;
}

/* memcpy: copy 1 MiB byte by byte, then sample the copy.
 * Input: 2 MiB: src = bytes [0, 1 MiB), dst = bytes [1 MiB, 2 MiB) (the
 * program overwrites dst; its initial contents do not matter).
 * Result: sum over k < 256 of dst[4096k + (37k mod 4096)] * (k + 1). */
typedef unsigned char u8;
typedef unsigned long long u64;

#define HALF (1 << 20)

u64 bpf_main(void *mem)
{
	const u8 *src = mem;
	u8 *dst = (u8 *)mem + HALF;
	for (u64 i = 0; i < HALF; i++)
		dst[i] = src[i];
	u64 sum = 0;
	for (u64 k = 0; k < 256; k++)
		sum += (u64)dst[4096 * k + ((37 * k) & 4095)] * (k + 1);
	return sum;
}

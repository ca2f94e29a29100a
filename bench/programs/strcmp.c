/* strcmp: compare two NUL-terminated strings of up to 1 MiB byte by byte
 * (strcmp_fail: they differ early; strcmp_full: they are equal).
 * Input: 2 MiB: a = bytes [0, 1 MiB), b = bytes [1 MiB, 2 MiB).
 * Result: a[i] - b[i] at the first index where they differ or a[i] is 0
 * (as C's strcmp; the suite's inputs make it 0 or positive). */
typedef unsigned char u8;
typedef unsigned long long u64;

#define HALF (1 << 20)

u64 bpf_main(void *mem)
{
	const u8 *a = mem;
	const u8 *b = a + HALF;
	for (u64 i = 0; i < HALF; i++) {
		if (a[i] != b[i])
			return a[i] - b[i];
		if (a[i] == 0)
			return 0;
	}
	return 0;
}

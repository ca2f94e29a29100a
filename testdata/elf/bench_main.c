/* A lone entry point in .text, the style of the public userspace eBPF
 * benchmark suites: no SEC(), no license, no maps, no BTF (built with plain
 * `clang -O2 -target bpf -c`). It reads its memory with variable offsets and
 * loops without verifier-friendly bounds, so the kernel cannot run it; the
 * expected results come from a Go reference implementation instead.
 *
 * Memory layout (little-endian):
 *   0  u32 len     number of data bytes (at most 4096 are used)
 *   4  u32 crc     out: CRC-32 (IEEE, reflected, as zlib) of the data
 *   8  u32 primes  out: number of primes below (len % 2000) + 2, by trial division
 *   12 u32 pad
 *   16 u8  data[len]
 * The result is crc ^ primes. */

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

static u32 crc32(const u8 *p, u32 n)
{
	u32 crc = 0xFFFFFFFF;
	for (u32 i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1));
	}
	return ~crc;
}

static u32 count_primes(u32 limit)
{
	u32 count = 0;
	for (u32 n = 2; n < limit; n++) {
		u32 prime = 1;
		for (u32 d = 2; d * d <= n; d++) {
			if (n % d == 0) {
				prime = 0;
				break;
			}
		}
		count += prime;
	}
	return count;
}

int bpf_main(void *mem)
{
	u32 *hdr = (u32 *)mem;
	u32 len = hdr[0];
	if (len > 4096)
		len = 4096;
	u32 crc = crc32((const u8 *)mem + 16, len);
	u32 primes = count_primes(len % 2000 + 2);
	hdr[1] = crc;
	hdr[2] = primes;
	return crc ^ primes;
}

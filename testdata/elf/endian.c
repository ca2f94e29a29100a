/* Byte-order conversions: bpf_htons/htonl/ntohs/ntohl, bpf_cpu_to_be64,
 * bpf_be64_to_cpu, __builtin_bswap16/32/64, to_le via inline assembly
 * (le16/le32 truncate), and a big-endian field read byte
 * by byte. With -mcpu=v3 these compile to BPF_END (to_be / to_le); with
 * -mcpu=v4 (endian_v4.o) the swaps become BPF_ALU64 | BPF_END (bswap). */
#include "common.h"

DECLARE_LICENSE();

struct endian_ctx {
	u16 in16;      /* in */
	u16 pad0;
	u32 in32;      /* in */
	u64 in64;      /* in */
	u8 raw[8];     /* in: bytes read as big-endian u16/u32/u64 */
	u16 htons16;   /* out: bpf_htons(in16) */
	u16 bswap16;   /* out: __builtin_bswap16(in16) */
	u32 htonl32;   /* out: bpf_htonl(in32) */
	u32 ntohl32;   /* out: bpf_ntohl(in32) */
	u32 bswap32;   /* out: __builtin_bswap32(in32) */
	u64 be64;      /* out: bpf_cpu_to_be64(in64) */
	u64 bswap64;   /* out: __builtin_bswap64(in64) */
	u64 le64;      /* out: BPF_END to_le 64 of in64 (identity on little-endian) */
	u64 le32;      /* out: BPF_END to_le 32 of in64 (truncates to the low 32 bits) */
	u64 le16;      /* out: BPF_END to_le 16 of in64 (truncates to the low 16 bits) */
	u32 sw16in32;  /* out: bpf_htons((u16)in32) kept in a 32-bit variable (upper bits cleared) */
	u32 raw_be32;  /* out: raw[0..3] as big-endian */
	u64 raw_be64;  /* out: raw[0..7] as big-endian */
	u16 raw_be16;  /* out: raw[6..7] as big-endian */
	u16 pad1;
	u32 mix;       /* out: a combination of the above */
};

SEC("syscall")
int endian_prog(struct endian_ctx *c)
{
	u16 a = c->in16;
	u32 b = c->in32;
	u64 q = c->in64;
	u8 raw[8];
	__builtin_memcpy(raw, c->raw, 8);

	u16 hs = bpf_htons(a);
	u16 bs = __builtin_bswap16(a);
	u32 hl = bpf_htonl(b);
	u32 nl = bpf_ntohl(b);
	u32 bl = __builtin_bswap32(b);
	u64 bq = bpf_cpu_to_be64(q);
	u64 sq = __builtin_bswap64(q);
	/* clang never emits to_le on a little-endian target: write it by hand */
	u64 lq = q, l32 = q, l16 = q;
	asm volatile("%0 = le64 %0" : "+r"(lq));
	asm volatile("%0 = le32 %0" : "+r"(l32));
	asm volatile("%0 = le16 %0" : "+r"(l16));
	u32 sw = bpf_htons((u16)b);
	u32 r32 = (u32)raw[0] << 24 | (u32)raw[1] << 16 | (u32)raw[2] << 8 | raw[3];
	u64 r64 = (u64)raw[0] << 56 | (u64)raw[1] << 48 | (u64)raw[2] << 40 | (u64)raw[3] << 32 |
		  (u64)raw[4] << 24 | (u64)raw[5] << 16 | (u64)raw[6] << 8 | raw[7];
	u16 r16 = (u16)raw[6] << 8 | raw[7];

	c->htons16 = hs;
	c->bswap16 = bs;
	c->htonl32 = hl;
	c->ntohl32 = nl;
	c->bswap32 = bl;
	c->be64 = bq;
	c->bswap64 = sq;
	c->le64 = lq;
	c->le32 = l32;
	c->le16 = l16;
	c->sw16in32 = sw;
	c->raw_be32 = r32;
	c->raw_be64 = r64;
	c->raw_be16 = r16;
	c->mix = (u32)(bq >> 7) ^ hl ^ ((u32)hs << 9) ^ (u32)bpf_be64_to_cpu(bq);

	CHECK(hs == bs);
	CHECK(hl == bl && nl == hl);
	CHECK(bq == sq);
	CHECK(lq == q);
	CHECK(l32 == (u32)q && l16 == (u16)q);
	CHECK(bpf_ntohs(hs) == a);
	CHECK(bpf_be64_to_cpu(bq) == q);
	CHECK(sw <= 0xFFFF);
	return 0;
}

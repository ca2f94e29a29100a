/* Kernel peer of wordcount: the same counting, in the same kind of map
 * (hash, u64 key, {gen, n} value, 4096 entries), with the generation in
 * .bss. */
#include "kernel.h"

#define MAX_TEXT 16384
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

INPUT(8 + MAX_TEXT);

struct count {
	u32 gen;
	u32 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, struct count);
} counts SEC(".maps");

u32 generation;

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	u32 len = *(const u32 *)input;
	const u8 *text = input + 8;
	if (len > MAX_TEXT)
		len = MAX_TEXT;
	u32 gen = ++generation;
	u32 distinct = 0, max = 0;
	u64 h = FNV_OFFSET;
	int inword = 0;
	for (u32 i = OPAQUE(0); i <= len; i++) {
		u8 c = ' ';
		if (i < len && i < MAX_TEXT)
			c = text[i];
		if (c >= 'a' && c <= 'z') {
			h = (h ^ c) * FNV_PRIME;
			inword = 1;
			cond_break;
			continue;
		}
		if (inword) {
			struct count *v = bpf_map_lookup_elem(&counts, &h);
			if (v && v->gen == gen) {
				u32 n = ++v->n;
				if (n > max)
					max = n;
			} else {
				struct count fresh = { .gen = gen, .n = 1 };
				bpf_map_update_elem(&counts, &h, &fresh, BPF_ANY);
				distinct++;
				if (max == 0)
					max = 1;
			}
			h = FNV_OFFSET;
			inword = 0;
		}
		cond_break;
	}
	return (distinct << 16) | max;
}

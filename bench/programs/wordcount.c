/* wordcount: count the words of a text in a hash map keyed by their
 * 64-bit FNV-1a hash.
 *
 * Input: u32 len, u32 pad, then len bytes of text (16 KiB + 8 in all).
 * A word is a maximal run of bytes 'a'..'z'; every other byte separates.
 *
 * Map `counts` (hash, key u64 hash, value {u32 gen; u32 n}) holds, after
 * a run, the count n of every word of the text. The map persists across
 * runs, so every run first bumps the global `generation` and treats an
 * entry with another generation as absent: for each word the first
 * occurrence in this run calls bpf_map_update_elem (BPF_ANY) and the
 * others increment n in place through bpf_map_lookup_elem. Every run thus
 * makes the same helper calls and returns the same result; runs of one
 * collection must not overlap.
 *
 * Result: (distinct words << 16) | the highest count. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;

#define MAX_TEXT 16384
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

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

SEC("syscall")
u64 bpf_main(void *mem)
{
	u32 len = *(const u32 *)mem;
	const u8 *text = (const u8 *)mem + 8;
	if (len > MAX_TEXT)
		len = MAX_TEXT;
	u32 gen = ++generation;
	u32 distinct = 0, max = 0;
	u64 h = FNV_OFFSET;
	int inword = 0;
	for (u32 i = 0; i <= len; i++) {
		u8 c = i < len ? text[i] : ' ';
		if (c >= 'a' && c <= 'z') {
			h = (h ^ c) * FNV_PRIME;
			inword = 1;
			continue;
		}
		if (!inword)
			continue;
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
	return ((u64)distinct << 16) | max;
}

/* counter: a program many goroutines run at once. Its context names a key
 * and a count; the program makes sure the key has an entry in a hash map
 * (bpf_map_update_elem with BPF_NOEXIST: one of several racing creators
 * wins, the others see -EEXIST) and adds 1 to the entry's value count
 * times with atomic adds, and once to a per-CPU array slot. The totals are
 * exact whatever the interleaving. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned int u32;
typedef unsigned long long u64;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} runs SEC(".maps");

struct ctx {
	u32 key;
	u32 count;
};

SEC("syscall")
int count(struct ctx *c)
{
	u32 key = c->key;
	u64 *v = bpf_map_lookup_elem(&counts, &key);
	if (!v) {
		u64 zero = 0;
		long err = bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST */)
			return 1;
		v = bpf_map_lookup_elem(&counts, &key);
		if (!v)
			return 2;
	}
	for (u32 i = 0; i < c->count && i < 1000; i++)
		__sync_fetch_and_add(v, 1);
	u32 zero = 0;
	u64 *r = bpf_map_lookup_elem(&runs, &zero);
	if (!r)
		return 3;
	*r += 1; /* per CPU: each instance runs on one logical CPU at a time */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

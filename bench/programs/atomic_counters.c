/* atomic_counters: an array map of 64 counters incremented atomically.
 *
 * Input: u32 idx[4096] (16 KiB); counter idx[i] & 63 is incremented.
 *
 * Every run first resets the 64 counters with an atomic exchange, then
 * does one bpf_map_lookup_elem and one atomic fetch-and-add per index,
 * summing the values the fetch-and-adds return. Map `counters` holds the
 * counts of the last run; the result does not depend on earlier runs, but
 * runs of one collection must not overlap.
 *
 * Result: the sum of the fetched values modulo 2^32, which is
 * sum over counters of n(n-1)/2 for a counter incremented n times. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef __u32 u32;
typedef __u64 u64;

#define N 4096
#define COUNTERS 64

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTERS);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

SEC("syscall")
u64 bpf_main(void *mem)
{
	const u32 *idx = mem;
	for (u32 k = 0; k < COUNTERS; k++) {
		u64 *c = bpf_map_lookup_elem(&counters, &k);
		if (c)
			__sync_lock_test_and_set(c, 0);
	}
	u64 sum = 0;
	for (u32 i = 0; i < N; i++) {
		u32 k = idx[i] & (COUNTERS - 1);
		u64 *c = bpf_map_lookup_elem(&counters, &k);
		if (c)
			sum += __sync_fetch_and_add(c, 1);
	}
	return (u32)sum;
}

/* Kernel peer of atomic_counters: the same array map of 64 counters, reset
 * by atomic exchange and incremented by atomic fetch-and-add. */
#include "kernel.h"

#define N 4096
#define COUNTERS 64

INPUT(4 * N);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTERS);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	const u32 *idx = (const u32 *)input;
	for (u32 k = OPAQUE(0); k < COUNTERS; k++) {
		u64 *c = bpf_map_lookup_elem(&counters, &k);
		if (c)
			__sync_lock_test_and_set(c, 0);
		cond_break;
	}
	u64 sum = 0;
	for (u32 i = OPAQUE(0); i < N; i++) {
		u32 k = idx[IDX(i, N)] & (COUNTERS - 1);
		u64 *c = bpf_map_lookup_elem(&counters, &k);
		if (c)
			sum += __sync_fetch_and_add(c, 1);
		cond_break;
	}
	return (u32)sum;
}

/* Kernel peer of ringbuf: the same 128 records per run, into a 16 MiB ring
 * (5461 runs' worth: BPF_PROG_TEST_RUN repeats a run without a chance to
 * drain, and restarts all repetitions when a signal interrupts it; the
 * runner drains the ring every 256 repetitions). */
#include "kernel.h"

#define N 128

INPUT(8 * N);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct event {
	u64 seq;
	u64 value;
};

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	const u64 *v = (const u64 *)input;
	u32 sent = 0;
	for (u64 i = OPAQUE(0); i < N; i++) {
		struct event e = { .seq = i, .value = v[IDX(i, N)] * 0x9e3779b97f4a7c15ULL };
		if (bpf_ringbuf_output(&events, &e, sizeof(e), 0) == 0)
			sent++;
		cond_break;
	}
	return sent;
}

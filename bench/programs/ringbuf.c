/* ringbuf: emit one ring buffer record per input word with
 * bpf_ringbuf_output.
 *
 * Input: u64 v[128] (1 KiB). Record i (16 bytes) is
 * { u64 seq = i; u64 value = v[i] * 0x9e3779b97f4a7c15 }.
 *
 * Map `events` is a 1 MiB ring buffer: a record takes 24 bytes in the
 * ring (8-byte header), a run 3072, so the ring holds the records of 341
 * runs. Nothing consumes them in the program: the harness must drain the
 * ring (at least every 256 runs) or outputs start failing.
 *
 * Result: the number of records emitted (bpf_ringbuf_output returned 0),
 * 128 when the ring has room. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef __u64 u64;

#define N 128

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct event {
	u64 seq;
	u64 value;
};

SEC("syscall")
u64 bpf_main(void *mem)
{
	const u64 *v = mem;
	u64 sent = 0;
	for (u64 i = 0; i < N; i++) {
		struct event e = { .seq = i, .value = v[i] * 0x9e3779b97f4a7c15ULL };
		if (bpf_ringbuf_output(&events, &e, sizeof(e), 0) == 0)
			sent++;
	}
	return sent;
}

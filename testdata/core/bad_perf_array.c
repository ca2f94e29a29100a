/* A BPF_MAP_TYPE_PERF_EVENT_ARRAY map (map "events") used with
 * bpf_perf_event_output: the map type is not supported. */
#include "bad_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("syscall")
int emits_perf_event(void *ctx)
{
	__u64 v = 42;
	return bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

DECLARE_LICENSE();

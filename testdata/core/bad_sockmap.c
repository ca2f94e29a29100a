/* A BPF_MAP_TYPE_SOCKMAP map (map "sock_map"): not supported. */
#include "bad_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} sock_map SEC(".maps");

SEC("syscall")
int uses_sockmap(void *ctx)
{
	__u32 key = 0;
	return bpf_map_lookup_elem(&sock_map, &key) != 0;
}

DECLARE_LICENSE();

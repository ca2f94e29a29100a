/* A hash map (map "huge_map") of 2^32-1 entries of 4 KiB: about 16 TiB,
 * beyond any memory limit. Valid by the kernel's per-map checks. */
#include "bad_common.h"

struct big_value {
	__u8 bytes[4096];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 0xFFFFFFFF);
	__type(key, __u32);
	__type(value, struct big_value);
} huge_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} small_map SEC(".maps");

SEC("syscall")
int uses_huge_map(void *ctx)
{
	__u32 key = 0;
	return bpf_map_lookup_elem(&huge_map, &key) != 0 && bpf_map_lookup_elem(&small_map, &key) != 0;
}

DECLARE_LICENSE();

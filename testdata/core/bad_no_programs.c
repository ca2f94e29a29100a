/* Only data and a map: no program section and no function. */
#include "bad_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lonely_map SEC(".maps");

__u64 lonely_counter = 1;

DECLARE_LICENSE();

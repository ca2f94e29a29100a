/* Calls that change a map programs may only read, with the map a
 * constant argument: the kernel's verifier refuses each program ("write
 * into map forbidden"), and so does ebpfjit's loader, before anything
 * runs. One program per case, each checked on its own.
 */
#include "common.h"

MAP_FLAGS(hash_ro, BPF_MAP_TYPE_HASH, u32, u64, 4, BPF_F_RDONLY_PROG);
MAP_QUEUE(queue_ro, u64, 4, BPF_F_RDONLY_PROG);

SEC("syscall")
int update_ro(struct iso_ctx *c)
{
	u32 k = c->key;
	u64 v = c->value;
	c->ret = bpf_map_update_elem(&hash_ro, &k, &v, BPF_ANY);
	return 0;
}

SEC("syscall")
int delete_ro(struct iso_ctx *c)
{
	u32 k = c->key;
	c->ret = bpf_map_delete_elem(&hash_ro, &k);
	return 0;
}

SEC("syscall")
int push_ro(struct iso_ctx *c)
{
	u64 v = c->value;
	c->ret = bpf_map_push_elem(&queue_ro, &v, 0);
	return 0;
}

SEC("syscall")
int pop_ro(struct iso_ctx *c)
{
	u64 v = 0;
	c->ret = bpf_map_pop_elem(&queue_ro, &v);
	c->value = v;
	return 0;
}

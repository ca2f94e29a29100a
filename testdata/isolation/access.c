/* Hash maps, queues, ring buffers and helpers against program access
 * flags and map internals. Every program here loads in ebpfjit (no call
 * changes a read-only map through a constant map argument; see
 * refused.c); some fault when they run, where the kernel's verifier
 * refuses them.
 */
#include "common.h"

MAP_FLAGS(hash_rw, BPF_MAP_TYPE_HASH, u32, u64, 4, 0);
MAP_FLAGS(hash_ro, BPF_MAP_TYPE_HASH, u32, u64, 4, BPF_F_RDONLY_PROG);
MAP_FLAGS(hash_wo, BPF_MAP_TYPE_HASH, u32, u64, 4, BPF_F_WRONLY_PROG);
MAP_FLAGS(arr_ro, BPF_MAP_TYPE_ARRAY, u32, u64, 2, BPF_F_RDONLY_PROG);
MAP_FLAGS(arr_wo, BPF_MAP_TYPE_ARRAY, u32, u64, 2, BPF_F_WRONLY_PROG);
MAP_QUEUE(queue_ro, u64, 4, BPF_F_RDONLY_PROG);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ring SEC(".maps");

/* Kernel-valid: look a key up in a read-only hash map (1: absent). */
SEC("syscall")
int hash_ro_read(struct iso_ctx *c)
{
	u32 k = c->key;
	u64 *v = bpf_map_lookup_elem(&hash_ro, &k);
	if (!v)
		return 1;
	c->value = *v;
	return 0;
}

/* Kernel-valid: programs may create and write elements of a write-only
 * hash map. */
SEC("syscall")
int hash_wo_write(struct iso_ctx *c)
{
	u32 k = c->key;
	u64 init = c->value;
	c->ret = bpf_map_update_elem(&hash_wo, &k, &init, BPF_ANY);
	u64 *v = bpf_map_lookup_elem(&hash_wo, &k);
	if (!v)
		return 1;
	*v = c->value + 1;
	return 0;
}

/* Kernel-valid: peeking does not change a queue, so a read-only one
 * allows it (here empty: -ENOENT). */
SEC("syscall")
int queue_ro_peek(struct iso_ctx *c)
{
	u64 v = 0;
	c->ret = bpf_map_peek_elem(&queue_ro, &v);
	c->value = v;
	return 0;
}

/* Stores into a read-only hash map's value (set up from Go: programs may
 * not insert). */
SEC("syscall")
int hash_ro_store(struct iso_ctx *c)
{
	u32 k = c->key;
	u64 *v = bpf_map_lookup_elem(&hash_ro, &k);
	if (!v)
		return 1;
	*v = c->value;
	return 0;
}

/* Inserts into a write-only hash map, then reads the value back. */
SEC("syscall")
int hash_wo_load(struct iso_ctx *c)
{
	u32 k = c->key;
	u64 init = 5;
	bpf_map_update_elem(&hash_wo, &k, &init, BPF_ANY);
	u64 *v = bpf_map_lookup_elem(&hash_wo, &k);
	if (!v)
		return 1;
	c->value = *v;
	return 0;
}

/* An atomic on a write-only hash map's value: it reads too. */
SEC("syscall")
int hash_wo_atomic(struct iso_ctx *c)
{
	u32 k = c->key;
	u64 init = 5;
	bpf_map_update_elem(&hash_wo, &k, &init, BPF_ANY);
	u64 *v = bpf_map_lookup_elem(&hash_wo, &k);
	if (!v)
		return 1;
	__sync_fetch_and_add(v, 1);
	return 0;
}

/* Inserts key into hash_rw and reads the value at byte offset -(which)
 * from it: 0 is the value; before per-map regions, -32 and nearby were
 * the map's own key copies. */
SEC("syscall")
int hash_below(struct iso_ctx *c)
{
	u32 k = c->key;
	u64 init = 9;
	bpf_map_update_elem(&hash_rw, &k, &init, BPF_ANY);
	u64 *v = bpf_map_lookup_elem(&hash_rw, &k);
	if (!v)
		return 1;
	u32 back = c->which & 0x3f8;
	c->value = *(u64 *)((char *)v - back);
	return 0;
}

/* A helper writing into a read-only map on the program's behalf. */
SEC("syscall")
int probe_into_ro(struct iso_ctx *c)
{
	u32 k = 0;
	u64 *v = bpf_map_lookup_elem(&arr_ro, &k);
	if (!v)
		return 1;
	u64 src = c->value;
	c->ret = bpf_probe_read_kernel(v, sizeof(*v), &src);
	return 0;
}

/* A helper reading a write-only map's value on the program's behalf. */
SEC("syscall")
int update_from_wo(struct iso_ctx *c)
{
	u32 k = 0;
	u64 *v = bpf_map_lookup_elem(&arr_wo, &k);
	if (!v)
		return 1;
	c->ret = bpf_map_update_elem(&hash_rw, &k, v, BPF_ANY);
	return 0;
}

/* bpf_ringbuf_output from a write-only map's value. */
SEC("syscall")
int ringbuf_from_wo(struct iso_ctx *c)
{
	u32 k = 0;
	u64 *v = bpf_map_lookup_elem(&arr_wo, &k);
	if (!v)
		return 1;
	c->ret = bpf_ringbuf_output(&ring, v, sizeof(*v), 0);
	return 0;
}

/* bpf_map_update_elem on a map the program picks at run time (which&1:
 * the read-only one), so no analysis of constants pins it down: it fails
 * when it runs. */
SEC("syscall")
int update_dynamic(struct iso_ctx *c)
{
	void *m = &hash_rw;
	void *ro = &hash_ro;
	OPAQUE(m);
	OPAQUE(ro);
	if (c->which & 1)
		m = ro;
	u32 k = c->key;
	u64 v = c->value;
	c->ret = bpf_map_update_elem(m, &k, &v, BPF_ANY);
	return 0;
}

/* Writes over the 8 bytes in front of a ring buffer record, where the
 * kernel keeps the record's header, then submits it: the reader must still
 * get the record. */
SEC("syscall")
int ring_header(struct iso_ctx *c)
{
	u64 *rec = bpf_ringbuf_reserve(&ring, sizeof(u64), 0);
	if (!rec)
		return 1;
	*rec = c->value;
	u64 *hdr = rec;
	u32 back = c->which & 1;
	OPAQUE(hdr);
	*(hdr - back) = ~0ULL;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/* Array maps only, so that the programs can also be exported as native
 * ELF (elfexport supports arrays and global data). arr_a and arr_b are
 * neighbours in the object's map list (maps are sorted by name), each
 * with one 8-byte value at index 0 and 1.
 *
 * The kernel runs arr_ro_read and arr_wo_write and refuses the others: a
 * value pointer that leaves its value, a store into a map programs may
 * only read, a load from one they may only write, an atomic on either.
 */
#include "common.h"

MAP_FLAGS(arr_a, BPF_MAP_TYPE_ARRAY, u32, u64, 2, 0);
MAP_FLAGS(arr_b, BPF_MAP_TYPE_ARRAY, u32, u64, 2, 0);
MAP_FLAGS(arr_ro, BPF_MAP_TYPE_ARRAY, u32, u64, 2, BPF_F_RDONLY_PROG);
MAP_FLAGS(arr_wo, BPF_MAP_TYPE_ARRAY, u32, u64, 2, BPF_F_WRONLY_PROG);

const volatile u64 ro_const = 0x1122334455667788;

static __always_inline u64 *value(void *map, u32 key)
{
	return bpf_map_lookup_elem(map, &key);
}

/* Reads arr_a[1] at word offset which&3: 0 is the value, 1-3 run past
 * the end of the map (into arr_b's values, before per-map regions). */
SEC("syscall")
int arr_overrun(struct iso_ctx *c)
{
	u64 *v = value(&arr_a, 1);
	if (!v)
		return 1;
	u32 i = c->which & 3;
	c->value = v[i];
	return 0;
}

/* Writes arr_b[0] at word offset -(which&3): 0 is the value, the others
 * are before the start of the map. */
SEC("syscall")
int arr_underrun(struct iso_ctx *c)
{
	u64 *v = value(&arr_b, 0);
	if (!v)
		return 1;
	u32 i = c->which & 3;
	*(v - i) = c->value;
	return 0;
}

/* A read-only map: reading is fine, storing (which&1) is not. */
SEC("syscall")
int arr_ro_store(struct iso_ctx *c)
{
	u64 *v = value(&arr_ro, 0);
	if (!v)
		return 1;
	if (c->which & 1)
		*v = c->value;
	else
		c->value = *v;
	return 0;
}

/* A write-only map: storing is fine, reading (which&1) is not. */
SEC("syscall")
int arr_wo_load(struct iso_ctx *c)
{
	u64 *v = value(&arr_wo, 0);
	if (!v)
		return 1;
	if (c->which & 1)
		c->value = *v;
	else
		*v = c->value;
	return 0;
}

/* An atomic (which&3): 0 adds to arr_a, 1 ors into the read-only map, 2
 * xors into the write-only map (an atomic reads too), 3 adds to arr_b.
 * Different operations keep clang from merging the lookups into one on a
 * map it selects at run time, which could not be compiled inline. */
SEC("syscall")
int arr_atomic(struct iso_ctx *c)
{
	u64 x = c->value;
	u64 *v;
	switch (c->which & 3) {
	case 0:
		v = value(&arr_a, 0);
		if (v)
			__sync_fetch_and_add(v, x);
		break;
	case 1:
		v = value(&arr_ro, 0);
		if (v)
			__sync_fetch_and_or(v, x);
		break;
	case 2:
		v = value(&arr_wo, 0);
		if (v)
			__sync_fetch_and_xor(v, x);
		break;
	default:
		v = value(&arr_b, 0);
		if (v)
			__sync_fetch_and_add(v, x);
		break;
	}
	return 0;
}

/* .rodata: reading a constant is fine, storing to it (which&1) is not. */
SEC("syscall")
int rodata_store(struct iso_ctx *c)
{
	volatile u64 *p = (volatile u64 *)&ro_const;
	OPAQUE(p);
	if (c->which & 1)
		*p = c->value;
	c->value = *p;
	return 0;
}

/* What the kernel runs: read a read-only map, write a write-only one. */
SEC("syscall")
int arr_ro_read(struct iso_ctx *c)
{
	u64 *v = value(&arr_ro, c->key & 1);
	if (!v)
		return 1;
	c->value = *v;
	return 0;
}

SEC("syscall")
int arr_wo_write(struct iso_ctx *c)
{
	u64 *v = value(&arr_wo, c->key & 1);
	if (!v)
		return 1;
	*v = c->value;
	return 0;
}

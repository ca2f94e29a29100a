/* Map types: array, hash, percpu_array, percpu_hash (+ lru_percpu_hash),
 * lru_hash, queue and stack. Each program performs a fixed sequence of map
 * operations driven by its context, records helper return codes and values
 * in the context, and leaves map contents worth comparing. */
#include "common.h"

DECLARE_LICENSE();

struct counter {
	u64 sum;
	u32 hits;
	u32 last;
};

/* ---------------------------------------------------------------- array */

MAP_KV(array_map, BPF_MAP_TYPE_ARRAY, u32, struct counter, 8);

struct array_ctx {
	u32 idx[4];       /* in: indices to update (may be out of range) */
	u64 add[4];       /* in: amounts to add */
	u64 sum_after[4]; /* out: counter.sum after each update, ~0 when the lookup failed */
	s64 ret_oob;      /* out: update of index 8 (-E2BIG) */
	s64 ret_noexist;  /* out: BPF_NOEXIST update of index 0 (-EEXIST) */
	s64 ret_delete;   /* out: delete of index 0 (-EINVAL) */
	s64 ret_exist;    /* out: BPF_EXIST update of index 7 (0) */
	u32 total_hits;   /* out: sum of hits over all 8 entries */
	u32 missing;      /* out: number of failed lookups */
};

SEC("syscall")
int array_ops(struct array_ctx *c)
{
	u32 missing = 0;

	UNROLL for (int i = 0; i < 4; i++) {
		u32 k = c->idx[i];
		struct counter *v = bpf_map_lookup_elem(&array_map, &k);
		if (!v) {
			c->sum_after[i] = ~0ULL;
			missing++;
			continue;
		}
		v->sum += c->add[i];
		v->hits++;
		v->last = i;
		c->sum_after[i] = v->sum;
	}

	struct counter nv = { .sum = 1000, .hits = 1, .last = 77 };
	u32 k = 8;
	c->ret_oob = bpf_map_update_elem(&array_map, &k, &nv, BPF_ANY);
	k = 0;
	c->ret_noexist = bpf_map_update_elem(&array_map, &k, &nv, BPF_NOEXIST);
	c->ret_delete = bpf_map_delete_elem(&array_map, &k);
	k = 7;
	c->ret_exist = bpf_map_update_elem(&array_map, &k, &nv, BPF_EXIST);

	u32 total = 0;
	NO_UNROLL for (u32 j = 0; j < 8; j++) {
		struct counter *v = bpf_map_lookup_elem(&array_map, &j);
		if (v)
			total += v->hits;
	}
	c->total_hits = total;
	c->missing = missing;

	CHECK(c->ret_oob == -E_2BIG);
	CHECK(c->ret_noexist == -E_EXIST);
	CHECK(c->ret_delete == -E_INVAL);
	CHECK(c->ret_exist == 0);
	return 0;
}

/* ----------------------------------------------------------------- hash */

MAP_KV(hash_map, BPF_MAP_TYPE_HASH, u32, u64, 4);

struct hash_ctx {
	u32 keys[4];          /* in: keys to insert (distinct keys fill the map) */
	u64 vals[4];          /* in: their values */
	s64 ret_insert[4];    /* out: BPF_NOEXIST insert of keys[i] */
	s64 ret_dup;          /* out: BPF_NOEXIST insert of keys[0] again (-EEXIST) */
	s64 ret_exist_absent; /* out: BPF_EXIST update of absent key 0xFFFFFFFF (-ENOENT) */
	s64 ret_overflow;     /* out: insert of 0xFFFFFFFE into the map (-E2BIG when full) */
	s64 ret_replace;      /* out: BPF_EXIST update of keys[2] with vals[2] * 2 */
	s64 ret_delete;       /* out: delete of keys[1] */
	s64 ret_delete_again; /* out: second delete of keys[1] (-ENOENT) */
	u64 lookup[4];        /* out: value of keys[i] at the end, ~0 when absent */
};

SEC("syscall")
int hash_ops(struct hash_ctx *c)
{
	UNROLL for (int i = 0; i < 4; i++) {
		u32 k = c->keys[i];
		u64 v = c->vals[i];
		c->ret_insert[i] = bpf_map_update_elem(&hash_map, &k, &v, BPF_NOEXIST);
	}

	u32 k = c->keys[0];
	u64 v = 1;
	c->ret_dup = bpf_map_update_elem(&hash_map, &k, &v, BPF_NOEXIST);
	k = 0xFFFFFFFF;
	c->ret_exist_absent = bpf_map_update_elem(&hash_map, &k, &v, BPF_EXIST);
	k = 0xFFFFFFFE;
	c->ret_overflow = bpf_map_update_elem(&hash_map, &k, &v, BPF_ANY);
	k = c->keys[2];
	v = c->vals[2] * 2;
	c->ret_replace = bpf_map_update_elem(&hash_map, &k, &v, BPF_EXIST);
	k = c->keys[1];
	c->ret_delete = bpf_map_delete_elem(&hash_map, &k);
	c->ret_delete_again = bpf_map_delete_elem(&hash_map, &k);

	UNROLL for (int i = 0; i < 4; i++) {
		u32 key = c->keys[i];
		u64 *p = bpf_map_lookup_elem(&hash_map, &key);
		c->lookup[i] = p ? *p : ~0ULL;
	}

	if (c->ret_insert[0] == 0)
		CHECK(c->ret_dup == -E_EXIST);
	CHECK(c->ret_exist_absent == -E_NOENT);
	CHECK(c->ret_delete_again == -E_NOENT);
	return 0;
}

/* --------------------------------------------------------- percpu array */

MAP_KV(pcpu_array, BPF_MAP_TYPE_PERCPU_ARRAY, u32, u64, 4);

struct pcpu_array_ctx {
	u32 idx[2];      /* in: indices to add to */
	u64 add[2];      /* in: amounts */
	u64 after[2];    /* out: value after the add, read back via bpf_map_lookup_percpu_elem(this cpu) */
	s64 ret_update;  /* out: update of index 3 with 0x3333 from the program (this CPU only) */
	s64 ret_oob;     /* out: update of index 4 (-E2BIG) */
	u32 bad_cpu_null; /* out: 1 when bpf_map_lookup_percpu_elem(cpu = 0xFFFF) returned NULL */
	u32 pad;
};

SEC("syscall")
int percpu_array_ops(struct pcpu_array_ctx *c)
{
	u32 cpu = bpf_get_smp_processor_id();

	UNROLL for (int i = 0; i < 2; i++) {
		u32 k = c->idx[i];
		u64 *v = bpf_map_lookup_elem(&pcpu_array, &k);
		if (!v) {
			c->after[i] = ~0ULL;
			continue;
		}
		*v += c->add[i];
		u64 *same = bpf_map_lookup_percpu_elem(&pcpu_array, &k, cpu);
		CHECK(same);
		c->after[i] = *same;
	}

	u32 k = 3;
	u64 nv = 0x3333;
	c->ret_update = bpf_map_update_elem(&pcpu_array, &k, &nv, BPF_ANY);
	k = 4;
	c->ret_oob = bpf_map_update_elem(&pcpu_array, &k, &nv, BPF_ANY);
	k = 0;
	c->bad_cpu_null = bpf_map_lookup_percpu_elem(&pcpu_array, &k, 0xFFFF) == 0;

	CHECK(c->ret_update == 0);
	CHECK(c->ret_oob == -E_2BIG);
	CHECK(c->bad_cpu_null);
	return 0;
}

/* ---------------------------------------------- percpu hash, lru percpu */

MAP_KV(pcpu_hash, BPF_MAP_TYPE_PERCPU_HASH, u32, struct counter, 8);
MAP_KV(lru_pcpu_hash, BPF_MAP_TYPE_LRU_PERCPU_HASH, u32, u64, 8);

struct pcpu_hash_ctx {
	u32 keys[4];    /* in: keys to count (repeats accumulate) */
	u64 add[4];     /* in: amounts */
	u64 sum[4];     /* out: counter.sum of keys[i] after its update */
	u32 hits[4];    /* out: counter.hits of keys[i] after its update */
	u64 lru_val[4]; /* out: lru_pcpu_hash value of keys[i] after its update */
	s64 ret_delete; /* out: delete of keys[3] from pcpu_hash */
};

SEC("syscall")
int percpu_hash_ops(struct pcpu_hash_ctx *c)
{
	UNROLL for (int i = 0; i < 4; i++) {
		u32 k = c->keys[i];
		struct counter *v = bpf_map_lookup_elem(&pcpu_hash, &k);
		if (v) {
			v->sum += c->add[i];
			v->hits++;
			v->last = i;
		} else {
			struct counter nv = { .sum = c->add[i], .hits = 1, .last = i };
			CHECK(bpf_map_update_elem(&pcpu_hash, &k, &nv, BPF_NOEXIST) == 0);
			v = bpf_map_lookup_elem(&pcpu_hash, &k);
			CHECK(v);
		}
		c->sum[i] = v->sum;
		c->hits[i] = v->hits;

		u64 *l = bpf_map_lookup_elem(&lru_pcpu_hash, &k);
		u64 lv = (l ? *l : 0) * 3 + c->add[i];
		CHECK(bpf_map_update_elem(&lru_pcpu_hash, &k, &lv, BPF_ANY) == 0);
		l = bpf_map_lookup_elem(&lru_pcpu_hash, &k);
		CHECK(l);
		c->lru_val[i] = *l;
	}
	u32 k = c->keys[3];
	c->ret_delete = bpf_map_delete_elem(&pcpu_hash, &k);
	return 0;
}

/* ------------------------------------------------------------- lru hash */

/* lru_map never holds more than 8 entries (4 keys), so nothing is evicted and
 * its contents are deterministic. lru_overflow receives 32 distinct keys with
 * room for 4: which keys survive is up to the kernel's LRU implementation, so
 * tests must not compare its contents. */
MAP_KV(lru_map, BPF_MAP_TYPE_LRU_HASH, u32, u64, 8);
MAP_KV(lru_overflow, BPF_MAP_TYPE_LRU_HASH, u32, u64, 4);

struct lru_ctx {
	u32 keys[4];      /* in */
	u64 vals[4];      /* in */
	u64 found[4];     /* out: lookup of keys[i] after all inserts, ~0 when absent */
	s64 ret_delete;   /* out: delete of keys[0] */
	u32 overflow_ok;  /* out: number of successful inserts into lru_overflow (32) */
	u32 last_found;   /* out: 1 when the last key inserted into lru_overflow is present */
};

SEC("syscall")
int lru_hash_ops(struct lru_ctx *c)
{
	UNROLL for (int i = 0; i < 4; i++) {
		u32 k = c->keys[i];
		u64 v = c->vals[i];
		CHECK(bpf_map_update_elem(&lru_map, &k, &v, BPF_ANY) == 0);
	}
	UNROLL for (int i = 0; i < 4; i++) {
		u32 k = c->keys[i];
		u64 *p = bpf_map_lookup_elem(&lru_map, &k);
		c->found[i] = p ? *p : ~0ULL;
	}
	u32 k = c->keys[0];
	c->ret_delete = bpf_map_delete_elem(&lru_map, &k);

	u32 ok = 0;
	NO_UNROLL for (u32 i = 0; i < 32; i++) {
		u32 key = 1000 + i;
		u64 val = i * i;
		if (bpf_map_update_elem(&lru_overflow, &key, &val, BPF_ANY) == 0)
			ok++;
	}
	c->overflow_ok = ok;
	k = 1031;
	u64 *p = bpf_map_lookup_elem(&lru_overflow, &k);
	c->last_found = p && *p == 31 * 31;

	CHECK(c->overflow_ok == 32);
	CHECK(c->last_found);
	return 0;
}

/* -------------------------------------------------------- queue / stack */

MAP_V(queue_map, BPF_MAP_TYPE_QUEUE, u32, 4);
MAP_V(stack_map, BPF_MAP_TYPE_STACK, u32, 4);
MAP_V(empty_queue, BPF_MAP_TYPE_QUEUE, u64, 2);

struct qs_ctx {
	u32 push[6];       /* in: values pushed in order with flags 0 (the last two overflow) */
	u32 overwrite;     /* in: value pushed with BPF_EXIST (replaces the oldest element) */
	s32 ret_push[6];   /* out */
	s32 ret_overwrite; /* out */
	s32 ret_peek;      /* out */
	u32 peek;          /* out: element peeked after the overwrite */
	s32 ret_pop[2];    /* out */
	u32 pop[2];        /* out: two elements popped after the peek */
	s32 ret_empty_pop; /* out: pop from an empty map (-ENOENT) */
	s32 ret_empty_peek; /* out: peek into an empty map (-ENOENT) */
};

static __always_inline int queue_like(struct qs_ctx *c, void *map)
{
	UNROLL for (int i = 0; i < 6; i++) {
		u32 v = c->push[i];
		c->ret_push[i] = bpf_map_push_elem(map, &v, 0);
	}
	u32 v = c->overwrite;
	c->ret_overwrite = bpf_map_push_elem(map, &v, BPF_EXIST);
	u32 out = 0;
	c->ret_peek = bpf_map_peek_elem(map, &out);
	c->peek = out;
	UNROLL for (int i = 0; i < 2; i++) {
		out = 0;
		c->ret_pop[i] = bpf_map_pop_elem(map, &out);
		c->pop[i] = out;
	}
	u64 big = 0;
	c->ret_empty_pop = bpf_map_pop_elem(&empty_queue, &big);
	c->ret_empty_peek = bpf_map_peek_elem(&empty_queue, &big);

	CHECK(c->ret_push[3] == 0);
	CHECK(c->ret_push[4] == -E_2BIG);
	CHECK(c->ret_overwrite == 0);
	CHECK(c->ret_empty_pop == -E_NOENT);
	CHECK(c->ret_empty_peek == -E_NOENT);
	return 0;
}

SEC("syscall")
int queue_ops(struct qs_ctx *c)
{
	return queue_like(c, &queue_map);
}

SEC("syscall")
int stack_ops(struct qs_ctx *c)
{
	return queue_like(c, &stack_map);
}

/* Loops: bounded loops the verifier walks (single and nested), bpf_loop with
 * a callback and bpf_for_each_map_elem over an array and a hash map. */
#include "common.h"

struct bpf_map;

DECLARE_LICENSE();

/* -------------------------------------------------------- bounded loops */

struct bounded_ctx {
	u8 data[64]; /* in */
	u32 len;     /* in: number of bytes of data to use (clamped to 64) */
	u8 needle;   /* in: byte to count */
	u8 pad[3];
	u32 sum;     /* out: sum of the bytes */
	u32 xor;     /* out: xor of the bytes */
	u32 fnv;     /* out: FNV-1a hash of the bytes */
	u32 count;   /* out: occurrences of needle */
	u32 ups;     /* out: number of bytes greater than their predecessor */
	u32 last;    /* out: index of the last needle, 0xFFFFFFFF when absent */
};

SEC("syscall")
int bounded_loop(struct bounded_ctx *c)
{
	u8 buf[64];
	__builtin_memcpy(buf, c->data, sizeof(buf));
	u32 len = c->len;
	u8 needle = c->needle;
	if (len > 64)
		len = 64;

	u32 sum = 0, x = 0, fnv = 2166136261u, count = 0, ups = 0;
	u32 last = 0xFFFFFFFF;
	u8 prev = 0;
	NO_UNROLL for (u32 i = 0; i < len; i++) {
		u8 b = buf[i];
		sum += b;
		x ^= b;
		fnv = (fnv ^ b) * 16777619u;
		if (b == needle) {
			count++;
			last = i;
		}
		ups += b > prev;
		prev = b;
	}
	c->sum = sum;
	c->xor = x;
	c->fnv = fnv;
	c->count = count;
	c->ups = ups;
	c->last = last;
	return len;
}

/* Nested bounded loops: bubble sort of 16 words on the stack. The
 * compare-exchange is branch-free (mask from the sign of a 64-bit
 * difference) so that the verifier walks a single path. */
struct sort_ctx {
	u32 vals[16]; /* in: values; out: sorted ascending */
	u32 swaps;    /* out: number of exchanges */
	u32 pad;
};

SEC("syscall")
int sort_loop(struct sort_ctx *c)
{
	u32 a[16];
	UNROLL for (int i = 0; i < 16; i++)
		a[i] = c->vals[i];

	u32 swaps = 0;
	NO_UNROLL for (u32 i = 0; i < 15; i++) {
		NO_UNROLL for (u32 j = 0; j < 15 - i; j++) {
			u32 x = a[j & 15], y = a[(j + 1) & 15];
			u64 gt = ((u64)y - (u64)x) >> 63; /* 1 when x > y */
			u32 d = (x ^ y) & (u32)-gt;
			a[j & 15] = x ^ d;
			a[(j + 1) & 15] = y ^ d;
			swaps += (u32)gt;
		}
	}

	u32 bad = 0;
	UNROLL for (int i = 0; i < 16; i++) {
		c->vals[i] = a[i];
		if (i > 0 && a[i - 1] > a[i])
			bad++;
	}
	c->swaps = swaps;
	CHECK(bad == 0);
	return 0;
}

/* ------------------------------------------------------------- bpf_loop */

struct fib_state {
	u64 a;
	u64 b;
	u64 acc;
	u32 last;
	u32 stop_at;
};

static long fib_step(u32 idx, struct fib_state *s)
{
	u64 t = s->a + s->b;
	s->a = s->b;
	s->b = t;
	s->acc ^= t << (idx & 7);
	s->last = idx;
	return idx + 1 >= s->stop_at ? 1 : 0; /* 1 stops the loop */
}

struct bpfloop_ctx {
	u32 n;           /* in: number of iterations requested */
	u32 stop_at;     /* in: the callback stops the loop after this many iterations */
	u64 fib;         /* out: b after the loop (fib(iterations + 1)) */
	u64 acc;         /* out: mixed value */
	s32 ret;         /* out: bpf_loop's result: iterations done, or -E2BIG when n > 1<<23
	                  * (32 bits: the kernel's inlined bpf_loop returns -E2BIG zero-extended) */
	u32 last;        /* out: index of the last callback */
	s64 ret_flags;   /* out: bpf_loop with flags 1 (-EINVAL) */
	s64 ret_zero;    /* out: bpf_loop with 0 iterations (0) */
};

SEC("syscall")
int bpf_loop_prog(struct bpfloop_ctx *c)
{
	struct fib_state s = { .a = 0, .b = 1, .acc = 0, .last = 0xFFFFFFFF, .stop_at = c->stop_at };
	s32 ret = bpf_loop(c->n, fib_step, &s, 0);
	s64 ret_flags = bpf_loop(1, fib_step, &s, 1);
	s64 ret_zero = bpf_loop(0, fib_step, &s, 0);

	c->fib = s.b;
	c->acc = s.acc;
	c->ret = ret;
	c->last = s.last;
	c->ret_flags = ret_flags;
	c->ret_zero = ret_zero;
	CHECK(ret_flags == -E_INVAL);
	CHECK(ret_zero == 0);
	return 0;
}

/* ------------------------------------------------ bpf_for_each_map_elem */

MAP_KV(fe_array, BPF_MAP_TYPE_ARRAY, u32, u64, 8);
MAP_KV(fe_hash, BPF_MAP_TYPE_HASH, u32, u64, 8);

struct fe_state {
	u64 sum;
	u64 key_sum;
	u32 visited;
	u32 stop_after;
};

static long fe_visit(struct bpf_map *map, u32 *key, u64 *val, struct fe_state *st)
{
	st->sum += *val;
	st->key_sum += *key;
	st->visited++;
	*val += 1; /* callbacks may write the element */
	return st->visited >= st->stop_after ? 1 : 0;
}

struct fe_ctx {
	u64 vals[8];      /* in: array values; non-zero vals[i] also go into the hash under key 10*i */
	u32 stop_after;   /* in: the array walk stops after this many elements (0: visit all) */
	u32 pad;
	u64 arr_sum;      /* out */
	u64 arr_key_sum;  /* out */
	u32 arr_visited;  /* out */
	s32 arr_ret;      /* out: bpf_for_each_map_elem's result for the array */
	u64 hash_sum;     /* out */
	u64 hash_key_sum; /* out */
	u32 hash_visited; /* out */
	s32 hash_ret;     /* out */
};

SEC("syscall")
int for_each_prog(struct fe_ctx *c)
{
	UNROLL for (u32 i = 0; i < 8; i++) {
		u32 k = i;
		u64 v = c->vals[i];
		bpf_map_update_elem(&fe_array, &k, &v, BPF_ANY);
		if (v) {
			k = 10 * i;
			bpf_map_update_elem(&fe_hash, &k, &v, BPF_NOEXIST);
		}
	}

	u32 stop = c->stop_after;
	struct fe_state a = { .stop_after = stop ? stop : 0xFFFFFFFF };
	s32 ra = bpf_for_each_map_elem(&fe_array, fe_visit, &a, 0);
	/* The hash walk order is the kernel's bucket order: visit everything so
	 * that the results do not depend on it. */
	struct fe_state h = { .stop_after = 0xFFFFFFFF };
	s32 rh = bpf_for_each_map_elem(&fe_hash, fe_visit, &h, 0);

	c->arr_sum = a.sum;
	c->arr_key_sum = a.key_sum;
	c->arr_visited = a.visited;
	c->arr_ret = ra;
	c->hash_sum = h.sum;
	c->hash_key_sum = h.key_sum;
	c->hash_visited = h.visited;
	c->hash_ret = rh;
	CHECK(ra == a.visited);
	CHECK(rh == h.visited);
	return 0;
}

/* Atomic instructions (BPF_ATOMIC, -mcpu=v3): add, or, and, xor with and
 * without BPF_FETCH, xchg and cmpxchg, 32 and 64 bits, on map values and on
 * global variables. A __sync builtin whose result is unused compiles to the
 * non-fetching form. */
#include "common.h"

DECLARE_LICENSE();

struct atom {
	u64 a64;
	u32 a32;
	u32 b32;
	u64 x64;
	u64 cas64;
	u32 cas32;
	u32 x32;
};

MAP_KV(atomic_map, BPF_MAP_TYPE_ARRAY, u32, struct atom, 2);

u64 g64 = 1000;  /* .data */
u32 g32;         /* .bss */

struct atomics_ctx {
	u64 add;          /* in */
	u64 mask;         /* in */
	u64 init;         /* in: initial value of x64 / x32 */
	u64 newv;         /* in: value for xchg / cmpxchg */
	/* out: values returned by the fetching operations */
	u64 fetch_add64;  /* old a64 (0) */
	u64 fetch_or64;   /* old x64 (= init) */
	u64 fetch_and64;  /* old x64 after |= mask */
	u64 fetch_xor64;  /* old x64 after &= ~mask>>1 */
	u64 xchg64;       /* old x64 before exchanging in newv */
	u64 cas64_hit;    /* cmpxchg(cas64: init -> newv), returns init */
	u64 cas64_miss;   /* cmpxchg(cas64: init -> 0), returns newv, no store */
	u32 fetch_add32;  /* old a32 after one non-fetching add */
	u32 fetch_or32;
	u32 fetch_and32;
	u32 fetch_xor32;
	u32 xchg32;
	u32 cas32_hit;
	u32 cas32_miss;
	u32 pad;
	u64 g64_old;      /* fetch_add on a .data global */
	u64 g64_sub_old;  /* __atomic_fetch_sub on the same global */
	u32 g32_old;      /* xchg on a .bss global */
	u32 g32_final;
	struct atom final; /* out: the map value at the end */
};

SEC("syscall")
int atomics_prog(struct atomics_ctx *c)
{
	u32 k = 1;
	struct atom *a = bpf_map_lookup_elem(&atomic_map, &k);
	if (!a)
		return FAIL(__LINE__);

	u64 add = c->add, mask = c->mask, init = c->init, newv = c->newv;
	u64 r64[7];
	u32 r32[7];

	r64[0] = __sync_fetch_and_add(&a->a64, add);
	__sync_fetch_and_add(&a->a64, 1); /* non-fetching add */

	a->x64 = init;
	r64[1] = __sync_fetch_and_or(&a->x64, mask);
	r64[2] = __sync_fetch_and_and(&a->x64, ~(mask >> 1));
	r64[3] = __sync_fetch_and_xor(&a->x64, 0x5555555555555555ULL);
	__sync_fetch_and_or(&a->x64, 1ULL << 63); /* non-fetching or */
	r64[4] = __sync_lock_test_and_set(&a->x64, newv);
	__sync_fetch_and_xor(&a->x64, 0xF0);      /* non-fetching xor */
	__sync_fetch_and_and(&a->x64, ~0xFULL);   /* non-fetching and */

	a->cas64 = init;
	r64[5] = __sync_val_compare_and_swap(&a->cas64, init, newv);
	r64[6] = __sync_val_compare_and_swap(&a->cas64, init, 0);

	__sync_fetch_and_add(&a->a32, (u32)add);
	r32[0] = __sync_fetch_and_add(&a->a32, 7);
	a->x32 = (u32)init;
	r32[1] = __sync_fetch_and_or(&a->x32, (u32)mask);
	r32[2] = __sync_fetch_and_and(&a->x32, ~(u32)mask | 1);
	r32[3] = __sync_fetch_and_xor(&a->x32, 0xA5A5A5A5);
	r32[4] = __sync_lock_test_and_set(&a->b32, (u32)newv);
	a->cas32 = (u32)init;
	r32[5] = __sync_val_compare_and_swap(&a->cas32, (u32)init, (u32)newv);
	r32[6] = __sync_val_compare_and_swap(&a->cas32, (u32)init, 0);

	u64 gold = __sync_fetch_and_add(&g64, add);
	u64 gsub = __atomic_fetch_sub(&g64, 3, __ATOMIC_SEQ_CST);
	u32 g32old = __sync_lock_test_and_set(&g32, 0xC0FFEE);
	__sync_fetch_and_add(&g32, 1);

	c->fetch_add64 = r64[0];
	c->fetch_or64 = r64[1];
	c->fetch_and64 = r64[2];
	c->fetch_xor64 = r64[3];
	c->xchg64 = r64[4];
	c->cas64_hit = r64[5];
	c->cas64_miss = r64[6];
	c->fetch_add32 = r32[0];
	c->fetch_or32 = r32[1];
	c->fetch_and32 = r32[2];
	c->fetch_xor32 = r32[3];
	c->xchg32 = r32[4];
	c->cas32_hit = r32[5];
	c->cas32_miss = r32[6];
	c->g64_old = gold;
	c->g64_sub_old = gsub;
	c->g32_old = g32old;
	c->g32_final = g32;
	c->final = *a;

	CHECK(r64[0] == 0);
	CHECK(r64[1] == init);
	CHECK(r64[5] == init);
	CHECK(r64[6] == (init == newv ? init : newv));
	CHECK(gold == 1000);
	CHECK(gsub == 1000 + add);
	CHECK(g32old == 0);
	return 0;
}

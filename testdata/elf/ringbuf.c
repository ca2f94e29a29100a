/* BPF_MAP_TYPE_RINGBUF: bpf_ringbuf_output, bpf_ringbuf_reserve/submit/
 * discard and bpf_ringbuf_query. Every record carries 8 bytes of header in
 * the ring and is padded to 8 bytes, so the positions and available-data
 * amounts the programs report are fully determined by what they write. */
#include "common.h"

DECLARE_LICENSE();

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} reserved SEC(".maps");

/* ----------------------------------------------------- bpf_ringbuf_output */

struct rb_output_ctx {
	u32 n;          /* in: number of records to emit (0..4) */
	u32 pad;
	u64 vals[4];    /* in: record payload (record i is the first len[i] bytes of vals) */
	s64 ret[4];     /* out: bpf_ringbuf_output result per record (0 when not emitted) */
	s64 ret_bad_flags; /* out: output with an unknown flag (-EINVAL) */
	u64 avail;      /* out: BPF_RB_AVAIL_DATA after the writes */
	u64 ring_size;  /* out: BPF_RB_RING_SIZE (4096) */
	u64 cons_pos;   /* out: BPF_RB_CONS_POS (0) */
	u64 prod_pos;   /* out: BPF_RB_PROD_POS */
};

SEC("syscall")
int ringbuf_output_prog(struct rb_output_ctx *c)
{
	u64 buf[4];
	u32 n = c->n;

	UNROLL for (int i = 0; i < 4; i++)
		buf[i] = c->vals[i];

	/* record lengths 8, 13, 32, 5; flags none, NO_WAKEUP, FORCE_WAKEUP, none */
	/* record lengths 8, 13, 32, 5; flags none, NO_WAKEUP, FORCE_WAKEUP, none */
	s64 r0 = n > 0 ? bpf_ringbuf_output(&events, buf, 8, 0) : 0;
	s64 r1 = n > 1 ? bpf_ringbuf_output(&events, buf, 13, BPF_RB_NO_WAKEUP) : 0;
	s64 r2 = n > 2 ? bpf_ringbuf_output(&events, buf, 32, BPF_RB_FORCE_WAKEUP) : 0;
	s64 r3 = n > 3 ? bpf_ringbuf_output(&events, buf, 5, 0) : 0;
	s64 bad = bpf_ringbuf_output(&events, buf, 8, 4);
	u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	u64 cons = bpf_ringbuf_query(&events, BPF_RB_CONS_POS);
	u64 prod = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);

	c->ret[0] = r0;
	c->ret[1] = r1;
	c->ret[2] = r2;
	c->ret[3] = r3;
	c->ret_bad_flags = bad;
	c->avail = avail;
	c->ring_size = size;
	c->cons_pos = cons;
	c->prod_pos = prod;

	CHECK((r0 | r1 | r2 | r3) == 0);
	CHECK(bad == -E_INVAL);
	CHECK(size == 4096);
	CHECK(avail == prod - cons);
	return 0;
}

/* ------------------------------------ bpf_ringbuf_reserve/submit/discard */

struct event {
	u32 kind;
	u32 seq;
	u64 payload;
	char tag[8];
};

struct rb_reserve_ctx {
	u32 n;            /* in: number of records to reserve (0..4) */
	u32 discard_mask; /* in: bit i set: discard record i instead of submitting it */
	u64 payload;      /* in: payload base; record i carries payload + i */
	u64 avail_before; /* out: BPF_RB_AVAIL_DATA before any reservation (0) */
	u64 avail_after;  /* out: BPF_RB_AVAIL_DATA at the end (discarded records count too) */
	u64 prod_pos;     /* out: BPF_RB_PROD_POS at the end */
	u32 submitted;    /* out */
	u32 discarded;    /* out */
	u32 too_big_null; /* out: 1 when reserving 8192 bytes returned NULL */
	u32 pad;
};

SEC("syscall")
int ringbuf_reserve_prog(struct rb_reserve_ctx *c)
{
	u32 n = c->n, mask = c->discard_mask;
	u64 payload = c->payload;
	u32 submitted = 0, discarded = 0, failed = 0;
	u64 before = bpf_ringbuf_query(&reserved, BPF_RB_AVAIL_DATA);

	UNROLL for (u32 i = 0; i < 4; i++) {
		struct event *e = 0;
		if (i < n)
			e = bpf_ringbuf_reserve(&reserved, sizeof(*e), 0);
		if (e) {
			e->kind = 0xE0 + i;
			e->seq = i;
			e->payload = payload + i;
			__builtin_memcpy(e->tag, "record", 7);
			e->tag[7] = '0' + i;
			if (mask & (1u << i)) {
				bpf_ringbuf_discard(e, 0);
				discarded++;
			} else {
				bpf_ringbuf_submit(e, i == 1 ? BPF_RB_NO_WAKEUP : 0);
				submitted++;
			}
		} else if (i < n) {
			failed++;
		}
	}

	void *big = bpf_ringbuf_reserve(&reserved, 8192, 0);
	u32 too_big_null = big == 0;
	if (big)
		bpf_ringbuf_discard(big, 0);

	u64 after = bpf_ringbuf_query(&reserved, BPF_RB_AVAIL_DATA);
	c->avail_before = before;
	c->avail_after = after;
	c->prod_pos = bpf_ringbuf_query(&reserved, BPF_RB_PROD_POS);
	c->submitted = submitted;
	c->discarded = discarded;
	c->too_big_null = too_big_null;

	CHECK(failed == 0);
	CHECK(before == 0);
	CHECK(too_big_null);
	CHECK(after == (submitted + discarded) * (8 + sizeof(struct event)));
	return 0;
}

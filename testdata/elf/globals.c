/* Global data: .rodata constants, .data initialised variables, .bss zeroed
 * variables and a custom .data.<name> section, read and written. Each data
 * section is a one-entry array map whose value is the whole section; code
 * reaches a variable through lddw (BPF_PSEUDO_MAP_VALUE, offset) and
 * ordinary loads and stores. */
#include "common.h"

DECLARE_LICENSE();

/* .rodata (const volatile keeps the loads in the code) */
const volatile u32 scale = 3;
const volatile u64 table[8] = { 1, 1, 2, 3, 5, 8, 13, 21 };
const volatile char greeting[8] = "ebpfjit";

/* .data */
u64 counter = 100;
u32 history[4] = { 11, 22, 33, 44 };
s16 small = -5;

/* .bss */
u64 total;
u32 slots[8];
u8 flags_bss;

/* custom data section (its own map, named after the section) */
u32 extra SEC(".data.extra") = 0x1234;

struct globals_ctx {
	u32 idx;          /* in: index into table[] and slots[] (masked to 0..7) */
	u32 value;        /* in */
	u64 counter;      /* out: counter after counter += value */
	u64 table_val;    /* out: table[idx] */
	u64 total;        /* out: total after total += table[idx] * scale */
	u64 total_before; /* out: total on entry (0 in a fresh instance) */
	u32 slot_val;     /* out: slots[idx] after slots[idx] += value */
	u32 hist0;        /* out: history[0] after shifting value in */
	u32 extra;        /* out: extra after extra ^= value */
	u32 scale;        /* out: scale */
	s64 small;        /* out: small (sign-extended) after small -= value */
	char greeting[8]; /* out: copy of greeting */
	u32 flags;        /* out: flags_bss after setting bit (value & 7) */
	u32 pad;
};

SEC("syscall")
int globals_rw(struct globals_ctx *c)
{
	u32 i = c->idx & 7;
	u32 v = c->value;
	u64 before = total;

	counter += v;
	total += table[i] * scale;
	slots[i] += v;
	history[0] = history[1];
	history[1] = history[2];
	history[2] = history[3];
	history[3] = v;
	extra ^= v;
	small -= (s16)v;
	flags_bss |= 1 << (v & 7);

	c->counter = counter;
	c->table_val = table[i];
	c->total = total;
	c->total_before = before;
	c->slot_val = slots[i];
	c->hist0 = history[0];
	c->extra = extra;
	c->scale = scale;
	c->small = small;
	UNROLL for (int j = 0; j < 8; j++)
		c->greeting[j] = greeting[j];
	c->flags = flags_bss;
	return 0;
}

/* Global data through pointers: a bpf-to-bpf callee receives pointers into
 * .data and .bss and a pointer into .rodata. */
static __noinline u64 fold(const volatile u64 *t, u32 *out, u32 n)
{
	u64 h = 0;
	NO_UNROLL for (u32 j = 0; j < 8; j++) {
		if (j >= n)
			break;
		h = h * 31 + t[j];
		out[j] = (u32)h;
	}
	return h;
}

struct globals_ptr_ctx {
	u32 n;     /* in: number of table entries to fold (0..8) */
	u32 pad;
	u64 hash;  /* out */
	u32 slots[8]; /* out: slots[] afterwards */
};

SEC("syscall")
int globals_ptr(struct globals_ptr_ctx *c)
{
	u64 h = fold(table, slots, c->n);
	counter = h;
	c->hash = h;
	UNROLL for (int j = 0; j < 8; j++)
		c->slots[j] = slots[j];
	return 0;
}

/* BPF_MAP_TYPE_PROG_ARRAY and bpf_tail_call.
 *
 * The kernel refuses program arrays in sleepable programs and runs syscall
 * programs only as sleepable ones, so these programs are SEC("raw_tp"): the
 * context is the same input memory, but read-only and at most 96 bytes. The
 * programs therefore report through r0 and global variables (.bss).
 *
 * The program array is initialised statically (.values), so a loader that
 * honours the relocations in .maps fills slots 1-3; slot 0 and slots 4-7 stay
 * empty and index 8 and above are out of range. */
#include "common.h"

DECLARE_LICENSE();

struct tail_ctx {
	u64 slot; /* in: first slot to jump to (truncated to u32 like the helper's index) */
	u64 arg;  /* in: mixed into results */
};

SEC("raw_tp") int tail_step1(struct tail_ctx *c);
SEC("raw_tp") int tail_step2(struct tail_ctx *c);
SEC("raw_tp") int tail_loop(struct tail_ctx *c);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__type(key, u32);
	__array(values, int(struct tail_ctx *));
} jmp_table SEC(".maps") = {
	.values = {
		[1] = (void *)&tail_step1,
		[2] = (void *)&tail_step2,
		[3] = (void *)&tail_loop,
	},
};

/* Execution trace shared by all programs of the chain. */
u32 trace[8];
u32 trace_len;
u32 loop_count;
u64 acc;

static __always_inline void record(u32 v)
{
	u32 n = trace_len;
	if (n < 8)
		trace[n] = v;
	trace_len = n + 1;
}

#define FELL_THROUGH 0xFA11

/* Jumps to the slot named by the context. A filled slot never returns; an
 * empty or out-of-range slot makes bpf_tail_call return and the program
 * reports FELL_THROUGH. */
SEC("raw_tp")
int tail_entry(struct tail_ctx *c)
{
	u64 slot = c->slot;
	acc = c->arg;
	record(1);
	bpf_tail_call(c, &jmp_table, slot);
	record(0xF0);
	return FELL_THROUGH;
}

/* Chain: step1 always continues to step2. */
SEC("raw_tp")
int tail_step1(struct tail_ctx *c)
{
	record(2);
	acc = acc * 3 + 1;
	bpf_tail_call(c, &jmp_table, 2);
	record(0xF1);
	return FAIL(__LINE__);
}

SEC("raw_tp")
int tail_step2(struct tail_ctx *c)
{
	record(3);
	acc = acc * 5 + 2;
	return 2000 + trace_len;
}

/* Tail-calls itself until the kernel's limit of 33 tail calls per run stops
 * it: run directly, it executes 34 times and returns 34. */
SEC("raw_tp")
int tail_loop(struct tail_ctx *c)
{
	loop_count++;
	bpf_tail_call(c, &jmp_table, 3);
	return loop_count;
}

/* A tail call from inside a bpf-to-bpf callee replaces only the callee's
 * frame: the target program's result becomes the callee's return value and
 * execution continues in the caller (tail_from_subprog records 7 and adds 1
 * either way). When the slot is empty the callee simply goes on. */
static __noinline int try_jump(struct tail_ctx *c, u32 slot)
{
	record(5);
	bpf_tail_call(c, &jmp_table, slot);
	record(6);
	return FELL_THROUGH + slot;
}

SEC("raw_tp")
int tail_from_subprog(struct tail_ctx *c)
{
	u32 slot = c->slot;
	acc = c->arg;
	record(4);
	int r = try_jump(c, slot);
	record(7);
	return r + 1;
}

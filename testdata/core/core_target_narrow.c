/* A target where `flags` shrank from __u32 to __u16 and a 16-bit canary
 * follows it. Unsigned integer fields of different sizes are compatible
 * for CO-RE, and libbpf then rewrites the width of the direct loads and
 * stores (relo_core.c, bpf_core_patch_insn: "if (res->new_sz !=
 * res->orig_sz) ... insn->code = BPF_MODE(insn->code) | insn_bpf_sz |
 * BPF_CLASS(insn->code)") so that core_fields reads and writes 2 bytes and
 * never touches the canary.
 *
 * Layout: pid@0 start@8 comm@16 flags@32 (2 bytes) canary@34 stats@40
 * state/prio in the word at 56, extra@58; 64 bytes (the local layout but
 * for flags). */
#include <linux/types.h>

struct task_stats {
	__u64 runtime;
	__u32 switches;
};

struct task_info {
	int pid;
	long start;
	char comm[16];
	__u16 flags;
	__u16 canary;
	struct task_stats stats;
	__u32 state : 4;
	__s32 prio : 6;
	__u16 extra;
};

enum task_state {
	TS_RUNNING = 0,
	TS_SLEEPING = 1,
	TS_STOPPED = 2,
	TS_DEAD = 3,
};

struct task_info target_task_info;
enum task_state target_task_state;

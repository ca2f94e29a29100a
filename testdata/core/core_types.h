/* The program-side ("local") view of the types the CO-RE test programs
 * read. The target BTFs (core_target_*.c) define the same types with other
 * layouts; every access below is relocated against one of them before the
 * program runs. */
#ifndef EBPFJIT_CORE_TYPES_H
#define EBPFJIT_CORE_TYPES_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define DECLARE_LICENSE() char LICENSE[] SEC("license") = "GPL"

struct task_stats {
	__u64 runtime;
	__u32 switches;
} __attribute__((preserve_access_index));

/* Local layout: pid@0 start@8 comm@16 flags@32 stats@40 (runtime@40,
 * switches@48), state:4 and prio:6 in bits 0-9 of the word at 56, extra@58;
 * 64 bytes. */
struct task_info {
	int pid;
	long start;
	char comm[16];
	__u32 flags;
	struct task_stats stats;
	__u32 state : 4;
	__s32 prio : 6;
	__u16 extra;
} __attribute__((preserve_access_index));

enum task_state {
	TS_RUNNING = 0,
	TS_SLEEPING = 1,
	TS_STOPPED = 2,
	TS_DEAD = 3,
};

/* Exists in target A only. */
struct task_extra {
	int x;
} __attribute__((preserve_access_index));

#endif

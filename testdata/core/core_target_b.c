/* Target BTF "B": another layout; no `extra` field, no TS_DEAD, no struct
 * task_extra. Stats come first, the bitfields are wider apart.
 *
 * Layout: stats@0 (runtime@0 switches@8 spare@12) flags@16 state:4 at bit
 * 160+8 (after an 8-bit gap), prio:6 at bit 160+16, pid@24 comm@28 start@48;
 * 56 bytes. */
#include <linux/types.h>

struct task_stats {
	__u64 runtime;
	__u32 switches;
	__u32 spare;
};

struct task_info {
	struct task_stats stats;
	__u32 flags;
	__u32 gap : 8;
	__u32 state : 4;
	__u32 gap2 : 4;
	__s32 prio : 6;
	int pid;
	char comm[16];
	long start;
};

enum task_state {
	TS_RUNNING = 0,
	TS_SLEEPING = 100,
	TS_STOPPED = 200,
};

struct task_info target_task_info;
enum task_state target_task_state;

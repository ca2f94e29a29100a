/* A target where two flavours of task_info (task_info and task_info___v2)
 * both match every relocation of core_prog.o but disagree on the offsets:
 * relocation is ambiguous, an error. */
#include <linux/types.h>

struct task_stats {
	__u64 runtime;
	__u32 switches;
};

struct task_info {
	int pid;
	long start;
	char comm[16];
	__u32 flags;
	struct task_stats stats;
	__u32 state : 4;
	__s32 prio : 6;
	__u16 extra;
};

struct task_info___v2 {
	long start;
	int pid;
	char comm[16];
	__u32 flags;
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
struct task_info___v2 target_task_info_v2;
enum task_state target_task_state;

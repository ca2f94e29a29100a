/* Target BTF "A": the types of core_types.h with another layout, every
 * field and type present, other enum values. Only the .BTF of the built
 * object matters; the variables keep the types in it.
 *
 * Layout: comm@0 reserved@16 start@24 flags@32 pid@36 extra@40
 * stats@48 (switches@48 pad@52 runtime@56) pad3:3 state:4 prio:6 in the
 * word at 64; 72 bytes. */
#include <linux/types.h>

struct task_stats {
	__u32 switches;
	__u32 pad;
	__u64 runtime;
};

struct task_info {
	char comm[16];
	__u64 reserved;
	long start;
	__u32 flags;
	int pid;
	__u16 extra;
	__u8 pad2[6];
	struct task_stats stats;
	__u32 pad3 : 3;
	__u32 state : 4;
	__s32 prio : 6;
};

enum task_state {
	TS_RUNNING = 10,
	TS_SLEEPING = 20,
	TS_STOPPED = 30,
	TS_DEAD = 40,
};

struct task_extra {
	int x;
	long y;
};

struct task_info target_task_info;
enum task_state target_task_state;
struct task_extra target_task_extra;

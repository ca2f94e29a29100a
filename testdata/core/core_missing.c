/* Relocations no target satisfies, unguarded: the program cannot run.
 * cilium/ebpf poisons the instructions, as libbpf does: a load becomes a
 * call of helper 0xbad2310, an lddw becomes an lddw of 0xbad2310 into
 * r10. */
#include "core_types.h"

/* `missing` exists in no target (nor in any kernel). */
struct task_info___missing {
	int pid;
	int missing;
} __attribute__((preserve_access_index));

SEC("syscall")
int read_missing(struct task_info___missing *t)
{
	return t->pid + t->missing;
}

/* TS_GONE is in no target's enum task_state. */
enum task_state___missing {
	TS_GONE = 7,
};

SEC("syscall")
int read_missing_enum(void *ctx)
{
	return bpf_core_enum_value(enum task_state___missing, TS_GONE);
}

DECLARE_LICENSE();

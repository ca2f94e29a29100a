/* Accesses guarded by existence checks, the usual CO-RE idiom. Against
 * core_target_b.o (no `extra`, no TS_DEAD, no struct task_extra) the
 * guarded instruction cannot be relocated: it is poisoned (replaced with a
 * call to helper 0xbad2310, as cilium/ebpf and libbpf do) but sits in a
 * branch that the relocated existence check makes dead. The kernel
 * verifier never visits dead code, so these load there. */
#include "core_types.h"

/* Returns extra, or 0xFFFF when the target has no such field. */
SEC("syscall")
int guard_field(struct task_info *t)
{
	if (bpf_core_field_exists(t->extra))
		return t->extra;
	return 0xFFFF;
}

/* Returns TS_DEAD's value, or 0xDEAD when the target has none. */
SEC("syscall")
int guard_enum(struct task_info *t)
{
	if (bpf_core_enum_value_exists(enum task_state, TS_DEAD))
		return bpf_core_enum_value(enum task_state, TS_DEAD);
	return 0xDEAD;
}

/* Returns the size of struct task_extra, or 0xE0 when the target has none
 * (libbpf documents bpf_core_type_size as 0 for a missing type;
 * cilium/ebpf poisons it). */
SEC("syscall")
int guard_type(struct task_info *t)
{
	if (bpf_core_type_exists(struct task_extra))
		return bpf_core_type_size(struct task_extra);
	return 0xE0;
}

DECLARE_LICENSE();

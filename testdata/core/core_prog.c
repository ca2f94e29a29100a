/* CO-RE test programs. The context (r1) is a struct task_info laid out as
 * the *target* BTF says; every field access is relocated offline. Results
 * go to the global `out` (.bss), so tests read them per target layout.
 * Nothing here is poisoned against core_target_a.o or core_target_b.o. */
#include "core_types.h"

struct core_out {
	__s64 pid;
	__s64 start;
	__u64 comm0;
	__u64 comm3;
	__u64 flags;
	__u64 switches;
	__u64 runtime;
	__u64 state;
	__s64 prio;
	char comm[16];
	/* core_info */
	__u64 has_extra;
	__u64 has_flags;
	__u64 size_start;
	__u64 size_comm;
	__u64 size_stats;
	__u64 off_pid;
	__u64 off_stats;
	__u64 off_switches;
	__u64 has_task_extra;
	__u64 has_task_info;
	__u64 size_task_info;
	__u64 has_ts_dead;
	__u64 ts_sleeping;
	__u64 ts_stopped;
};

struct core_out out;

/* Direct loads and stores through the context at relocated offsets
 * (ldx/stx offset relocations, FIELD_BYTE_OFFSET), nested struct member,
 * array element. Sets bit 31 of flags and adds 1 to start in the context.
 * Returns pid. */
SEC("syscall")
int core_fields(struct task_info *t)
{
	out.pid = t->pid;
	out.start = t->start;
	out.comm0 = t->comm[0];
	out.comm3 = t->comm[3];
	out.flags = t->flags;
	out.switches = t->stats.switches;
	t->flags = t->flags | 0x80000000u;
	t->start = t->start + 1;
	return t->pid;
}

/* BPF_CORE_READ (bpf_probe_read_kernel with a relocated address) and
 * bpf_core_read into a stack buffer. Returns the switch count. */
SEC("syscall")
int core_probe_read(struct task_info *t)
{
	char comm[16];

	out.runtime = BPF_CORE_READ(t, stats.runtime);
	bpf_core_read(&comm, sizeof(comm), &t->comm);
	__builtin_memcpy(out.comm, comm, sizeof(comm));
	return BPF_CORE_READ(t, stats.switches);
}

/* Bitfields: BYTE_OFFSET, BYTE_SIZE, LSHIFT_U64, RSHIFT_U64 and SIGNED
 * relocations. Returns state. */
SEC("syscall")
int core_bitfields(struct task_info *t)
{
	out.state = BPF_CORE_READ_BITFIELD(t, state);
	out.prio = BPF_CORE_READ_BITFIELD(t, prio);
	return out.state;
}

/* Relocated constants only: field existence, size and offset, type
 * existence and size, enum value existence and value. Reads nothing. */
SEC("syscall")
int core_info(struct task_info *t)
{
	out.has_extra = bpf_core_field_exists(t->extra);
	out.has_flags = bpf_core_field_exists(t->flags);
	out.size_start = bpf_core_field_size(t->start);
	out.size_comm = bpf_core_field_size(t->comm);
	out.size_stats = bpf_core_field_size(t->stats);
	out.off_pid = bpf_core_field_offset(t->pid);
	out.off_stats = bpf_core_field_offset(t->stats);
	out.off_switches = bpf_core_field_offset(struct task_stats, switches);
	out.has_task_extra = bpf_core_type_exists(struct task_extra);
	out.has_task_info = bpf_core_type_exists(struct task_info);
	out.size_task_info = bpf_core_type_size(struct task_info);
	out.has_ts_dead = bpf_core_enum_value_exists(enum task_state, TS_DEAD);
	out.ts_sleeping = bpf_core_enum_value(enum task_state, TS_SLEEPING);
	out.ts_stopped = bpf_core_enum_value(enum task_state, TS_STOPPED);
	return 0;
}

/* CO-RE relocations inside bpf-to-bpf callees (.text): a static function
 * and a global one, each reading through the context pointer it is given.
 * Returns pid + switches + comm[1]. */
static __attribute__((noinline)) int sub_pid_switches(struct task_info *t)
{
	return t->pid + t->stats.switches;
}

__attribute__((noinline)) int core_global_comm1(struct task_info *t)
{
	return t->comm[1];
}

SEC("syscall")
int core_subprog(struct task_info *t)
{
	return sub_pid_switches(t) + core_global_comm1(t);
}

DECLARE_LICENSE();

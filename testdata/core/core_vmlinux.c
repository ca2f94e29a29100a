/* Relocated against the host kernel's BTF (/sys/kernel/btf/vmlinux), the
 * default target: a local task_struct with just the fields used. */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct vmlinux_out {
	__u64 off_pid;
	__u64 off_tgid;
	__u64 size_pid;
	__u64 size_task_struct;
	__u64 has_tgid;
};

struct vmlinux_out vout;

SEC("syscall")
int vmlinux_info(void *ctx)
{
	vout.off_pid = bpf_core_field_offset(struct task_struct, pid);
	vout.off_tgid = bpf_core_field_offset(struct task_struct, tgid);
	vout.size_pid = bpf_core_field_size(struct task_struct, pid);
	vout.size_task_struct = bpf_core_type_size(struct task_struct);
	vout.has_tgid = bpf_core_field_exists(struct task_struct, tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

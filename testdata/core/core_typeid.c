/* BTF type id relocations. bpf_core_type_id_local is the id of a type in
 * the program's own BTF (libbpf: "Return 32-bit unsigned integer with type
 * ID from program's own BTF. Always succeeds."), so ids of different types
 * differ, in every program of the object; bpf_core_type_id_kernel is the id
 * of the matching type in the target BTF. */
#include "core_types.h"

SEC("syscall")
int id_local_info(void *ctx)
{
	return bpf_core_type_id_local(struct task_info);
}

SEC("syscall")
int id_local_stats(void *ctx)
{
	return bpf_core_type_id_local(struct task_stats);
}

SEC("syscall")
int id_target_info(void *ctx)
{
	return bpf_core_type_id_kernel(struct task_info);
}

DECLARE_LICENSE();

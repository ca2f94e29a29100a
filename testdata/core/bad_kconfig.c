/* Program "reads_kconfig" reads two extern __kconfig variables. libbpf and
 * cilium/ebpf fill the virtual .kconfig section from the running kernel at
 * load time (LINUX_KERNEL_VERSION from uname, CONFIG_* from the kernel
 * config); the two variables live at different offsets of .kconfig. The
 * program stores both in its context (two u64) and returns 0. */
#include "bad_common.h"

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern unsigned int LINUX_HAS_SYSCALL_WRAPPER __kconfig;

SEC("syscall")
int reads_kconfig(void *ctx)
{
	__u64 *out = ctx;

	out[0] = LINUX_KERNEL_VERSION;
	out[1] = LINUX_HAS_SYSCALL_WRAPPER;
	return 0;
}

DECLARE_LICENSE();

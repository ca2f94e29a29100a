/* Program "reads_ksym" reads a kernel variable (an untyped extern __ksym
 * variable, bpf_prog_active): there is no kernel to resolve it against.
 * Declared `void`: cilium/ebpf refuses typed ksyms (and `const void`) while
 * reading the object ("expected bpf_prog_active to be *Void"), so only
 * this form reaches the loader. */
#include "bad_common.h"

extern void bpf_prog_active __ksym;

SEC("syscall")
int reads_ksym(void *ctx)
{
	return *(volatile const int *)&bpf_prog_active;
}

DECLARE_LICENSE();

/* Program "calls_kfunc" calls the kernel function bpf_rcu_read_lock
 * (an extern __ksym function, a kfunc): there is no kernel to call. */
#include "bad_common.h"

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

SEC("syscall")
int calls_kfunc(void *ctx)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	return 0;
}

DECLARE_LICENSE();

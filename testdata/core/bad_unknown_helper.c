/* Program "calls_bogus_helper" calls helper id 9999, which does not exist. */
#include "bad_common.h"

static long (*bpf_bogus_helper)(long x) = (void *)9999;

SEC("syscall")
int calls_bogus_helper(void *ctx)
{
	return bpf_bogus_helper(7);
}

DECLARE_LICENSE();

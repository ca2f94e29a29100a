/* Kernel peer of simple: returns 42. No input. */
#include "kernel.h"

SEC("xdp")
int bpf_main(struct xdp_md *ctx)
{
	return 42;
}

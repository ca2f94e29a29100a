/* Programs for the native ELF export test that leave native code: helper
 * calls (a standard one and an embedder's own, which the test provides in
 * Go for the JIT and in C for the exported object) in a loop that keeps
 * values in registers across the calls, and a fault. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned int u32;
typedef unsigned long long u64;

/* The embedder's helper 0x10001: (a * 31 + b) ^ c. */
static u64 (*mix)(u64 a, u64 b, u64 c) = (void *)0x10001;

struct in {
	u64 seed[8];
	u64 out[4];
};

SEC("syscall")
u64 helpers(struct in *in)
{
	u64 acc = bpf_get_smp_processor_id();
	u64 keep1 = in->seed[0] * 3, keep2 = in->seed[1] ^ 0x5555;
	for (int i = 0; i < 8; i++) {
		acc = mix(acc, in->seed[i], i);
		keep1 += acc >> 7;
		keep2 ^= keep1 << 3;
	}
	in->out[0] = acc;
	in->out[1] = keep1;
	in->out[2] = keep2;
	in->out[3] = mix(keep1, keep2, acc);
	return acc ^ keep1 ^ keep2;
}

SEC("syscall")
u64 faults(struct in *in)
{
	/* Reads 8 bytes at an offset the input decides: far out of bounds
	 * for the test's inputs, so the run faults at this load. */
	u64 off = in->seed[0] & 0xffff0;
	return *(u64 *)((char *)in + 4096 + off);
}

char LICENSE[] SEC("license") = "GPL";

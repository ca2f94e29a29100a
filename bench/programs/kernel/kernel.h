/* Shared declarations of the kernel peers.
 *
 * A kernel peer computes what the benchmark program of the same name
 * computes, in a form the kernel's verifier accepts and BPF_PROG_TEST_RUN
 * can repeat: an XDP program (run on a dummy 64-byte frame) that reads its
 * input from the global array `input` (in .bss, a one-element array map
 * that userspace fills once through the mmapped map before the runs) and
 * returns the result in r0 (32 bits, as the kernel reports it). */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;

char LICENSE[] SEC("license") = "GPL";

/* The program's input: exactly as many bytes as the benchmark's input. */
#define INPUT(size) u8 input[size] __attribute__((aligned(8)))

/* Loops. The verifier walks a loop iteration by iteration for as long as
 * the states it sees differ; a loop counter starting from a constant gives
 * a new state every iteration and the verifier gives up after 1M
 * instructions. Counters therefore start from OPAQUE(constant): the
 * constant plus a global the verifier knows nothing about (it is 0), so
 * that the counter is an unknown scalar, bounded only by the loop's own
 * comparison; the state at the second visit of the loop head is then
 * included in the first and the walk stops. cond_break (a may_goto
 * instruction, Linux 6.9+) gives every loop a way out the verifier can
 * see; at run time it costs a counter decrement per iteration and never
 * fires for these programs (the kernel's budget is 8M iterations or
 * about 250 ms, depending on the version). */
volatile u64 opaque_zero;
#define OPAQUE(x) ((x) + opaque_zero)

/* IDX(i, n): the index i for an access to an array of n elements. clang
 * likes to turn an indexed loop into a pointer that it increments; the
 * verifier sees that pointer's offset grow without bound (it relates no
 * two registers) and rejects the access. IDX hides i behind an empty asm,
 * so that the address is computed from the index at every access, and
 * leaves the loop when i >= n (never, for the suite's inputs), which
 * bounds it for the verifier. Only for use inside a loop. */
#define IDX(i, n)                                  \
	({                                         \
		u64 __i = (i);                     \
		asm volatile("" : "+r"(__i));      \
		if (__i >= (n))                    \
			break;                     \
		__i;                               \
	})

#define cond_break                                                   \
	({                                                           \
		__label__ l_break, l_continue;                       \
		asm volatile goto("may_goto %l[l_break]" :::: l_break); \
		goto l_continue;                                     \
	l_break:                                                     \
		break;                                               \
	l_continue:;                                                 \
	})

#endif

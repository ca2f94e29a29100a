/* Shared declarations for the ebpfjit ELF test programs.
 *
 * Calling convention (ours and the kernel's SEC("syscall") programs alike):
 * r1 points to the input memory (the program's context), r0 is the result.
 * The kernel verifier only allows constant-offset context accesses, so every
 * program describes its input as a struct and touches the context only
 * through its fields; variable indexing happens on stack copies.
 */
#ifndef EBPFJIT_TESTDATA_COMMON_H
#define EBPFJIT_TESTDATA_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

/* Every object carries a license so that GPL-only helpers are permitted. */
#define DECLARE_LICENSE() char LICENSE[] SEC("license") = "GPL"

/* Self-check failures: a program returns FAIL(__LINE__) when an invariant
 * does not hold, so a non-zero 0x0BAD.... result names the failing line of
 * the source file. Successful programs return 0 or a documented value. */
#define FAIL_BASE 0x0BAD0000
#define FAIL(line) (FAIL_BASE + (line))
#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			return FAIL(__LINE__); \
	} while (0)

/* Loops that index the context must be fully unrolled so that every access
 * has a constant offset. */
#define UNROLL _Pragma("clang loop unroll(full)")
#define NO_UNROLL _Pragma("clang loop unroll(disable)")

/* clang likes to keep &ctx->field in a register and store through it; the
 * verifier rejects any access through a modified context pointer. A barrier
 * makes the compiler forget what it derived from the context pointer. */
#define CTX_BARRIER(c) asm volatile("" : "+r"(c))

/* Map definition shorthands (BTF-style, section .maps). */
#define MAP_KV(name, kind, ktype, vtype, entries) \
	struct {                                   \
		__uint(type, kind);                \
		__uint(max_entries, entries);      \
		__type(key, ktype);                \
		__type(value, vtype);              \
	} name SEC(".maps")

#define MAP_V(name, kind, vtype, entries)     \
	struct {                              \
		__uint(type, kind);           \
		__uint(max_entries, entries); \
		__type(value, vtype);         \
	} name SEC(".maps")

/* Error numbers the kernel helpers return (negated). */
#define E_NOENT 2
#define E_AGAIN 11
#define E_EXIST 17
#define E_INVAL 22
#define E_RANGE 34
#define E_2BIG 7

#endif

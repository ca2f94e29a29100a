/* Shared declarations of the isolation test programs: maps whose
 * program access flags (BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG) or
 * neighbours a program must respect. The tests (loader/isolation_test.go,
 * engine/elfexport_test.go) run them on every engine and, where it can,
 * ask the kernel: it runs the programs it accepts, and its verifier must
 * refuse the others for the same reason ebpfjit faults or refuses them.
 *
 * The context is the input memory, as in testdata/elf (SEC("syscall")
 * programs: r1 = the context, r0 = the result).
 */
#ifndef EBPFJIT_ISOLATION_COMMON_H
#define EBPFJIT_ISOLATION_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;

char LICENSE[] SEC("license") = "GPL";

/* A map with creation flags. */
#define MAP_FLAGS(name, kind, ktype, vtype, entries, flags) \
	struct {                                            \
		__uint(type, kind);                         \
		__uint(max_entries, entries);               \
		__type(key, ktype);                         \
		__type(value, vtype);                       \
		__uint(map_flags, flags);                   \
	} name SEC(".maps")

#define MAP_QUEUE(name, vtype, entries, flags) \
	struct {                               \
		__uint(type, BPF_MAP_TYPE_QUEUE);  \
		__uint(max_entries, entries);      \
		__type(value, vtype);              \
		__uint(map_flags, flags);          \
	} name SEC(".maps")

/* Every program takes this context. */
struct iso_ctx {
	u32 which; /* in: selects the case's variant */
	u32 key;   /* in: a map key */
	u64 value; /* in/out */
	s64 ret;   /* out: a helper's result */
};

/* Keeps clang from knowing a value, so it does not specialise on it. */
#define OPAQUE(x) asm volatile("" : "+r"(x))

#endif

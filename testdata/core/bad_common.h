/* Shared declarations of the bad_*.c objects: small programs that are
 * valid C and valid BPF ELF but that ebpfjit must refuse, each for one
 * reason, with an error naming the part at fault. */
#ifndef EBPFJIT_BAD_COMMON_H
#define EBPFJIT_BAD_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define DECLARE_LICENSE() char LICENSE[] SEC("license") = "GPL"

#endif

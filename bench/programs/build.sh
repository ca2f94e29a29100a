#!/usr/bin/env bash
# Rebuilds the benchmark objects from their C sources.
#
#   bash bench/programs/build.sh             (from anywhere; writes next to the sources)
#   OUT=/tmp/x bash bench/programs/build.sh  (writes OUT/*.o and OUT/kernel/*.o instead)
#
# Needs clang-19 and, for the map programs and the kernel peers, libbpf-dev
# (<bpf/bpf_helpers.h>). The output is deterministic: the same sources and
# the same clang build give byte-identical objects (no debug info in the
# plain objects; relative debug paths and a fixed name for the multiarch
# include directory in the others). CLANG=... overrides the compiler.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

CLANG=${CLANG:-clang-19}
OUT=${OUT:-.}
MULTIARCH=/usr/include/$(uname -m)-linux-gnu
mkdir -p "$OUT/kernel"

# .text only, plain `clang -O2 -target bpf -c` (clang's default CPU, v1):
# the style of the public userspace benchmark suites. No SEC, no license,
# no BTF; the entry point is the global function bpf_main.
PLAIN=(-O2 -target bpf -Wall -Werror)
for src in simple memory_a_plus_b log2_int prime memcpy strcmp switch packet_parse crc32 sort call_chain; do
	echo "  CC  $src.o (plain)"
	"$CLANG" "${PLAIN[@]}" -c "$src.c" -o "$OUT/$src.o"
done

# Programs with maps: cilium/ebpf (and so our loader) reads BTF-defined maps
# only from objects with a program section, so these are SEC("syscall"),
# built with BTF (-g) and -mcpu=v3 (atomic fetch-and-add needs it).
BTF=(
	-O2 -g -target bpf -mcpu=v3
	-Wall -Werror
	-I"$MULTIARCH"
	-fdebug-compilation-dir=.
	-fdebug-prefix-map="$MULTIARCH"=/usr/include/multiarch
)
for src in wordcount atomic_counters ringbuf; do
	echo "  CC  $src.o (syscall, v3, BTF)"
	"$CLANG" "${BTF[@]}" -c "$src.c" -o "$OUT/$src.o"
done

# Kernel peers: XDP programs that the verifier accepts, reading their input
# from the global `input` (see README.md).
for src in kernel/*.c; do
	obj=${src%.c}.o
	echo "  CC  $obj (xdp, v3, BTF)"
	"$CLANG" "${BTF[@]}" -c "$src" -o "$OUT/$obj"
done

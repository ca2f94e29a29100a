#!/usr/bin/env bash
# Rebuilds every test object in this directory from its C source.
#
#   bash testdata/elf/build.sh          (from anywhere)
#
# Needs clang-19 (Debian: apt-get install clang-19) and libbpf-dev for
# <bpf/bpf_helpers.h>. Output is deterministic: the same sources and the
# same clang build give byte-identical objects (debug paths are relative,
# the multiarch include directory is mapped to a fixed name).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

CLANG=${CLANG:-clang-19}
MULTIARCH=/usr/include/$(uname -m)-linux-gnu
CFLAGS=(
	-O2 -g -target bpf
	-Wall -Werror
	-I"$MULTIARCH"
	-fdebug-compilation-dir=.
	-fdebug-prefix-map="$MULTIARCH"=/usr/include/multiarch
)

build() { # build <source.c> <object.o> <cpu>
	echo "  CC  $2 (-mcpu=$3)"
	"$CLANG" "${CFLAGS[@]}" -mcpu="$3" -c "$1" -o "$2"
}

# cpu v3: the kernel-runnable programs
for src in maps ringbuf tailcall globals atomics loops calls helpers endian switch parser; do
	build "$src.c" "$src.o" v3
done

# cpu v4: the same sources again (movsx/ldsx/bswap/sdiv appear in ordinary
# code) and v4.c, which needs v4 instructions
for src in loops calls endian switch parser; do
	build "$src.c" "${src}_v4.o" v4
done
build v4.c v4.o v4

# .text only, no SEC, no license, no BTF: exactly the benchmark-suite style
echo "  CC  bench_main.o (plain)"
"$CLANG" -O2 -target bpf -c bench_main.c -o bench_main.o

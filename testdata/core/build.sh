#!/usr/bin/env bash
# Rebuilds every object in this directory from its C source.
#
#   bash testdata/core/build.sh          (from anywhere)
#
# Needs clang-19 and libbpf-dev (<bpf/bpf_helpers.h>, <bpf/bpf_core_read.h>).
# Same flags as testdata/elf/build.sh: deterministic output (relative debug
# paths, the multiarch include directory mapped to a fixed name).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

CLANG=${CLANG:-clang-19}
MULTIARCH=/usr/include/$(uname -m)-linux-gnu
CFLAGS=(
	-O2 -g -target bpf -mcpu=v3
	-Wall -Werror
	-I"$MULTIARCH"
	-fdebug-compilation-dir=.
	-fdebug-prefix-map="$MULTIARCH"=/usr/include/multiarch
)

for src in *.c; do
	echo "  CC  ${src%.c}.o"
	"$CLANG" "${CFLAGS[@]}" -c "$src" -o "${src%.c}.o"
done

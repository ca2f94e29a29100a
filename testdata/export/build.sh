#!/usr/bin/env bash
# Rebuilds calls_helpers.o from calls_helpers.c (clang-19 and libbpf-dev,
# as for testdata/elf):   bash testdata/export/build.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
CLANG=${CLANG:-clang-19}
MULTIARCH=/usr/include/$(uname -m)-linux-gnu
"$CLANG" -O2 -g -target bpf -mcpu=v3 -Wall -Werror -I"$MULTIARCH" \
	-fdebug-compilation-dir=. -fdebug-prefix-map="$MULTIARCH"=/usr/include/multiarch \
	-c calls_helpers.c -o calls_helpers.o

#!/usr/bin/env bash
# Rebuilds the isolation test objects from their C sources (clang-19 and
# libbpf-dev, as for testdata/elf):   bash testdata/isolation/build.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
CLANG=${CLANG:-clang-19}
MULTIARCH=/usr/include/$(uname -m)-linux-gnu
for src in arrays access refused; do
	echo "  CC  $src.o"
	"$CLANG" -O2 -g -target bpf -mcpu=v3 -Wall -Werror -I"$MULTIARCH" \
		-fdebug-compilation-dir=. -fdebug-prefix-map="$MULTIARCH"=/usr/include/multiarch \
		-c "$src.c" -o "$src.o"
done

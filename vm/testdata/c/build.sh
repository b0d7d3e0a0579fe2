#!/bin/sh
# Rebuilds the committed conformance objects from their C sources:
#   <name>.v1.o, <name>.v2.o, <name>.v3.o for every <name>.c
# with Debian's clang-14 (-O2 -target bpf -mcpu=vN -c). Usage: build.sh [OUTDIR]
# (default: this directory). vm/elf_rebuild_test.ts runs it into a temporary
# directory and compares the bytes with the committed objects.
set -eu
cd "$(dirname "$0")"
out="${1:-.}"
CLANG="${CLANG:-clang-14}"
for src in *.c; do
  name="${src%.c}"
  for cpu in v1 v2 v3; do
    "$CLANG" -O2 -target bpf -mcpu="$cpu" -c "$src" -o "$out/$name.$cpu.o"
  done
done

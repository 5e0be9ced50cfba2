#!/usr/bin/env bash
# Builds Tern out of tree: scripts/build.sh [release|asan|xdp|xdp-asan] → _build/<kind>/src/ternd
# (xdp, xdp-asan: also the XDP fast path, configure --enable-xdp; needs clang, libbpf-dev and
# bpftool).
# Re-running only rebuilds what changed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}
case "$kind" in
release) flags=(--enable-werror) ;;
asan) flags=(--enable-sanitizers --enable-werror) ;;
xdp) flags=(--enable-xdp --enable-werror) ;;
xdp-asan) flags=(--enable-xdp --enable-sanitizers --enable-werror) ;;
*) echo "build.sh: unknown build kind '$kind' (release|asan|xdp|xdp-asan)" >&2; exit 2 ;;
esac
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)
dir="$top/_build/$kind"
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || "$top/configure" -q "${flags[@]}" CFLAGS="${CFLAGS:--O2 -g}"
make -s -j"$(nproc)" >/dev/null
echo "$dir"

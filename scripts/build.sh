#!/usr/bin/env bash
# Builds Tern out of tree: scripts/build.sh [release|asan|xdp|xdp-asan] → _build/<kind>/src/ternd
# (release and asan include the XDP fast path when clang, libbpf-dev and bpftool are there,
# configure --enable-xdp=auto; xdp, xdp-asan insist on it: configure --enable-xdp).
# Re-running only rebuilds what changed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}
case "$kind" in
release) flags=(--enable-xdp=auto --enable-werror) ;;
asan) flags=(--enable-xdp=auto --enable-sanitizers --enable-werror) ;;
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

#!/usr/bin/env bash
# Installs, with apt-get, whatever Tern needs that is missing on a Debian 12 machine.
#   scripts/install-deps.sh          build dependencies only
#   scripts/install-deps.sh --test   also what the test suite and benchmarks use
set -euo pipefail

build_pkgs=(build-essential autoconf automake libtool pkg-config
	libevent-dev libssl-dev libhiredis-dev libconfig-dev)
# The XDP fast path (configure --enable-xdp, scripts/build.sh xdp) also needs clang (below),
# libbpf-dev and bpftool; the test suite builds it.
test_pkgs=(coturn python3-aioice redis-server redis-sentinel clang libclang-rt-14-dev clang-format-14
	libbpf-dev bpftool strace iproute2 ethtool procps psmisc chromium libnss3-tools nftables haproxy openssl stun-client
	prometheus podman runc debootstrap man-db groff-base systemd python3-yaml firefox-esr)
# kubectl for test_k8s_manifests: Debian's kubernetes-client, unless a kubectl is there
# already (the kubectl of Kubernetes' or Google's apt repositories has the same file).
command -v kubectl >/dev/null || test_pkgs+=(kubernetes-client)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# Keep package maintainer scripts from starting system services (coturn, redis) that
# would hold the ports the tests and run.sh use.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs what is missing, builds, and starts ternd in the foreground on the embedded
# default configuration (etc/ternd.conf: port 3478, no Redis), after printing the
# iceServers entry a browser would use. Extra arguments go to ternd (e.g. --verbose).
# The demo user gets a random password, new at every run, unless a user is given
# (TERN_USER=name:password, --user, or another credential source).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

step() { printf '%s\n' "$*" >&2; }

step "run.sh: checking packages (installing what is missing: a few minutes the first time)..."
scripts/install-deps.sh

# Object files under $1 newer than $2 (all without $2); 0 before the first build.
count_o() {
	{ find "$1" -name '*.o' ${2:+-newer "$2"} 2>/dev/null || true; } | wc -l
}

# The build, with a dot per compiled file (build.sh itself is quiet).
step_build() {
	local dir=$top/_build/release total n shown=0 t0=$SECONDS pid rc=0 mark
	total=$(find src -name '*.c' | wc -l)
	n=$(count_o "$dir")
	if [ -x "$dir/src/ternd" ] && [ "$n" -gt 0 ]; then
		printf 'run.sh: building (only what changed)' >&2
	else
		printf 'run.sh: building, %s files (about a minute or two)' "$total" >&2
	fi
	mark=$(mktemp)
	scripts/build.sh release >/dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		n=$(count_o "$dir" "$mark")
		while [ "$shown" -lt "$n" ]; do
			printf '.' >&2
			shown=$((shown + 1))
		done
		sleep 1
	done
	wait "$pid" || rc=$?
	rm -f "$mark"
	if [ $rc -ne 0 ]; then
		printf ' failed\n' >&2
		return $rc
	fi
	printf ' done (%d s)\n' $((SECONDS - t0)) >&2
}
step_build
dir=$top/_build/release

# What ternd will use, in its order: command line, then TERN_*, then the configuration
# file (-c FILE, TERN_CONFIG, else the embedded etc/ternd.conf).
args=("$@")
conf=${TERN_CONFIG:-etc/ternd.conf}
for i in "${!args[@]}"; do
	case "${args[$i]}" in
	--config=*) conf=${args[$i]#*=} ;;
	--config | -c) conf=${args[$((i + 1))]:-$conf} ;;
	esac
done
port=$(sed -n 's/^[[:space:]]*listening-port[[:space:]]*[=:][[:space:]]*\([0-9]*\).*/\1/p' \
	"$conf" 2>/dev/null | head -n 1) || true
port=${TERN_LISTENING_PORT:-${port:-3478}}
host=${TERN_LISTENING_IP:-}
host=${host%%[, ]*}
cred=${TERN_USER:-}
cred=${cred%%[, ]*}
other_source=${TERN_REDIS_USERDB:-}${TERN_STATIC_AUTH_SECRET:-}${TERN_CONFIG:-}
for i in "${!args[@]}"; do
	next=${args[$((i + 1))]:-}
	case "${args[$i]}" in
	--listening-port=*) port=${args[$i]#*=} ;;
	--listening-port | -p) port=${next:-$port} ;;
	--listening-ip=*) host=${args[$i]#*=} ;;
	--listening-ip | -L) host=${next:-$host} ;;
	--user=*) cred=${args[$i]#*=} ;;
	--user | -u) cred=${next:-$cred} ;;
	--redis-userdb* | --static-auth-secret* | -c | --config*) other_source=1 ;;
	esac
done

# The file's first user (name:password) when none is given on top of it.
if [ -z "$cred" ]; then
	cred=$(sed -n 's/^[[:space:]]*user[[:space:]]*[=:][^"]*"\([^"]*\)".*/\1/p' "$conf" \
		2>/dev/null | head -n 1) || true
fi
# A random password for the demo user, unless the operator gave a user or another source.
if [ -z "$cred" ] && [ -z "$other_source" ]; then
	pass=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
	cred="demo:$pass"
	export TERN_USER=$cred
fi

# The address a browser on the network would use: the first global IPv4 address,
# without needing `ip` (hostname -I, else the kernel's routing table in /proc).
local_ipv4() {
	local a
	a=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub(/\/.*/, "", $4); print $4; exit}') || true
	[ -n "$a" ] || a=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -m 1 -E '^[0-9]+\.' | grep -v '^127\.') || true
	[ -n "$a" ] || a=$(awk '/32 host LOCAL/ { if (prev !~ /^127\./) { print prev; exit } }
		{ prev = $2 }' /proc/net/fib_trie 2>/dev/null) || true
	echo "${a:-127.0.0.1}"
}
case "$host" in
"" | 0.0.0.0 | ::) host=$(local_ipv4) ;;
*:*) host="[$host]" ;;
esac

if [ -n "$cred" ]; then
	who="    username: \"${cred%%:*}\",
    credential: \"${cred#*:}\""
else
	who="    username: \"YOUR USER\", credential: \"ITS PASSWORD\"  (from your credential source)"
fi
cat <<EOT
ternd is starting on port $port (UDP and TCP). Point a WebRTC client at it with:

  iceServers: [{
    urls: ["turn:$host:$port?transport=udp", "turn:$host:$port?transport=tcp"],
$who
  }]

(stun:$host:$port answers STUN Binding.) Stop with Ctrl-C.
EOT
exec "$dir/src/ternd" "$@"

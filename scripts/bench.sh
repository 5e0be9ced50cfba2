#!/usr/bin/env bash
# Side-by-side benchmarks of ternd against coturn and a bare UDP echo, on loopback only.
#
#   scripts/bench.sh binding [--duration S] [--rounds N] [--sockets N] [--window N] [--build]
#   scripts/bench.sh --help
#
# Each mode is a function mode_<name>; add a mode by writing one and listing it in usage().
# Servers run one after another, each pinned to CPU $BENCH_SERVER_CPU (default 0) and the
# load generator to CPU $BENCH_LOADGEN_CPU (default 1): on a 2-core machine one core each,
# so "txn per server CPU-second" compares the servers' own cost and the loadgen never
# competes with the server for a core. Every run is bounded in time; every server started
# here is stopped on exit.
#
# Environment: TERND (ternd binary; default _build/release/src/ternd, or src/ternd; with
# --build, scripts/build.sh release runs first if neither exists), TURNSERVER (default:
# turnserver on PATH),
# BENCH_PORT (first UDP port tried, default 34780), BENCH_SERVER_CPU, BENCH_LOADGEN_CPU.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/tern-bench.XXXXXX)
server_pid=
server_cpu=${BENCH_SERVER_CPU:-0}
loadgen_cpu=${BENCH_LOADGEN_CPU:-1}
next_port=${BENCH_PORT:-34780}
# The echo takes datagrams in batches of the same size as ternd's UDP worker
# (NET_UDP_BATCH in src/net/udp.c), so the ceiling differs from ternd only in the work done.
echo_batch=128

usage() {
	cat <<EOT
usage: scripts/bench.sh MODE [options]

modes:
  binding   STUN Binding transactions per second and per server CPU-second:
            ternd vs coturn (turnserver) vs a bare UDP echo, same load for each.

options:
  --duration S   measured seconds per server and round, 1-60 (default 6; plus ~1 s warm-up)
  --rounds N     rounds, each measuring every server once; medians reported (default 5)
  --sockets N    loadgen UDP sockets, one source port each (default 128)
  --window N     requests outstanding per socket (default 8)
  --build        run scripts/build.sh release first if no ternd binary exists
  --help         this text

Server on CPU \$BENCH_SERVER_CPU (0), loadgen on CPU \$BENCH_LOADGEN_CPU (1).
ternd: \$TERND or _build/release/src/ternd; skipped with a message if absent.
EOT
}

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

stop_server() {
	[ -n "$server_pid" ] || return 0
	kill "$server_pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}

cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Compile the load generator and the echo server into the temp dir (fast; no configure).
build_tools() {
	local cc=${CC:-cc} f
	for f in loadgen echo; do
		"$cc" -O2 -std=gnu11 -Wall -Wextra -o "$work/$f" "$top/tests/bench/$f.c" ||
			die "cannot compile tests/bench/$f.c"
	done
}

# Prints the path of a runnable ternd, or nothing.
find_ternd() {
	local want_build=$1 c
	if [ -n "${TERND:-}" ]; then
		[ -x "$TERND" ] && echo "$TERND"
		return 0
	fi
	for c in "$top/_build/release/src/ternd" "$top/src/ternd"; do
		[ -x "$c" ] && { echo "$c"; return 0; }
	done
	[ "$want_build" = 1 ] || return 0
	note "ternd not built; trying scripts/build.sh release (log: $work/build.log)"
	if timeout 900 "$top/scripts/build.sh" release >"$work/build.log" 2>&1; then
		c="$top/_build/release/src/ternd"
		[ -x "$c" ] && echo "$c"
	fi
	return 0
}

# Prints a UDP port on 127.0.0.1 that nothing listens on.
pick_port() {
	local p=$next_port
	while [ -n "$(ss -Hlun "sport = :$p" 2>/dev/null)" ] ||
		[ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; do
		p=$((p + 1))
	done
	next_port=$((p + 2))
	echo "$p"
}

# Command prefix pinning to CPU $1 (nothing on a single-CPU machine). Used as a prefix
# array so a backgrounded server's $! is the server itself, not a shell.
pin_prefix() {
	pin=()
	[ "$(nproc)" -lt 2 ] || pin=(taskset -c "$1")
}

# start_server PORT ECHO_FLAG CMD... — start CMD pinned to the server CPU and wait (5 s at
# most) until it answers on PORT. Returns non-zero, with the server stopped, if it never does.
start_server() {
	local port=$1 echo_flag=$2 out
	shift 2
	pin_prefix "$server_cpu"
	"${pin[@]}" "$@" >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 25); do
		kill -0 "$server_pid" 2>/dev/null || break
		out=$("$work/loadgen" --port "$port" --duration 0.2 --warmup-ms 0 --sockets 1 \
			--window 1 --timeout-ms 100 $echo_flag 2>/dev/null || true)
		case "$out" in txn=0\ * | '') sleep 0.2 ;; *) return 0 ;; esac
	done
	stop_server
	return 1
}

# run_load NAME PORT ECHO_FLAG — one measured run against the running server; appends
# "NAME key=value..." to $work/results.
run_load() {
	local name=$1 port=$2 echo_flag=$3 line
	pin_prefix "$loadgen_cpu"
	line=$(timeout $((duration + 20)) "${pin[@]}" "$work/loadgen" \
		--port "$port" --duration "$duration" --sockets "$sockets" --window "$window" \
		--pid "$server_pid" --core "$server_cpu" $echo_flag) ||
		{ note "$name: loadgen failed"; return 0; }
	echo "bench: $name: $line" >&2
	# The server CPU busy well beyond the server's own time plus usual softirq means other
	# processes ran there: the run's figures are suspect.
	echo "$line" | tr ' ' '\n' | awk -F= '{ v[$1] = $2 }
		END { if (v["secs"] > 0 && v["core_busy"] * v["secs"] - v["server_cpu"] > 0.3 * v["secs"])
			print "bench: warning: other processes used the server CPU during this run" }' >&2
	echo "$name $line" >>"$work/results"
}

# ternd_bin is found once per run; emptied if ternd cannot be measured.
bench_ternd() {
	local port
	[ -n "$ternd_bin" ] || return 0
	port=$(pick_port)
	if ! start_server "$port" "" "$ternd_bin" --listening-port "$port" \
		--listening-ip 127.0.0.1 --relay-threads 1 --log-file /dev/null; then
		note "ternd ($ternd_bin): did not answer Binding on 127.0.0.1:$port; skipped"
		sed 's/^/  ternd: /' "$work/server.log" | tail -n 5 >&2
		ternd_bin=
		return 0
	fi
	run_load ternd "$port" ""
	stop_server
}

# coturn kept off the machine's shared state: empty config, private SQLite user db and pid
# file in the temp dir, no CLI, no TLS/DTLS, one relay thread, log to our own file.
bench_coturn() {
	local bin=${TURNSERVER:-$(command -v turnserver || true)} port d=$work/coturn
	[ -n "$bin" ] || { note "coturn: turnserver not found (apt-get install coturn); skipped"; return 0; }
	port=$(pick_port)
	mkdir -p "$d"
	: >"$d/turnserver.conf"
	if ! start_server "$port" "" "$bin" -c "$d/turnserver.conf" --userdb "$d/turndb" \
		--pidfile "$d/turnserver.pid" --no-cli -L 127.0.0.1 -p "$port" --relay-threads 1 \
		--no-tls --no-dtls --log-file stdout --simple-log; then
		note "coturn: did not answer Binding on 127.0.0.1:$port; skipped"
		tail -n 5 "$work/server.log" >&2
		return 0
	fi
	run_load coturn "$port" ""
	stop_server
}

bench_echo() {
	local port
	port=$(pick_port)
	start_server "$port" --echo "$work/echo" --port "$port" --bind 127.0.0.1 --batch "$echo_batch" ||
		{ note "echo: did not start; skipped"; return 0; }
	run_load echo "$port" --echo
	stop_server
}

# Table of $work/results (medians over the rounds), then the ratios of the medians.
report_binding() {
	[ -s "$work/results" ] || die "no server could be measured"
	awk -v dur="$duration" -v s="$sockets" -v w="$window" -v rounds="$rounds" '
	function median(m, k,    n, i, j, t, a) {
		n = cnt[m]
		for (i = 1; i <= n; i++) a[i] = v[m, k, i]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function spread(m, k,    i, lo, hi, md) {
		lo = hi = v[m, k, 1]
		for (i = 2; i <= cnt[m]; i++) {
			if (v[m, k, i] < lo) lo = v[m, k, i]
			if (v[m, k, i] > hi) hi = v[m, k, i]
		}
		md = median(m, k)
		return md > 0 ? 100 * (hi - lo) / md : 0
	}
	# The median over rounds of the per-round ratio: each round measures both servers
	# back to back, so drift of the machine between rounds cancels out.
	function ratio(a, b, k,    i, nr, r, t, j) {
		if (!(a in cnt) || !(b in cnt)) return "n/a"
		nr = 0
		for (i = 1; i <= cnt[a] && i <= cnt[b]; i++)
			if (v[b, k, i] > 0) r[++nr] = v[a, k, i] / v[b, k, i]
		if (nr == 0) return "n/a"
		for (i = 2; i <= nr; i++)
			for (j = i; j > 1 && r[j - 1] > r[j]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
		return sprintf("%.2f", nr % 2 ? r[(nr + 1) / 2] : (r[nr / 2] + r[nr / 2 + 1]) / 2)
	}
	{
		m = $1
		if (!(m in cnt)) names[++n] = m
		c = ++cnt[m]
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[m, kv[1], c] = kv[2] }
	}
	END {
		printf "\nSTUN Binding over loopback: %d sockets x %d outstanding, %s s per run, ", s, w, dur
		printf "median of %d round(s)\n", rounds
		printf "%-7s %9s %13s %13s %8s %14s %10s %7s %9s\n", "server", "tps", "server_cpu_s",
			"txn_per_cpu_s", "spread", "loadgen_cpu_s", "core_busy", "errors", "timeouts"
		for (i = 1; i <= n; i++) {
			m = names[i]
			printf "%-7s %9.0f %13.2f %13.0f %7.0f%% %14.2f %10.2f %7d %9d\n", m,
				median(m, "tps"), median(m, "server_cpu"), median(m, "txn_per_cpu_s"),
				spread(m, "txn_per_cpu_s"), median(m, "loadgen_cpu"),
				median(m, "core_busy"), median(m, "errors"), median(m, "timeouts")
		}
		printf "\nternd/coturn: txn_per_cpu_s %s  tps %s\n", ratio("ternd", "coturn", "txn_per_cpu_s"),
			ratio("ternd", "coturn", "tps")
		printf "ternd/echo:   txn_per_cpu_s %s  tps %s\n", ratio("ternd", "echo", "txn_per_cpu_s"),
			ratio("ternd", "echo", "tps")
		printf "coturn/echo:  txn_per_cpu_s %s  tps %s\n", ratio("coturn", "echo", "txn_per_cpu_s"),
			ratio("coturn", "echo", "tps")
		print "ratios: median over rounds of the per-round ratio."
		print "spread: (max-min)/median of txn_per_cpu_s over the rounds."
		print "core_busy: non-idle share of the server CPU (includes softirq, which server_cpu_s"
		print "does not); loadgen_cpu_s near the run time means the loadgen may be the limit."
	}' "$work/results"
}

mode_binding() {
	duration=6 sockets=128 window=8 rounds=5 build=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) duration=${2:?}; shift 2 ;;
		--rounds) rounds=${2:?}; shift 2 ;;
		--sockets) sockets=${2:?}; shift 2 ;;
		--window) window=${2:?}; shift 2 ;;
		--build) build=1; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$duration$rounds" in *[!0-9]*) die "--duration and --rounds take whole numbers" ;; esac
	[ "$duration" -ge 1 ] && [ "$duration" -le 60 ] || die "--duration must be 1-60"
	[ "$rounds" -ge 1 ] && [ "$rounds" -le 10 ] || die "--rounds must be 1-10"
	[ "$(nproc)" -ge 2 ] || note "only one CPU: server and loadgen share it; figures are rough"
	build_tools
	ternd_bin=$(find_ternd "$build")
	[ -n "$ternd_bin" ] ||
		note "ternd: not found (set TERND, build with scripts/build.sh or pass --build); skipped"
	: >"$work/results"
	# Rounds interleave the servers so drift in the machine's speed hits all of them alike.
	for r in $(seq "$rounds"); do
		note "round $r/$rounds"
		bench_ternd
		bench_coturn
		bench_echo
	done
	report_binding
}

case "${1:-}" in
binding) shift; mode_binding "$@" ;;
-h | --help) usage ;;
*) usage >&2; exit 2 ;;
esac

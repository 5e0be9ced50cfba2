#!/usr/bin/env bash
# Side-by-side benchmarks of ternd against coturn and bare ceilings (a UDP echo, a
# ChannelData forwarder), on loopback only.
#
#   scripts/bench.sh binding [--duration S] [--rounds N] [--sockets N] [--window N] [--build]
#   scripts/bench.sh relay [--duration S] [--rounds N] [--allocs N,N..] [--sizes B,B..]
#                          [--rtt-rate PPS] [--window N] [--build]
#   scripts/bench.sh alloc [--duration S] [--rounds N] [--sessions N] [--fleet] [--build]
#   scripts/bench.sh hold  [--allocs N] [--cycles N] [--build]
#   scripts/bench.sh soak  [--seconds N] [--interval S] [--warmup S] [--relayers N] [--rate N]
#                          [--churn-rate N] [--abandon-pct N] [--build]
#   scripts/bench.sh tls   [--duration S] [--rounds N] [--allocs N] [--size B] [--hold N]
#                          [--sessions N] [--keys ec,rsa] [--versions 1.2,1.3] [--no-resume]
#                          [--build]
#   scripts/bench.sh metrics [--duration S] [--rounds N] [--allocs N] [--size B] [--rate N]
#                          [--build]
#   scripts/bench.sh xdp   [--duration S] [--rounds N] [--allocs N,N..] [--sizes B,B..]
#                          [--rtt-rate PPS] [--rtt-secs S] [--window N] [--generic] [--build]
#   scripts/bench.sh --help
#
# Each mode is a function mode_<name>; add a mode by writing one and listing it in usage().
# The tls mode is in scripts/bench-tls.sh (its settings for each server in its header), the
# metrics mode in scripts/bench-metrics.sh, the xdp mode (the only one off loopback: veths
# between network namespaces it makes, root needed) in scripts/bench-xdp.sh.
# Servers run one after another, each pinned to CPU $BENCH_SERVER_CPU (default 0) and the
# load generator to CPU $BENCH_LOADGEN_CPU (default 1): on a 2-core machine one core each,
# so "txn per server CPU-second" compares the servers' own cost and the loadgen never
# competes with the server for a core. Every run is bounded in time; every server started
# here is stopped on exit.
#
# Environment: TERND (ternd binary; default _build/release/src/ternd, or src/ternd; with
# --build, scripts/build.sh release runs first if neither exists), TURNSERVER (default:
# turnserver on PATH),
# BENCH_PORT (first UDP port tried, default 34780), BENCH_SERVER_CPU, BENCH_LOADGEN_CPU,
# BENCH_RELAY_PORTS (relay port range of the TURN servers and the forwarder, default
# 12000-31999: outside the kernel's ephemeral range, where tests/bench/turnload takes its
# client ports).
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
relay_ports=${BENCH_RELAY_PORTS:-12000-31999}
relay_min=${relay_ports%-*}
relay_max=${relay_ports#*-}
# Relay ports of each TURN server: the whole range unless servers run side by side (relay).
ports_ternd=$relay_ports
ports_coturn=$relay_ports

usage() {
	cat <<EOT
usage: scripts/bench.sh MODE [options]

modes:
  binding   STUN Binding transactions per second and per server CPU-second:
            ternd vs coturn (turnserver) vs a bare UDP echo, same load for each.
  relay     TURN relaying (ChannelData both ways) for 1, 100, 1000 allocations:
            delivered packets/s, loss, server CPU per million packets, and round
            trip p50/p99 at a fixed 5,000 packets/s; ternd vs coturn vs a bare
            forwarder (tests/bench/forward).
  alloc     allocation cycles (Allocate, 401, Allocate with credentials,
            Refresh 0) per second and per server CPU-second; ternd vs coturn;
            with --fleet, ternd with a Redis user with and without fleet quotas.
  hold      server memory (VmRSS) per held allocation (10,000 held), and after
            20,000 allocate/free cycles; ternd vs coturn.
  soak      ternd alone for 10 minutes: allocations created, bound and freed (or
            left to expire) all along while others relay and refresh permissions,
            channels and allocations; ternd's VmRSS and descriptors every 30 s, RSS
            growth after the first minute and descriptors back to the baseline.
  tls       TURN over TLS, ternd vs coturn: ChannelData relayed per server
            CPU-second, TLS sessions (full handshake, Allocate, Refresh 0) per
            server CPU-second (EC and RSA certificates), memory per held TLS
            allocation.
  metrics   what scraping /metrics (10/s) costs ternd's relay under full load:
            delivered packets/s with and without scraping, alternating phases on
            the same ternd; the metrics thread's CPU per scrape.
  xdp       UDP relaying over veths between client, server and peer network
            namespaces: ternd with its XDP fast path, ternd without, coturn;
            relayed packets per CPU-second of the server's core (softirq and NAPI
            threads included), p99 round trip; ends with xdp/user and xdp/coturn.

options of binding (the other modes: scripts/bench.sh MODE --help):
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

# Command prefix of run_turnload's load generator (the xdp mode: ip netns exec NS).
tl_wrap=()

# Servers of the relay mode, which run side by side: all stopped here.
relay_pids=()
stop_relay_servers() {
	local p
	for p in "${relay_pids[@]}"; do
		server_pid=$p
		stop_server
	done
	relay_pids=()
}

cleanup() {
	stop_server
	stop_relay_servers
	stop_bench_redis
	rm -rf "$work"
}

# A private redis-server for the modes that need one (alloc --fleet). Not pinned: on the
# loadgen's CPU it would slow the load of only the runs that use it (fewer requests per
# server loop iteration, so a dearer cycle), and the server CPU figure is the server
# process's own time wherever Redis runs.
bench_redis_pid=
bench_redis_port=
start_bench_redis() {
	command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
	bench_redis_port=$(pick_port)
	mkdir -p "$work/redis"
	redis-server --port "$bench_redis_port" --bind 127.0.0.1 --save "" \
		--appendonly no --daemonize no --dir "$work/redis" >"$work/redis/log" 2>&1 &
	bench_redis_pid=$!
	for _ in $(seq 50); do
		[ "$(redis-cli -p "$bench_redis_port" PING 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	die "redis-server did not start: $(tail -n 3 "$work/redis/log")"
}
stop_bench_redis() {
	[ -n "$bench_redis_pid" ] || return 0
	kill "$bench_redis_pid" 2>/dev/null || true
	wait "$bench_redis_pid" 2>/dev/null || true
	bench_redis_pid=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Compile the load generator and the echo server into the temp dir (fast; no configure).
build_tools() {
	local cc=${CC:-cc} f b=$top/tests/bench
	for f in echo forward; do
		"$cc" -O2 -std=gnu11 -Wall -Wextra -o "$work/$f" "$b/$f.c" ||
			die "cannot compile tests/bench/$f.c"
	done
	"$cc" -O2 -std=gnu11 -Wall -Wextra -o "$work/loadgen" "$b/loadgen.c" "$b/procstat.c" ||
		die "cannot compile tests/bench/loadgen.c"
	"$cc" -O2 -std=gnu11 -Wall -Wextra -pthread -o "$work/turnload" "$b/turnload.c" \
		"$b/tl_sess.c" "$b/tl_relay.c" "$b/tl_rtt.c" "$b/tl_soak.c" "$b/tl_proc.c" "$b/procstat.c" "$b/tl_stun.c" \
		"$b/tl_tls.c" "$b/tl_tlsrelay.c" -lssl -lcrypto ||
		die "cannot compile tests/bench/turnload.c (needs libssl-dev)"
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


# ---- TURN modes (relay, alloc, hold) -------------------------------------------------
# One load generator for every server (tests/bench/turnload): it does the long-term
# authentication itself and prints key=value lines; exit status 3 means the server did not
# grant the allocations. Result lines go to $work/results as "SERVER key=value...".

# turn_cmd NAME PORT — sets the array cmd to the command line of TURN server NAME.
turn_cmd() {
	local name=$1 port=$2 d=$work/coturn
	case "$name" in
	ternd)
		cmd=("$ternd_bin" --listening-ip 127.0.0.1 --listening-port "$port" --relay-threads 1
			--log-file /dev/null --user bench:bench --realm bench --allow-loopback-peers
			--min-port "${ports_ternd%-*}" --max-port "${ports_ternd#*-}")
		# Every load generator client shares 127.0.0.1: ternd's per-source-IP limit on 401
		# challenges (coturn has none) would measure the limiter, not the server.
		# (The help text is read whole: grep -q stopping early would leave ternd a
		# broken pipe, which pipefail counts as a failure.)
		[[ $("$ternd_bin" --help 2>&1) == *--unauth-rate* ]] && cmd+=(--unauth-rate 0) ;;
	ternd-local | ternd-fleet)
		# alloc --fleet: the user in Redis (no --user), a quota so large it never refuses,
		# so that with fleet-quota every Allocate runs the fleet's count.
		local c=() a skip=0 fq=false
		turn_cmd ternd "$port"
		for a in "${cmd[@]}"; do
			[ "$skip" = 0 ] || { skip=0; continue; }
			[ "$a" != --user ] || { skip=1; continue; }
			c+=("$a")
		done
		[ "$name" = ternd-local ] || fq=true
		cmd=("${c[@]}" --redis-userdb "ip=127.0.0.1 port=$bench_redis_port"
			--user-quota 1000000 --fleet-quota="$fq" --node-name bench) ;;
	coturn)
		# Off the machine's shared state as in bench_coturn; quotas 0 = unlimited (the
		# default, spelled out), no bandwidth cap (--max-bps defaults to 0).
		mkdir -p "$d"
		: >"$d/turnserver.conf"
		cmd=("$coturn_bin" -c "$d/turnserver.conf" --userdb "$d/turndb"
			--pidfile "$d/turnserver.pid" --no-cli -L 127.0.0.1 -p "$port" --relay-threads 1
			--lt-cred-mech --user=bench:bench --realm=bench --allow-loopback-peers
			--no-tls --no-dtls --min-port "${ports_coturn%-*}" --max-port "${ports_coturn#*-}"
			--total-quota 0 --user-quota 0 --max-allocate-lifetime 3600
			--log-file stdout --simple-log) ;;
	esac
}

# start_turn NAME PORT — start ternd or coturn; non-zero (with a note) if it never answers.
start_turn() {
	local name=$1 port=$2
	turn_cmd "$name" "$port"
	start_server "$port" "" "${cmd[@]}" && return 0
	note "$name: did not answer Binding on 127.0.0.1:$port; skipped"
	tail -n 5 "$work/server.log" | sed "s/^/  $name: /" >&2
	return 1
}

# start_forward PORT RELAYS — the bare forwarder, relay ports from $relay_min.
start_forward() {
	local port=$1 relays=$2
	pin_prefix "$server_cpu"
	"${pin[@]}" "$work/forward" --port "$port" --relay-port "$relay_min" --relays "$relays" \
		--max-seconds 900 >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 25); do
		kill -0 "$server_pid" 2>/dev/null || break
		[ -n "$(ss -Hlun "sport = :$port" 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	note "forward: did not start"; tail -n 3 "$work/server.log" >&2
	stop_server
	return 1
}

# run_turnload NAME ARGS... — one turnload run, pinned to the loadgen CPU, against the
# running server $server_pid (none: the servers are in --target arguments). Result lines
# go to $work/results as "SERVER key=value...", SERVER from a line's target= if it has
# one, else NAME. Returns 3 if a server refused the allocations.
run_turnload() {
	local name=$1 rc=0 out line who
	shift
	pin_prefix "$loadgen_cpu"
	local pid_arg=()
	[ -z "$server_pid" ] || pid_arg=(--pid "$server_pid")
	out=$(timeout 280 "${pin[@]}" "${tl_wrap[@]}" "$work/turnload" "${pid_arg[@]}" --core "$server_cpu" \
		"$@" 2>"$work/turnload.err") || rc=$?
	if [ "$rc" -ne 0 ]; then
		note "$name: turnload exit $rc: $(tr '\n' ' ' <"$work/turnload.err")"
		[ "$rc" -eq 3 ] || return 0
	fi
	while read -r line; do
		[ -n "$line" ] || continue
		who=$name
		case "$line" in target=*)
			who=${line%% *}; who=${who#target=}; line=${line#* } ;;
		esac
		echo "bench: $who: $line" >&2
		echo "$who $line" >>"$work/results"
		# The server CPU busy well beyond the server's own time plus usual softirq means
		# other processes ran there: the figures are suspect.
		echo "$line" | tr ' ' '\n' | awk -F= -v who="$who" '{ v[$1] = $2 }
			END { if (v["secs"] > 0 && v["core_busy"] != "" && v["server_cpu"] >= 0 &&
				  v["core_busy"] * v["secs"] - v["server_cpu"] > 0.3 * v["secs"])
				print "bench: warning: " who ": other processes used the server CPU" }' >&2
	done <<<"$out"
	return "$rc"
}

# Common setup of the TURN modes.
turn_setup() {
	build_tools
	ternd_bin=$(find_ternd "$build")
	[ -n "$ternd_bin" ] ||
		note "ternd: not found (set TERND, build with scripts/build.sh or pass --build); skipped"
	coturn_bin=${TURNSERVER:-$(command -v turnserver || true)}
	[ -n "$coturn_bin" ] || note "coturn: turnserver not found (apt-get install coturn); skipped"
	[ "$(nproc)" -ge 2 ] || note "only one CPU: server and loadgen share it; figures are rough"
	# One socket per allocation on each side.
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	: >"$work/results"
}

# turn_server_run NAME FN ARGS... — start server NAME (ternd, coturn), call FN PORT ARGS...,
# stop it. A ternd that refuses to allocate (TURN not there yet) is skipped from then on.
turn_server_run() {
	local name=$1 fn=$2 port rc=0
	shift 2
	case "$name" in
	ternd*) [ -n "$ternd_bin" ] || return 0 ;;
	coturn) [ -n "$coturn_bin" ] || return 0 ;;
	esac
	port=$(pick_port)
	if ! start_turn "$name" "$port"; then
		[[ "$name" = ternd* ]] && ternd_bin=
		[ "$name" = coturn ] && coturn_bin=
		return 0
	fi
	"$fn" "$name" "$port" "$@" || rc=$?
	stop_server
	if [ "$rc" -eq 3 ]; then
		note "$name: did not grant TURN allocations (see the error above); skipped from now on"
		[[ "$name" = ternd* ]] && ternd_bin=
		[ "$name" = coturn ] && coturn_bin=
	fi
	return 0
}

# Shared awk functions for the TURN reports: results are grouped by a key built from the
# server and some fields; median() over rounds and ratio() = median of per-round ratios.
turn_awk_lib='
	function median(k, f,    n, i, j, t, a) {
		n = cnt[k]
		for (i = 1; i <= n; i++) a[i] = v[k, f, i]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function ratio(ka, kb, f,    i, nr, r, t, j) {
		if (!(ka in cnt) || !(kb in cnt)) return "n/a"
		nr = 0
		for (i = 1; i <= cnt[ka] && i <= cnt[kb]; i++)
			if (v[kb, f, i] > 0) r[++nr] = v[ka, f, i] / v[kb, f, i]
		if (nr == 0) return "n/a"
		for (i = 2; i <= nr; i++)
			for (j = i; j > 1 && r[j - 1] > r[j]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
		return sprintf("%.2f", nr % 2 ? r[(nr + 1) / 2] : (r[nr / 2] + r[nr / 2 + 1]) / 2)
	}
	# verdict(r, op, target): "met"/"NOT met"/"n/a" for a ratio against a target.
	function verdict(r, op, tg) {
		if (r == "n/a" || r == "") return "n/a"
		if (op == ">=") return (r + 0 >= tg) ? "met" : "NOT met"
		return (r + 0 <= tg) ? "met" : "NOT met"
	}
	function load(key,    i, kv) {
		if (!(key in cnt)) keys[++nk] = key
		c = ++cnt[key]
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[key, kv[1], c] = kv[2] }
	}
'

# ---- relay ----

# All three servers run at once, each pinned to the server CPU and idle until its turn:
# one turnload run per allocation count loads them in turn (--slice-ms each, order
# rotating; tests/bench/tl_relay.c), so a drift in the machine's speed hits all of them
# alike. The forwarder has one relay socket per allocation (as a TURN server has one
# relayed address per allocation), as many as the largest --allocs, from $relay_min; the
# rest of the relay range is split between ternd and coturn.
relay_round() {
	local n max=1 port half tgts=() rc
	for n in ${allocs//,/ }; do [ "$n" -le "$max" ] || max=$n; done
	half=$(((relay_max - relay_min - max) / 2))
	ports_ternd=$((relay_min + max))-$((relay_min + max + half - 1))
	ports_coturn=$((relay_min + max + half))-$relay_max
	if [ -n "$ternd_bin" ]; then
		port=$(pick_port)
		if start_turn ternd "$port"; then
			relay_pids+=("$server_pid")
			tgts+=(--target "ternd:$port:$server_pid")
		else
			ternd_bin=
		fi
	fi
	if [ -n "$coturn_bin" ]; then
		port=$(pick_port)
		if start_turn coturn "$port"; then
			relay_pids+=("$server_pid")
			tgts+=(--target "coturn:$port:$server_pid")
		else
			coturn_bin=
		fi
	fi
	port=$(pick_port)
	if start_forward "$port" "$max"; then
		relay_pids+=("$server_pid")
		tgts+=(--target "forward:$port:$server_pid:$relay_min")
	fi
	server_pid=
	[ ${#tgts[@]} -gt 0 ] || return 0
	for n in ${allocs//,/ }; do
		rc=0
		run_turnload relay --mode relay --sessions "$n" --sizes "$sizes" \
			--duration "$duration" --window "$window" --rtt-rate "$rtt_rate" \
			--rtt-secs "$rtt_secs" "${poll[@]}" "${tgts[@]}" || rc=$?
		[ "$rc" -ne 3 ] || note "a server did not grant the allocations: $(cat "$work/turnload.err")"
	done
	stop_relay_servers
}

report_relay() {
	[ -s "$work/results" ] || die "no server could be measured"
	awk -v dur="$duration" -v rounds="$rounds" -v win="$window" -v rate="$rtt_rate" \
		-v halt="$rtt_halt" "$turn_awk_lib"'
	{
		split("", f)
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		cs = f["phase"] "|" f["allocs"] "|" f["size"]
		if (!(cs in seen)) { seen[cs] = 1; cases[++nc] = cs }
		load($1 "|" cs)
	}
	END {
		printf "\nTURN relay over loopback, ChannelData both ways, closed loop (%d datagrams in ", win
		printf "flight per direction);\nthe servers run side by side and take the load in turns of 250 ms, "
		printf "%s s each; median of %d round(s)\n", dur, rounds
		printf "%6s %5s %-7s %9s %7s %8s %11s %10s %8s %6s\n", "allocs", "size", "server",
			"pps", "loss%", "srv_cpu", "pkts/cpu_s", "cpu_s/Mpkt", "lg_cpu", "busy"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "relay") continue
			for (s = 1; s <= 3; s++) {
				k = srv[s] "|" cases[c]
				if (!(k in cnt)) continue
				printf "%6d %5d %-7s %9.0f %7.2f %8.2f %11.0f %10.2f %8.2f %6.2f\n", p[2], p[3],
					srv[s], median(k, "pps"), median(k, "loss_pct"), median(k, "server_cpu"),
					median(k, "pkts_per_cpu_s"), median(k, "cpu_s_per_mpkt"),
					median(k, "loadgen_cpu"), median(k, "core_busy")
			}
		}
		printf "\nRound trip client -> server -> peer -> server -> client, %d packets/s evenly spaced, ", rate
		printf "servers in turns of 20 ms;\n%s\n", halt ? "idle CPUs may halt (--rtt-halt)" : "both CPUs kept out of the idle halt (SCHED_IDLE pollers, as idle=poll)"
		printf "%6s %5s %-7s %9s %9s %9s %9s %9s %7s\n", "allocs", "size", "server", "p50_us",
			"p90_us", "p99_us", "p99.9_us", "max_us", "loss%"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "rtt") continue
			for (s = 1; s <= 3; s++) {
				k = srv[s] "|" cases[c]
				if (!(k in cnt)) continue
				printf "%6d %5d %-7s %9.1f %9.1f %9.1f %9.1f %9.1f %7.2f\n", p[2], p[3],
					srv[s], median(k, "p50_us"), median(k, "p90_us"), median(k, "p99_us"),
					median(k, "p999_us"), median(k, "max_us"), median(k, "loss_pct")
			}
		}
		print "\nRatios (median of per-round ratios) and targets"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			t = "ternd|" cases[c]; co = "coturn|" cases[c]; fw = "forward|" cases[c]
			if (p[1] == "relay") {
				a = ratio(t, co, "pkts_per_cpu_s"); b = ratio(t, fw, "pkts_per_cpu_s")
				printf "allocs %4d size %4d  pkts/cpu_s ternd/coturn %5s (>= 1.30 %s)", p[2], p[3],
					a, verdict(a, ">=", 1.3)
				printf "  ternd/forward %5s (>= 0.90 %s)  coturn/forward %s\n", b,
					verdict(b, ">=", 0.9), ratio(co, fw, "pkts_per_cpu_s")
			} else {
				a = ratio(t, fw, "p99_us")
				printf "allocs %4d size %4d  rtt p99 ternd/forward %5s (<= 1.10 %s)", p[2], p[3], a,
					verdict(a, "<=", 1.1)
				printf "  coturn/forward %s\n", ratio(co, fw, "p99_us")
			}
		}
		print "pps: delivered datagrams/s, both directions; loss: 1 - delivered/sent."
		print "srv_cpu: server CPU time in its turns (all threads); lg_cpu: the load generator'"'"'s (near the run"
		print "time: the load generator may be the limit); busy: non-idle share of the server CPU."
	}
	BEGIN { srv[1] = "ternd"; srv[2] = "coturn"; srv[3] = "forward" }' "$work/results"
}

mode_relay() {
	duration=4 rounds=3 build=0 allocs=1,100,1000 sizes=160,1200 rtt_rate=5000 rtt_secs=4
	window=256 rtt_halt=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) duration=${2:?}; shift 2 ;;
		--rounds) rounds=${2:?}; shift 2 ;;
		--allocs) allocs=${2:?}; shift 2 ;;
		--sizes) sizes=${2:?}; shift 2 ;;
		--rtt-rate) rtt_rate=${2:?}; shift 2 ;;
		--rtt-secs) rtt_secs=${2:?}; shift 2 ;;
		--window) window=${2:?}; shift 2 ;;
		--rtt-halt) rtt_halt=1; shift ;;
		--build) build=1; shift ;;
		-h | --help)
			cat <<EOT
usage: scripts/bench.sh relay [options]
  --duration S   measured seconds per server, payload size and run, 1-60 (default 4),
                 in turns of 250 ms taken by the servers in rotation (+0.5 s warm-up)
  --rounds N     rounds, each measuring every server once; medians reported (default 3)
  --allocs LIST  allocation counts, comma-separated, each <= 5000 (default 1,100,1000)
  --sizes LIST   payload sizes in bytes (default 160,1200); round trip uses the first
  --rtt-rate N   packets/s of the round-trip phase, evenly spaced; 0 = none (default 5000)
  --rtt-secs S   round-trip phase length per server, in turns of 20 ms (default 4)
  --rtt-halt     let idle CPUs halt during the round-trip phase (by default both are kept
                 polling, as with idle=poll: in a VM the wake-up of a halted vCPU adds
                 milliseconds to ~1% of round trips, the host's latency, not the server's)
  --window N     datagrams in flight per direction, all allocations together (default 256)
  --build        run scripts/build.sh release first if no ternd binary exists
EOT
			exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$duration$rounds${allocs//,/}" in *[!0-9]*) die "--duration, --rounds, --allocs take whole numbers" ;; esac
	[ "$duration" -ge 1 ] && [ "$duration" -le 60 ] || die "--duration must be 1-60"
	[ "$rounds" -ge 1 ] && [ "$rounds" -le 10 ] || die "--rounds must be 1-10"
	for n in ${allocs//,/ }; do
		[ "$n" -ge 1 ] && [ "$n" -le 5000 ] || die "--allocs: each 1-5000"
	done
	case "$rtt_secs" in '' | *[!0-9.]*) die "--rtt-secs takes a number of seconds" ;; esac
	poll=()
	[ "$rtt_halt" = 1 ] || [ "$(nproc)" -lt 2 ] || poll=(--poll-idle "$server_cpu,$loadgen_cpu")
	turn_setup
	for r in $(seq "$rounds"); do
		note "round $r/$rounds"
		relay_round
	done
	report_relay
}

# ---- alloc ----

alloc_server() {
	run_turnload "$1" --mode alloc --port "$2" --sessions "$sessions" --duration "$duration"
}

report_alloc() {
	[ -s "$work/results" ] || die "no server could be measured"
	awk -v dur="$duration" -v rounds="$rounds" -v s="$sessions" "$turn_awk_lib"'
	{ load($1) }
	END {
		printf "\nTURN allocation cycles (Allocate, 401, Allocate with credentials, Refresh 0) "
		printf "over loopback,\n%d clients in flight, %s s per run, median of %d round(s)\n", s, dur, rounds
		printf "%-11s %9s %9s %13s %12s %7s %9s %8s %6s %8s %8s\n", "server", "cycles/s",
			"srv_cpu", "cycles/cpu_s", "us/cycle", "errors", "timeouts", "lg_cpu", "busy",
			"p50_us", "p99_us"
		for (i = 1; i <= nk; i++) {
			k = keys[i]
			printf "%-11s %9.0f %9.2f %13.0f %12.1f %7d %9d %8.2f %6.2f %8.0f %8.0f\n", k,
				median(k, "cps"), median(k, "server_cpu"), median(k, "cycles_per_cpu_s"),
				median(k, "us_per_cycle"), median(k, "errors"), median(k, "timeouts"),
				median(k, "loadgen_cpu"), median(k, "core_busy"), median(k, "alloc_p50_us"),
				median(k, "alloc_p99_us")
		}
		if ("ternd-fleet" in cnt) {
			a = ratio("ternd-fleet", "ternd-local", "cycles_per_cpu_s")
			printf "\nfleet quota on/off: cycles/cpu_s %s (target >= 0.80: %s)  cycles/s %s\n",
				a, verdict(a, ">=", 0.8), ratio("ternd-fleet", "ternd-local", "cps")
			printf "p99 allocation time (authenticated Allocate to its success): %.0f us with, " \
				"%.0f us without\n", median("ternd-fleet", "alloc_p99_us"),
				median("ternd-local", "alloc_p99_us")
			print "Both: a Redis user, user-quota 1000000 (never refused); ternd-fleet runs the"
			print "fleet count (one Lua script in Redis) on every Allocate, ternd-local not."
		} else {
			a = ratio("ternd", "coturn", "cycles_per_cpu_s")
			printf "\nternd/coturn: cycles/cpu_s %s (target >= 3.00: %s)  cycles/s %s\n", a,
				verdict(a, ">=", 3), ratio("ternd", "coturn", "cps")
		}
		print "Each cycle comes from a new client source port, as a new client would."
		print "p50_us, p99_us: authenticated Allocate to its success response."
	}' "$work/results"
}

mode_alloc() {
	duration=5 rounds=3 build=0 sessions=64 fleet=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) duration=${2:?}; shift 2 ;;
		--rounds) rounds=${2:?}; shift 2 ;;
		--sessions) sessions=${2:?}; shift 2 ;;
		--fleet) fleet=1; shift ;;
		--build) build=1; shift ;;
		-h | --help)
			cat <<EOT
usage: scripts/bench.sh alloc [options]
  --duration S   measured seconds per server and round, 1-60 (default 5; +0.5 s warm-up)
  --rounds N     rounds, each measuring every server once; medians reported (default 3)
  --sessions N   clients cycling at once, each its own source port (default 64)
  --fleet        fleet quotas instead of coturn: ternd with a private redis-server and
                 the user in Redis, --fleet-quota=false (ternd-local) and true
                 (ternd-fleet), user-quota 1000000; target: cycles/cpu_s with >= 0.80
                 of without
  --build        run scripts/build.sh release first if no ternd binary exists
EOT
			exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$duration$rounds$sessions" in *[!0-9]*) die "options take whole numbers" ;; esac
	[ "$duration" -ge 1 ] && [ "$duration" -le 60 ] || die "--duration must be 1-60"
	[ "$rounds" -ge 1 ] && [ "$rounds" -le 10 ] || die "--rounds must be 1-10"
	[ "$sessions" -ge 1 ] && [ "$sessions" -le 4096 ] || die "--sessions must be 1-4096"
	turn_setup
	if [ "$fleet" = 1 ]; then
		[ -n "$ternd_bin" ] || die "ternd not found: nothing to measure"
		start_bench_redis
		# The user bench:bench of realm bench, as coturn keeps it (hex MD5 key).
		redis-cli -p "$bench_redis_port" SET turn/realm/bench/user/bench/key \
			"$(printf %s bench:bench:bench | md5sum | cut -d' ' -f1)" >/dev/null
	fi
	for r in $(seq "$rounds"); do
		note "round $r/$rounds"
		if [ "$fleet" = 1 ]; then
			turn_server_run ternd-local alloc_server
			turn_server_run ternd-fleet alloc_server
		else
			turn_server_run ternd alloc_server
			turn_server_run coturn alloc_server
		fi
	done
	report_alloc
}

# ---- hold ----

hold_server() {
	run_turnload "$1" --mode hold --port "$2" --sessions "$hold_allocs" --cycles "$cycles"
}

report_hold() {
	[ -s "$work/results" ] || die "no server could be measured"
	awk -v n="$hold_allocs" -v cyc="$cycles" "$turn_awk_lib"'
	{ load($1) }
	END {
		printf "\nServer memory (VmRSS, KiB): %d allocate/free cycles from the settled base;\n", cyc
		printf "then %d allocations held at once, each from its own source port; then all freed\n", n
		printf "%-7s %7s %10s %10s %10s %10s %12s %12s %10s\n", "server", "held", "base",
			"held_rss", "B/alloc", "released", "after_cyc", "cyc_growth", "vs_base"
		for (i = 1; i <= nk; i++) {
			k = keys[i]
			printf "%-7s %7d %10d %10d %10.0f %10d %12d %12d %10d\n", k, median(k, "held"),
				median(k, "rss_base_kb"), median(k, "rss_held_kb"), median(k, "bytes_per_alloc"),
				median(k, "rss_released_kb"), median(k, "rss_after_cycles_kb"),
				median(k, "cycles_growth_kb"), median(k, "vs_base_kb")
		}
		if ("ternd" in cnt) {
			b = median("ternd", "bytes_per_alloc"); g = median("ternd", "vs_base_kb")
			printf "\nternd: bytes per held allocation %.0f (target <= 2048: %s)\n", b,
				b <= 2048 ? "met" : "NOT met"
			printf "ternd: RSS after the cycles vs base %+d KiB (target: back to base within 1024 KiB: %s)\n",
				g, g <= 1024 ? "met" : "NOT met"
		} else
			print "\nternd: not measured; targets n/a"
		print "B/alloc = (held_rss - after_cyc) / held: user-space memory only (kernel socket"
		print "memory is not in VmRSS). cyc_growth = vs_base = after_cyc - base; released is"
		print "what stays resident after the burst (the allocator keeps freed pages)."
	}' "$work/results"
}

mode_hold() {
	hold_allocs=10000 cycles=20000 build=0 rounds=1 duration=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--allocs) hold_allocs=${2:?}; shift 2 ;;
		--cycles) cycles=${2:?}; shift 2 ;;
		--build) build=1; shift ;;
		-h | --help)
			cat <<EOT
usage: scripts/bench.sh hold [options]
  --allocs N     allocations held at once, 100-15000 (default 10000; needs ulimit -n > 2N)
  --cycles N     allocate/free cycles afterwards (default 20000)
  --build        run scripts/build.sh release first if no ternd binary exists
EOT
			exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$hold_allocs$cycles" in *[!0-9]*) die "options take whole numbers" ;; esac
	[ "$hold_allocs" -ge 100 ] && [ "$hold_allocs" -le 15000 ] || die "--allocs must be 100-15000"
	[ "$cycles" -ge 1 ] && [ "$cycles" -le 200000 ] || die "--cycles must be 1-200000"
	turn_setup
	[ "$(ulimit -n)" -gt $((hold_allocs + 100)) ] ||
		die "ulimit -n $(ulimit -n) is too low for $hold_allocs sockets"
	turn_server_run ternd hold_server
	turn_server_run coturn hold_server
	report_hold
}

# ---- soak ----

# soak_val KEY KEY=VALUE... — the value of KEY among the rest.
soak_val() {
	local k=$1 kv
	shift
	for kv in "$@"; do
		case "$kv" in "$k="*) echo "${kv#*=}"; return 0 ;; esac
	done
}

# One line per sample on stdout as it comes; key=value lines on stderr as in the other
# modes ("bench: ternd: phase=..."); the summary with the targets at the end.
soak_report_line() {
	local line=$1 f
	echo "bench: ternd: $line" >&2
	read -r -a f <<<"$line"
	case "${f[0]}" in
	phase=soak_sample)
		printf '%6ss  rss %6s KiB (anon %6s)  fds %5s  relayers %3s  cycles %7s  abandoned %6s  refreshes %5s  relayed %8s/%-8s errors %s\n' \
			"$(soak_val t_s "${f[@]}")" "$(soak_val rss_kb "${f[@]}")" \
			"$(soak_val rss_anon_kb "${f[@]}")" \
			"$(soak_val fds "${f[@]}")" "$(soak_val relayers_live "${f[@]}")" \
			"$(soak_val cycles "${f[@]}")" "$(soak_val abandoned "${f[@]}")" \
			"$(soak_val keeps "${f[@]}")" "$(soak_val delivered "${f[@]}")" \
			"$(soak_val sent "${f[@]}")" "$(soak_val errors "${f[@]}")" ;;
	phase=soak)
		echo "$line" >"$work/soak.result" ;;
	esac
}

report_soak() {
	[ -s "$work/soak.result" ] || die "the soak did not finish (see above)"
	tr ' ' '\n' <"$work/soak.result" |
		awk -F= -v refresh="$refresh" -v abandon="$abandon" -v lifetime="$lifetime" '{ v[$1] = $2 }
	END {
		printf "\nSoak of %d s: %d relayers (%d datagrams/s each way, refreshes every %d s), ", v["secs"],
			v["relayers"], v["rate"], refresh
		printf "%d allocation cycles/s\n(%d%% left to expire; lifetime %d s); warm-up %d s\n",
			v["churn_rate"], abandon, lifetime, v["warmup_s"]
		printf "RSS KiB: before %d, after the warm-up %d, at the end %d (max after the warm-up %d), ",
			v["rss_base_kb"], v["rss_warm_kb"], v["rss_end_kb"], v["rss_max_kb"]
		printf "after the load %d\n", v["rss_released_kb"]
		g = v["rss_growth_pct"] + 0
		printf "ternd: RSS growth after the warm-up %+.2f%% (target < 1%%: %s)\n", g,
			g < 1 ? "met" : "NOT met"
		printf "       of which anonymous memory (heap, stacks: RssAnon) %d -> %d KiB, %+.2f%%\n",
			v["rss_anon_warm_kb"], v["rss_anon_end_kb"], v["rss_anon_growth_pct"]
		printf "ternd: descriptors %d before, %d at most, %d after the load (target: back to the ",
			v["fds_base"], v["fds_max"], v["fds_end"]
		printf "baseline: %s)\n", v["fds_back"] == 1 ? "met" : "NOT met"
		printf "cycles %d (abandoned %d), refreshes %d, relayers restarted %d, relayed %d of %d ",
			v["cycles"], v["abandoned"], v["keeps"], v["restarts"], v["delivered"], v["sent"]
		printf "(loss %.3f%%), errors %d (last code %d), retransmissions %d\n", v["loss_pct"],
			v["errors"], v["last_code"], v["timeouts"]
	}'
}

mode_soak() {
	local seconds=600 interval=30 warmup=60 relayers=64 rate=2000 churn_rate=100 abandon=10
	local port rc=0 line
	refresh=20 lifetime=60 build=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--seconds) seconds=${2:?}; shift 2 ;;
		--interval) interval=${2:?}; shift 2 ;;
		--warmup) warmup=${2:?}; shift 2 ;;
		--relayers) relayers=${2:?}; shift 2 ;;
		--rate) rate=${2:?}; shift 2 ;;
		--churn-rate) churn_rate=${2:?}; shift 2 ;;
		--abandon-pct) abandon=${2:?}; shift 2 ;;
		--build) build=1; shift ;;
		-h | --help)
			cat <<EOT
usage: scripts/bench.sh soak [options]
  --seconds N      length of the load, 10-7200 (default 600)
  --interval S     a sample of ternd's VmRSS and descriptors every S seconds (default 30)
  --warmup S       RSS growth is measured from the end of the warm-up (default 60, at
                   most a third of --seconds)
  --relayers N     allocations relaying all along, 1-4096 (default 64); each refreshes
                   every 20 s: CreatePermission (its peer, every fifth time also a new
                   address, left to expire), ChannelBind again, Refresh
  --rate N         relayed datagrams/s each way, all relayers together (default 2000)
  --churn-rate N   allocation cycles per second: Allocate, CreatePermission (six
                   addresses), ChannelBind, Refresh 0 (default 100)
  --abandon-pct N  of those, left to expire instead of freed (default 10); ternd runs with
                   --max-allocate-lifetime 60, so the descriptors come back within 60 s of
                   the end of the load
  --build          run scripts/build.sh release first if no ternd binary exists
Targets: RSS growth after the warm-up < 1%; descriptors back to the baseline after the load.
EOT
			exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$seconds$interval$warmup$relayers$rate$churn_rate$abandon" in
	*[!0-9]*) die "options take whole numbers" ;;
	esac
	[ "$seconds" -ge 10 ] && [ "$seconds" -le 7200 ] || die "--seconds must be 10-7200"
	[ "$interval" -ge 1 ] || die "--interval must be at least 1"
	[ "$relayers" -ge 1 ] && [ "$relayers" -le 4096 ] || die "--relayers must be 1-4096"
	[ "$abandon" -le 100 ] || die "--abandon-pct must be 0-100"
	[ $((warmup * 3)) -le "$seconds" ] || warmup=$((seconds / 3))
	turn_setup
	[ -n "$ternd_bin" ] || die "ternd not found: nothing to soak"
	port=$(pick_port)
	turn_cmd ternd "$port"
	cmd+=(--max-allocate-lifetime "$lifetime")
	start_server "$port" "" "${cmd[@]}" || die "ternd did not answer Binding on 127.0.0.1:$port"
	note "soak: ${seconds} s against ternd (pid $server_pid, port $port), a sample every ${interval} s"
	pin_prefix "$loadgen_cpu"
	: >"$work/soak.result"
	timeout $((seconds + lifetime + 240)) "${pin[@]}" "$work/turnload" --mode soak \
		--port "$port" --pid "$server_pid" --duration "$seconds" --interval "$interval" \
		--soak-warmup "$warmup" --sessions "$relayers" --rate "$rate" \
		--churn-rate "$churn_rate" --abandon-pct "$abandon" --refresh "$refresh" \
		--lifetime "$lifetime" --drain $((lifetime + 30)) 2>"$work/turnload.err" |
		while read -r line; do soak_report_line "$line"; done || rc=$?
	[ -s "$work/turnload.err" ] && sed 's/^/bench: /' "$work/turnload.err" >&2
	kill -0 "$server_pid" 2>/dev/null || die "ternd died during the soak: $(tail -n 5 "$work/server.log")"
	stop_server
	report_soak
	return "$rc"
}

# shellcheck source=scripts/bench-tls.sh
. "$top/scripts/bench-tls.sh"
# shellcheck source=scripts/bench-metrics.sh
. "$top/scripts/bench-metrics.sh"
# shellcheck source=scripts/bench-xdp.sh
. "$top/scripts/bench-xdp.sh"

case "${1:-}" in
binding) shift; mode_binding "$@" ;;
relay) shift; mode_relay "$@" ;;
alloc) shift; mode_alloc "$@" ;;
hold) shift; mode_hold "$@" ;;
soak) shift; mode_soak "$@" ;;
tls) shift; mode_tls "$@" ;;
metrics) shift; mode_metrics "$@" ;;
xdp) shift; mode_xdp "$@" ;;
-h | --help) usage ;;
*) usage >&2; exit 2 ;;
esac

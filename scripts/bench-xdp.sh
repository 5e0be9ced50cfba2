# The xdp mode of scripts/bench.sh (sourced by it; uses its helpers): UDP relaying through
# ternd with its XDP fast path, ternd without it, and coturn, over veth pairs between three
# network namespaces, one server after another with the same load.
#
# Topology (made here, removed on exit; names carry a per-run tag):
#
#   client ns: c<tag> 10.201.1.2 ==veth== s<tag> 10.201.1.1  server ns
#   server ns: r<tag> 10.201.2.1 ==veth== p<tag> 10.201.2.2  peer ns
#
# Forwarding is on inside the server ns only (bpf_fib_lookup answers only then); the client
# and the peer ns have no route to each other. The servers listen on 10.201.1.1 and relay
# from 10.201.2.1; the peer is 10.201.2.2. Every veth end has one queue pair, GRO on and TSO
# off (then veth receives every datagram in NAPI, not in the sender's netif_rx, and a frame
# the program redirects into a veth finds the NAPI it needs on the far end); the client's
# and the peer's ends also checksum in software (tx off), so their datagrams carry a full
# UDP checksum as frames from a wire do (with veth's checksum offload they hold only the
# pseudo-header's, which the program would update into a wrong one); and threaded
# NAPI (/sys/class/net/IF/threaded = 1, written inside each ns): the NAPI threads of the
# server's two ends (napi/s<tag>-*, napi/r<tag>-*) are pinned to $BENCH_SERVER_CPU with the
# server, those of the client's and the peer's ends to $BENCH_LOADGEN_CPU with the load
# generator. So the server's CPU runs the server, its receive path (the XDP program, or the
# stack up to the socket) and its send path, and nothing of the client's or the peer's.
#
# Servers, one relay thread each: ternd --xdp-interfaces s<tag>,r<tag> --xdp-mode native
# ("xdp"; --generic for generic mode; the table names the mode ternd logged), the same ternd without
# xdp-interfaces ("user"), coturn --relay-threads 1 ("coturn"); same users, realm, relay ports
# and peer allowed (--allowed-peer-ip 10.201.2.2) as the other TURN modes.
#
# Load: tests/bench/turnload --mode relay in the client ns; its peer sockets are opened in
# the peer ns (--peer-netns), so one process on the load generator's CPU is both ends:
# ChannelData both ways (client -> server -> peer and peer -> server -> client, as much each
# way), closed loop; 1/100/1000 allocations, 160 and 1200 byte payloads.
#
# CPU: the figure is relayed packets per CPU-second of the server's core including softirq
# and the NAPI threads: delivered datagrams / busy seconds of $BENCH_SERVER_CPU in the
# measured turns, busy = every /proc/stat column but idle and iowait (user, nice, system,
# irq, softirq, steal), whoever ran there. On a machine shared with other work that counts
# theirs too, so a second figure is printed beside it: the server process's CPU time plus
# its NAPI threads' (schedstat; without IRQ time accounting the softirq work that ran in
# their context is in it), and a warning when the core's busy time exceeded that by more than
# 30%. Ratios are medians of per-round ratios; the servers run one after
# another in each round (their order rotating), never side by side: an XDP program on the
# veths would tax the other servers' packets.
#
# Latency: a round-trip phase per allocation count at --rtt-rate evenly spaced datagrams/s
# (client -> server -> peer -> echo -> server -> client, 160 bytes). Unlike the relay mode,
# no SCHED_IDLE pollers keep the CPUs out of the idle halt: with them the threaded NAPI
# kthreads were starved here (round trips of a second). The veth hops are the same for every
# server, so the p99 differences between the rows are what each server adds; on a machine
# busy with other work the scheduler's wake-up delays (a tick and more) dominate them.
#
# Ends with two lines, "xdp/user: R" and "xdp/coturn: R": packets per busy CPU-second, 160
# bytes, 100 allocations (or the --allocs count nearest 100), medians of per-round ratios.
# On veth, "native" XDP starts from the sender's socket buffers (veth turns each into an XDP
# buffer, copying it when it lacks XDP's headroom) and the far end builds a socket buffer
# again: a NIC driver's XDP costs less per packet than this measures.
# Needs root, ip, ethtool, and a ternd built with the fast path (scripts/build.sh release
# finds clang, libbpf-dev and bpftool); bpftool (optional) gives the share the program
# forwarded.

xdp_tag=
xdp_ns=()
xdp_c_ip=10.201.1.2 xdp_s_ip=10.201.1.1 xdp_r_ip=10.201.2.1 xdp_p_ip=10.201.2.2

# xdp_in NS CMD... — CMD inside network namespace NS.
xdp_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

xdp_cleanup() {
	local ns
	for ns in "${xdp_ns[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	xdp_ns=()
}

# xdp_if_setup NS IF [FEATURES...] — GRO on, TSO off, FEATURES, threaded NAPI.
xdp_if_setup() {
	local ns=$1 ifn=$2
	shift 2
	xdp_in "$ns" ethtool -K "$ifn" gro on tso off "$@" >/dev/null 2>&1 ||
		die "ethtool -K $ifn gro on tso off $* failed in $ns"
	xdp_in "$ns" sh -c "echo 1 >/sys/class/net/$ifn/threaded" ||
		die "threaded NAPI refused on $ifn"
}

xdp_topology() {
	local c s p i
	command -v ip >/dev/null || die "ip (iproute2) not found"
	command -v ethtool >/dev/null || die "ethtool not found (apt-get install ethtool)"
	[ "$(id -u)" = 0 ] || die "the xdp mode needs root (namespaces, XDP)"
	xdp_tag=$(printf %04x $((($$ ^ RANDOM) & 0xffff)))
	c=tbx$xdp_tag-c s=tbx$xdp_tag-s p=tbx$xdp_tag-p
	for i in "$c" "$s" "$p"; do
		ip netns add "$i" || die "ip netns add $i failed"
		xdp_ns+=("$i")
		ip -n "$i" link set lo up
	done
	ip link add "s$xdp_tag" numtxqueues 1 numrxqueues 1 netns "$s" type veth peer name \
		"c$xdp_tag" numtxqueues 1 numrxqueues 1 netns "$c" || die "veth client-server failed"
	ip link add "r$xdp_tag" numtxqueues 1 numrxqueues 1 netns "$s" type veth peer name \
		"p$xdp_tag" numtxqueues 1 numrxqueues 1 netns "$p" || die "veth server-peer failed"
	ip -n "$c" addr add "$xdp_c_ip/24" dev "c$xdp_tag"
	ip -n "$s" addr add "$xdp_s_ip/24" dev "s$xdp_tag"
	ip -n "$s" addr add "$xdp_r_ip/24" dev "r$xdp_tag"
	ip -n "$p" addr add "$xdp_p_ip/24" dev "p$xdp_tag"
	xdp_in "$s" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.forwarding=1 ||
		die "forwarding could not be turned on in $s"
	for i in "$c:c" "$s:s" "$s:r" "$p:p"; do
		ip -n "${i%%:*}" link set "${i#*:}$xdp_tag" up
	done
	# NAPI exists once both ends are up and GRO is on; only then can it be threaded.
	xdp_if_setup "$c" "c$xdp_tag" tx off
	xdp_if_setup "$s" "s$xdp_tag"
	xdp_if_setup "$s" "r$xdp_tag"
	xdp_if_setup "$p" "p$xdp_tag" tx off
	xdp_napi_pin
}

# xdp_napi_pids IF — pids of the NAPI threads of interface IF (kthreads napi/IF-<id>).
xdp_napi_pids() {
	ps -e -o pid=,comm= | awk -v pre="napi/$1-" 'index($2, pre) == 1 { print $1 }'
}

# Pins the NAPI threads (the server's ends to the server CPU, the others to the loadgen's)
# and sets xdp_napi_server to the server ends' thread pids, comma-separated. Called before
# every run: attaching or detaching a program may remake them.
xdp_napi_pin() {
	local i pids pid cpu
	xdp_napi_server=
	for i in c s r p; do
		pids=$(xdp_napi_pids "$i$xdp_tag")
		[ -n "$pids" ] || die "no NAPI thread for $i$xdp_tag (threaded NAPI not available?)"
		case "$i" in s | r) cpu=$server_cpu ;; *) cpu=$loadgen_cpu ;; esac
		for pid in $pids; do
			[ "$(nproc)" -lt 2 ] || taskset -pc "$cpu" "$pid" >/dev/null ||
				die "cannot pin NAPI thread $pid"
			[ "$cpu" != "$server_cpu" ] || xdp_napi_server+=${xdp_napi_server:+,}$pid
		done
	done
}

# xdp_cmd NAME PORT LOG — sets cmd to the command line of server NAME (xdp, user, coturn).
xdp_cmd() {
	local name=$1 port=$2 log=$3 d=$work/coturn
	case "$name" in
	xdp | user)
		cmd=("$ternd_bin" --listening-ip "$xdp_s_ip" --listening-port "$port"
			--relay-ip "$xdp_r_ip" --relay-threads 1 --log-file "$log" --user bench:bench
			--realm bench --allowed-peer-ip "$xdp_p_ip"
			--min-port "${relay_ports%-*}" --max-port "${relay_ports#*-}")
		[[ $("$ternd_bin" --help 2>&1) == *--unauth-rate* ]] && cmd+=(--unauth-rate 0)
		[ "$name" = user ] ||
			cmd+=(--xdp-interfaces "s$xdp_tag" --xdp-interfaces "r$xdp_tag"
				--xdp-mode "$xdp_mode") ;;
	coturn)
		mkdir -p "$d"
		: >"$d/turnserver.conf"
		cmd=("$coturn_bin" -c "$d/turnserver.conf" --userdb "$d/turndb"
			--pidfile "$d/turnserver.pid" --no-cli -L "$xdp_s_ip" -p "$port"
			-E "$xdp_r_ip" --relay-threads 1 --lt-cred-mech --user=bench:bench
			--realm=bench --allowed-peer-ip "$xdp_p_ip" --no-tls --no-dtls
			--min-port "${relay_ports%-*}" --max-port "${relay_ports#*-}"
			--total-quota 0 --user-quota 0 --max-allocate-lifetime 3600
			--log-file "$log" --simple-log) ;;
	esac
}

# xdp_start NAME — start server NAME in the server ns pinned to the server CPU; sets port
# and server_pid. Non-zero (with a note) if it does not listen within 5 s, or, for xdp, if
# the program did not attach to both veths.
xdp_start() {
	local name=$1 log=$work/$1.log s=tbx$xdp_tag-s mode
	port=$(pick_port)
	: >"$log"
	xdp_cmd "$name" "$port" "$log"
	pin_prefix "$server_cpu"
	"${pin[@]}" ip netns exec "$s" "${cmd[@]}" >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 25); do
		kill -0 "$server_pid" 2>/dev/null || break
		[ -z "$(xdp_in "$s" ss -Hlun "sport = :$port" 2>/dev/null)" ] || break
		sleep 0.2
	done
	if [ -z "$(xdp_in "$s" ss -Hlun "sport = :$port" 2>/dev/null)" ]; then
		note "$name: not listening on $xdp_s_ip:$port; skipped"
		tail -n 5 "$log" "$work/server.log" 2>/dev/null | sed "s/^/  $name: /" >&2
		stop_server
		return 1
	fi
	[ "$name" = xdp ] || return 0
	for _ in $(seq 25); do
		[ "$(grep -c "xdp attach" "$log")" -lt 2 ] || break
		sleep 0.2
	done
	mode=$(grep -o "xdp attached ifname=s$xdp_tag mode=[a-z]*" "$log" | sed 's/.*mode=//')
	if [ -z "$mode" ] || ! grep -q "xdp attached ifname=r$xdp_tag" "$log"; then
		note "xdp: ternd did not attach its program to s$xdp_tag and r$xdp_tag; skipped"
		grep -i xdp "$log" | tail -n 5 | sed 's/^/  xdp: /' >&2
		stop_server
		return 1
	fi
	xdp_attached=$mode
}

# xdp_stats — "FORWARDED PASSED REASON:N,..." summed over CPUs from tern_stats of the running
# ternd (its own map: found through its descriptors); nothing without bpftool or for the
# other servers; non-zero if the map could not be read.
xdp_stats() {
	local fd id
	command -v bpftool >/dev/null || return 0
	[ "$name" = xdp ] || return 0
	for fd in /proc/"$server_pid"/fdinfo/*; do
		id=$(awk '/^map_id:/ { print $2 }' "$fd" 2>/dev/null)
		[ -n "$id" ] || continue
		# (Read whole: grep -q stopping early would break the pipe, a failure under pipefail.)
		[[ $(bpftool map show id "$id" 2>/dev/null) == *" name tern_stats "* ]] || continue
		bpftool -j map dump id "$id" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
fwd = passed = 0
why = {}
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    k = e["key"] if isinstance(e["key"], int) else int.from_bytes(bytes(int(b, 16) for b in e["key"]), "little")
    n = 0
    for v in e["values"]:
        x = v["value"]
        n += x if isinstance(x, int) else int.from_bytes(bytes(int(b, 16) for b in x), "little")
    if k == 0:
        fwd += n
    else:
        passed += n
        if n:
            why[k] = n
print(fwd, passed, ",".join("%d:%d" % kv for kv in sorted(why.items())))'
		return $?
	done
	return 1
}

# xdp_server_run NAME — start NAME, one turnload run per allocation count, stop it.
xdp_server_run() {
	local name=$1 n rc s0 s1 pids
	case "$name" in
	xdp | user) [ -n "$ternd_bin" ] || return 0 ;;
	coturn) [ -n "$coturn_bin" ] || return 0 ;;
	esac
	xdp_start "$name" || return 0
	for n in ${allocs//,/ }; do
		xdp_napi_pin
		pids=$server_pid${xdp_napi_server:+,}$xdp_napi_server
		s0=$([ "$name" != xdp ] || xdp_stats || xdp_stats || true)
		local nres
		nres=$(wc -l <"$work/results")
		rc=0
		tl_wrap=(ip netns exec "tbx$xdp_tag-c")
		run_turnload "$name" --mode relay --host "$xdp_s_ip" --client-ip "$xdp_c_ip" --sessions "$n" --sizes "$sizes" \
			--duration "$duration" --window "$window" --rtt-rate "$rtt_rate" \
			--rtt-secs "$rtt_secs" --target "$name:$port:$server_pid" \
			--cpu-pids "${xdp_napi_server}" --peer-netns "/var/run/netns/tbx$xdp_tag-p" \
			--peer-ip "$xdp_p_ip" || rc=$?
		tl_wrap=()
		[ "$rc" -ne 3 ] || note "$name: did not grant the allocations: $(cat "$work/turnload.err")"
		s1=$([ "$name" != xdp ] || xdp_stats || xdp_stats || true)
		[ -z "$s1" ] || note "$name: x$n: XDP program totals: forwarded, passed, pass reasons: $s1"
		if [ -n "$s0" ] && [ -n "$s1" ]; then
			s0=${s0% *} s1=${s1% *}
			sed -i "$((nres + 1)),\$ s/\$/ xdp_fwd=$((${s1% *} - ${s0% *})) xdp_pass=$((${s1#* } - ${s0#* }))/" \
				"$work/results"
		fi
	done
	stop_server
}

report_xdp() {
	[ -s "$work/results" ] || die "no server could be measured"
	awk -v dur="$duration" -v rounds="$rounds" -v win="$window" -v rate="$rtt_rate" \
		-v mode="${xdp_attached:-none}" -v tag="$xdp_tag" -v want="$ratio_allocs" \
		"$turn_awk_lib"'
	{
		split("", f)
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		cs = f["phase"] "|" f["allocs"] "|" f["size"]
		if (!(cs in seen)) { seen[cs] = 1; cases[++nc] = cs }
		load($1 "|" cs)
	}
	END {
		printf "\nUDP relay over veth (client ns -> server ns -> peer ns), ChannelData both ways, "
		printf "closed loop (%d in flight per direction);\nservers one after another, %s s ", win, dur
		printf "per size and allocation count, median of %d round(s); XDP mode: %s\n", rounds, mode
		printf "%6s %5s %-6s %9s %7s %8s %11s %8s %11s %7s %6s %6s\n", "allocs", "size",
			"server", "pps", "loss%", "busy_s", "pkts/busy_s", "srv_s", "pkts/srv_s",
			"kernel%", "lg_cpu", "busy"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "relay") continue
			for (s = 1; s <= 3; s++) {
				k = srv[s] "|" cases[c]
				if (!(k in cnt)) continue
				kp = "-"
				seen_x = median(k, "xdp_fwd") + median(k, "xdp_pass")
				if (seen_x > 0)
					kp = sprintf("%.1f", 100 * median(k, "xdp_fwd") / seen_x)
				printf "%6d %5d %-6s %9.0f %7.2f %8.2f %11.0f %8.2f %11.0f %7s %6.2f %6.2f\n",
					p[2], p[3], srv[s], median(k, "pps"), median(k, "loss_pct"),
					median(k, "busy_cpu_s"), median(k, "pkts_per_busy_s"),
					median(k, "server_cpu"), median(k, "pkts_per_cpu_s"), kp,
					median(k, "loadgen_cpu") / median(k, "secs"), median(k, "core_busy")
			}
		}
		printf "\nRound trip client -> server -> peer -> server -> client, %d packets/s evenly spaced;\n", rate
		printf "idle CPUs may halt (no SCHED_IDLE pollers: they starve the NAPI threads)\n"
		printf "%6s %5s %-6s %9s %9s %9s %9s %7s\n", "allocs", "size", "server", "p50_us",
			"p99_us", "p99.9_us", "max_us", "loss%"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "rtt") continue
			for (s = 1; s <= 3; s++) {
				k = srv[s] "|" cases[c]
				if (!(k in cnt)) continue
				printf "%6d %5d %-6s %9.1f %9.1f %9.1f %9.1f %7.2f\n", p[2], p[3], srv[s],
					median(k, "p50_us"), median(k, "p99_us"), median(k, "p999_us"),
					median(k, "max_us"), median(k, "loss_pct")
			}
		}
		print "\nRatios (median of per-round ratios); targets: xdp/user >= 3, xdp/coturn >= 6,"
		print "xdp p99 round trip <= user p99"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			x = "xdp|" cases[c]; u = "user|" cases[c]; co = "coturn|" cases[c]
			if (p[1] == "relay") {
				printf "allocs %4d size %4d  pkts/busy_s xdp/user %5s  xdp/coturn %5s", p[2], p[3],
					ratio(x, u, "pkts_per_busy_s"), ratio(x, co, "pkts_per_busy_s")
				printf "  (pkts/srv_s %s, %s)\n", ratio(x, u, "pkts_per_cpu_s"),
					ratio(x, co, "pkts_per_cpu_s")
			} else {
				a = ratio(x, u, "p99_us")
				printf "allocs %4d size %4d  rtt p99 xdp/user %5s (<= 1.00 %s)  xdp/coturn %s\n",
					p[2], p[3], a, verdict(a, "<=", 1), ratio(x, co, "p99_us")
			}
		}
		print "busy_s: the server CPU'"'"'s non-idle seconds in the measured turns (/proc/stat, softirq"
		print "and NAPI threads included, and whatever else ran there); srv_s: the server process"
		print "plus the NAPI threads of its two veths (schedstat); kernel%: share of the frames the"
		print "XDP program saw that it forwarded (the whole run of that allocation count: set-up,"
		print "both sizes, round trip); lg_cpu: the load generator'"'"'s share of its core; busy:"
		print "non-idle share of the server CPU (near 1: the server was the limit)."
		printf "veths: one queue pair each, GRO on, TSO off, threaded NAPI; the server-side "
		printf "NAPI threads on the server CPU.\n"
		k = "relay|" want "|160"
		printf "\nThe same %d allocations, 160 bytes, by the server process plus its NAPI threads ", want
		printf "(schedstat):\nxdp/user %s, xdp/coturn %s\n", ratio("xdp|" k, "user|" k, "pkts_per_cpu_s"),
			ratio("xdp|" k, "coturn|" k, "pkts_per_cpu_s")
		for (s = 1; s <= 3; s++)
			if ((srv[s] "|" k) in cnt && median(srv[s] "|" k, "busy_cpu_s") > \
			    1.3 * median(srv[s] "|" k, "server_cpu"))
				shared = shared " " srv[s]
		if (shared != "")
			printf "warning: the server CPU was busier than the server and its NAPI threads by " \
				"over 30%% (%s): other work ran there and the /proc/stat figures below " \
				"count it\n", substr(shared, 2)
		printf "Packets per busy CPU-second (/proc/stat), 160 bytes, %d allocations:\n", want
		printf "xdp/user: %s\n", ratio("xdp|" k, "user|" k, "pkts_per_busy_s")
		printf "xdp/coturn: %s\n", ratio("xdp|" k, "coturn|" k, "pkts_per_busy_s")
	}
	BEGIN { srv[1] = "xdp"; srv[2] = "user"; srv[3] = "coturn" }' "$work/results"
}

mode_xdp() {
	duration=4 rounds=3 build=0 allocs=1,100,1000 sizes=160,1200 rtt_rate=5000 rtt_secs=3
	window=256 xdp_mode=native servers=xdp,user,coturn
	local r n i order best d bd
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) duration=${2:?}; shift 2 ;;
		--rounds) rounds=${2:?}; shift 2 ;;
		--allocs) allocs=${2:?}; shift 2 ;;
		--sizes) sizes=${2:?}; shift 2 ;;
		--rtt-rate) rtt_rate=${2:?}; shift 2 ;;
		--rtt-secs) rtt_secs=${2:?}; shift 2 ;;
		--window) window=${2:?}; shift 2 ;;
		--servers) servers=${2:?}; shift 2 ;;
		--generic) xdp_mode=generic; shift ;;
		--build) build=1; shift ;;
		-h | --help)
			cat <<EOT
usage: scripts/bench.sh xdp [options]
  --duration S   measured seconds per server, payload size and allocation count, 1-60
                 (default 4), in turns of 250 ms (+0.5 s warm-up)
  --rounds N     rounds, each measuring every server once; medians reported (default 3)
  --allocs LIST  allocation counts, comma-separated, each <= 5000 (default 1,100,1000)
  --sizes LIST   payload sizes in bytes (default 160,1200); round trip uses the first
  --rtt-rate N   packets/s of the round-trip phase, evenly spaced; 0 = none (default 5000)
  --rtt-secs S   round-trip phase length per server and allocation count (default 3)
  --window N     datagrams in flight per direction, all allocations together (default 256)
  --servers LIST which of xdp, user, coturn to measure (default all three)
  --generic      attach the program in generic mode (default native)
  --build        run scripts/build.sh release first if no ternd binary exists
Needs root, ip and ethtool; ternd built with the XDP fast path (else only user and coturn).
EOT
			exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$duration$rounds${allocs//,/}$rtt_rate" in *[!0-9]*) die "options take whole numbers" ;; esac
	[ "$duration" -ge 1 ] && [ "$duration" -le 60 ] || die "--duration must be 1-60"
	[ "$rounds" -ge 1 ] && [ "$rounds" -le 10 ] || die "--rounds must be 1-10"
	best=
	for n in ${allocs//,/ }; do
		[ "$n" -ge 1 ] && [ "$n" -le 5000 ] || die "--allocs: each 1-5000"
		d=$((n > 100 ? n - 100 : 100 - n))
		[ -n "$best" ] && [ "$d" -ge "$bd" ] || { best=$n bd=$d; }
	done
	ratio_allocs=$best
	case ",$sizes," in *,160,*) ;; *) note "--sizes without 160: the two ratio lines will be n/a" ;; esac
	trap 'cleanup; xdp_cleanup' EXIT
	turn_setup
	xdp_topology
	note "namespaces tbx$xdp_tag-{c,s,p}; veths c$xdp_tag-s$xdp_tag, r$xdp_tag-p$xdp_tag"
	read -r -a order <<<"${servers//,/ }"
	for i in "${order[@]}"; do
		case "$i" in xdp | user | coturn) ;; *) die "--servers: xdp, user, coturn" ;; esac
	done
	for r in $(seq "$rounds"); do
		note "round $r/$rounds"
		for i in "${!order[@]}"; do
			xdp_server_run "${order[$(((i + r - 1) % ${#order[@]}))]}"
		done
	done
	report_xdp
}

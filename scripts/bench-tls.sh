# The tls mode of scripts/bench.sh (sourced by it; uses its helpers): TURN over
# TLS-over-TCP, ternd against coturn, three figures.
#
#   1. relay: --allocs TLS connections, each with an allocation and a channel to one of the
#      load generator's UDP peers, relay ChannelData both ways (over TLS to the server, UDP to
#      the peer and back); delivered datagrams per server CPU-second.
#   2. alloc: --sessions clients in flight, each session TCP connect + full TLS handshake
#      (no resumption: the client keeps no session) + Allocate, 401, Allocate + Refresh
#      LIFETIME 0 + close; sessions per server CPU-second; for each certificate (--keys) and
#      each TLS version offered (--versions). 2b: the same with the first key, each session
#      resuming an earlier one with a ticket (information; --no-resume leaves it out).
#   3. hold: on a freshly started server, the settled VmRSS after a few sessions (idle), then
#      with --hold TLS allocations held; (held - idle) / N.
#
# Equivalent settings, the same for both servers: one relay thread pinned to
# $BENCH_SERVER_CPU, the same certificate and key (made here with openssl: EC P-256, and an
# RSA 2048 line), TLS listener on its own port, plain UDP and TCP listeners as usual, no DTLS
# (ternd's default; coturn --no-dtls), the servers' default cipher lists, the same users,
# realm, relay port range and quotas as the other TURN modes (turn_cmd in bench.sh). ternd runs
# with --max-tcp-per-ip 0: every client comes from 127.0.0.1, and coturn has no per-source
# connection limit. coturn 4.6.1 (Debian's) speaks TLS up to 1.2, so the figures the targets
# apply to are taken with the client offering TLS 1.2 only ("offer 1.2", the first of
# --versions); "offer 1.3" lines let each server pick (ternd 1.3, coturn 1.2) and are there for
# information. Clients do not verify the certificate chain (the handshake still checks the
# server's signature), send no SNI and no ALPN, and ask for no session ticket.

# tls_certs — $work/tls/{ec,rsa}.{pem,key}: self-signed, CN and SAN turn.test and 127.0.0.1.
tls_certs() {
	local d=$work/tls k
	mkdir -p "$d"
	for k in ${tls_keys//,/ }; do
		case "$k" in
		ec) set -- -newkey ec -pkeyopt ec_paramgen_curve:P-256 ;;
		rsa) set -- -newkey rsa:2048 ;;
		*) die "--keys: ec or rsa" ;;
		esac
		openssl req -x509 "$@" -nodes -keyout "$d/$k.key" -out "$d/$k.pem" -days 7 \
			-subj /CN=turn.test -addext "subjectAltName=DNS:turn.test,IP:127.0.0.1" \
			>/dev/null 2>&1 || die "openssl could not make the $k test certificate"
	done
}

# tls_start NAME KEY — start server NAME with certificate KEY; sets port and tls_port.
tls_start() {
	local name=$1 key=$2 i
	port=$(pick_port)
	tls_port=$(pick_port)
	turn_cmd "$name" "$port"
	if [ "$name" = ternd ]; then
		cmd+=(--cert "$work/tls/$key.pem" --pkey "$work/tls/$key.key"
			--tls-listening-port "$tls_port" --max-tcp-per-ip 0)
	else
		local c=() a
		for a in "${cmd[@]}"; do [ "$a" = --no-tls ] || c+=("$a"); done
		cmd=("${c[@]}" --cert "$work/tls/$key.pem" --pkey "$work/tls/$key.key"
			--tls-listening-port "$tls_port")
	fi
	if ! start_server "$port" "" "${cmd[@]}"; then
		note "$name: did not answer Binding on 127.0.0.1:$port; skipped"
		tail -n 5 "$work/server.log" | sed "s/^/  $name: /" >&2
		return 1
	fi
	for i in $(seq 25); do
		[ -z "$(ss -Hltn "sport = :$tls_port" 2>/dev/null)" ] || return 0
		sleep 0.2
	done
	note "$name: no TLS listener on 127.0.0.1:$tls_port; skipped"
	stop_server
	return 1
}

# tls_load NAME TAGS ARGS... — run_turnload with TAGS ("key=ec offer=1.2") added to the
# result lines it appends.
tls_load() {
	local name=$1 tags=$2 n rc=0
	shift 2
	n=$(wc -l <"$work/results")
	run_turnload "$name" --port "$tls_port" "$@" || rc=$?
	sed -i "$((n + 1)),\$ s/\$/ $tags/" "$work/results"
	return "$rc"
}

# offer_args VERSION — turnload's option for the TLS versions offered.
offer_args() {
	[ "$1" = 1.2 ] && echo --tls12
	return 0
}

# tls_server_run NAME KEY ROUND — one server, one certificate: in round 1 with the first key
# the hold (fresh server), then the relay (first key only) and the allocation cycles.
tls_server_run() {
	local name=$1 key=$2 round=$3 first_key=${tls_keys%%,*} first_ver=${tls_versions%%,*} v
	local rc=0
	case "$name" in
	ternd) [ -n "$ternd_bin" ] || return 0 ;;
	coturn) [ -n "$coturn_bin" ] || return 0 ;;
	esac
	if ! tls_start "$name" "$key"; then
		[ "$name" = ternd ] && ternd_bin=
		[ "$name" = coturn ] && coturn_bin=
		return 0
	fi
	if [ "$key" = "$first_key" ]; then
		if [ "$round" = 1 ]; then
			tls_load "$name" "key=$key offer=$first_ver" --mode tls-hold \
				--sessions "$hold_allocs" $(offer_args "$first_ver") || rc=$?
		fi
		[ "$rc" -eq 3 ] || tls_load "$name" "key=$key offer=$first_ver" --mode tls-relay \
			--sessions "$allocs" --sizes "$sizes" --duration "$duration" \
			$(offer_args "$first_ver") || rc=$?
	fi
	for v in ${tls_versions//,/ }; do
		[ "$rc" -eq 3 ] && break
		tls_load "$name" "key=$key offer=$v" --mode tls-alloc --sessions "$sessions" \
			--duration "$duration" $(offer_args "$v") || rc=$?
	done
	for v in ${tls_versions//,/ }; do
		[ "$rc" -ne 3 ] && [ "$resume" = 1 ] && [ "$key" = "$first_key" ] || break
		tls_load "$name" "key=$key offer=$v resume=1" --mode tls-alloc --tls-resume \
			--sessions "$sessions" --duration "$duration" $(offer_args "$v") || rc=$?
	done
	stop_server
	if [ "$rc" -eq 3 ]; then
		note "$name: did not grant TLS allocations (see above); skipped from now on"
		[ "$name" = ternd ] && ternd_bin=
		[ "$name" = coturn ] && coturn_bin=
	fi
	return 0
}

report_tls() {
	[ -s "$work/results" ] || die "no server could be measured"
	awk -v dur="$duration" -v rounds="$rounds" -v s="$sessions" -v na="$allocs" \
		-v nh="$hold_allocs" "$turn_awk_lib"'
	function field(name,    i, kv) {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] }
		return ""
	}
	{
		ph = field("phase") (field("resume") == 1 ? "_resume" : "")
		cs = ph "|" field("key") "|" field("offer") "|" field("size")
		if (!(cs in seen)) { seen[cs] = 1; cases[++nc] = cs }
		load($1 "|" cs)
		ver[$1 "|" cs] = field("tls_version") " " field("cipher") " " field("group")
	}
	END {
		printf "\nTURN over TLS (one relay thread each, pinned), median of %d round(s), %s s per run\n", rounds, dur
		printf "\n1. ChannelData relayed both ways, %d TLS allocations, each its own connection\n", na
		printf "%-7s %4s %5s %5s %9s %11s %7s %8s %6s  %s\n", "server", "key", "offer", "size",
			"pps", "pkts/cpu_s", "loss%", "lg_cpu", "busy", "negotiated"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "tls_relay") continue
			for (j = 1; j <= 2; j++) {
				k = srv[j] "|" cases[c]
				if (!(k in cnt)) continue
				printf "%-7s %4s %5s %5d %9.0f %11.0f %7.2f %8.2f %6.2f  %s\n", srv[j], p[2],
					p[3], p[4], median(k, "pps"), median(k, "pkts_per_cpu_s"),
					median(k, "loss_pct"), median(k, "loadgen_cpu") / median(k, "secs"),
					median(k, "core_busy"), ver[k]
			}
			a = ratio("ternd|" cases[c], "coturn|" cases[c], "pkts_per_cpu_s")
			printf "ternd/coturn pkts/cpu_s %s (target >= 1.50: %s)\n", a, verdict(a, ">=", 1.5)
		}
		printf "\n2. TLS sessions (connect, full handshake, Allocate, 401, Allocate, Refresh 0, close),\n"
		printf "%d in flight\n", s
		printf "%-7s %4s %5s %9s %13s %9s %7s %8s %8s %6s  %s\n", "server", "key", "offer",
			"cycles/s", "cycles/cpu_s", "us/cycle", "errors", "failures", "lg_cpu", "busy",
			"negotiated"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "tls_alloc") continue
			for (j = 1; j <= 2; j++) {
				k = srv[j] "|" cases[c]
				if (!(k in cnt)) continue
				printf "%-7s %4s %5s %9.0f %13.0f %9.1f %7d %8d %8.2f %6.2f  %s\n", srv[j],
					p[2], p[3], median(k, "cps"), median(k, "cycles_per_cpu_s"),
					median(k, "us_per_cycle"), median(k, "errors"),
					median(k, "failures"), median(k, "loadgen_cpu") / median(k, "secs"),
					median(k, "core_busy"), ver[k]
			}
			a = ratio("ternd|" cases[c], "coturn|" cases[c], "cycles_per_cpu_s")
			if (p[3] == first_ver)
				printf "ternd/coturn %s offer %s: cycles/cpu_s %s (target >= 1.50: %s)\n",
					p[2], p[3], a, verdict(a, ">=", 1.5)
			else
				printf "ternd/coturn %s offer %s: cycles/cpu_s %s (information: versions may differ)\n",
					p[2], p[3], a
		}
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "tls_alloc_resume") continue
			if (!hdr++) {
				printf "\n2b. The same sessions resuming an earlier one (ticket; RFC 8446 §C.4: a TLS 1.3\n"
				printf "ticket once, so some 1.3 sessions find none left and do a full handshake)\n"
				printf "%-7s %4s %5s %9s %13s %9s %8s %8s %8s %6s  %s\n", "server", "key",
					"offer", "cycles/s", "cycles/cpu_s", "us/cycle", "resumed", "failures",
					"lg_cpu", "busy", "negotiated"
			}
			for (j = 1; j <= 2; j++) {
				k = srv[j] "|" cases[c]
				if (!(k in cnt)) continue
				printf "%-7s %4s %5s %9.0f %13.0f %9.1f %7.0f%% %8d %8.2f %6.2f  %s\n", srv[j],
					p[2], p[3], median(k, "cps"), median(k, "cycles_per_cpu_s"),
					median(k, "us_per_cycle"),
					100 * median(k, "resumed") / (median(k, "handshakes") > 0 ? median(k, "handshakes") : 1),
					median(k, "failures"), median(k, "loadgen_cpu") / median(k, "secs"),
					median(k, "core_busy"), ver[k]
			}
			printf "ternd/coturn %s offer %s resumed: cycles/cpu_s %s (information)\n", p[2], p[3],
				ratio("ternd|" cases[c], "coturn|" cases[c], "cycles_per_cpu_s")
		}
		printf "\n3. Memory per held TLS allocation, %d held, fresh server\n", nh
		printf "%-7s %4s %5s %7s %10s %10s %10s %10s\n", "server", "key", "offer", "held",
			"idle_kb", "held_kb", "B/alloc", "released"
		for (c = 1; c <= nc; c++) {
			split(cases[c], p, "|")
			if (p[1] != "tls_hold") continue
			for (j = 1; j <= 2; j++) {
				k = srv[j] "|" cases[c]
				if (!(k in cnt)) continue
				printf "%-7s %4s %5s %7d %10d %10d %10.0f %10d\n", srv[j], p[2], p[3],
					median(k, "held"), median(k, "rss_idle_kb"), median(k, "rss_held_kb"),
					median(k, "bytes_per_alloc"), median(k, "rss_released_kb")
			}
			a = ratio("ternd|" cases[c], "coturn|" cases[c], "bytes_per_alloc")
			printf "ternd/coturn B/alloc %s (target <= 0.25: %s)\n", a, verdict(a, "<=", 0.25)
		}
		print "\nlg_cpu: the load generator'"'"'s share of its core (near 1.00: it may be the limit,"
		print "then the server is not saturated but its CPU per operation is still what is compared);"
		print "busy: non-idle share of the server CPU. B/alloc: (held - idle) VmRSS / held, user"
		print "space only (kernel socket buffers are not in VmRSS)."
	}
	BEGIN { srv[1] = "ternd"; srv[2] = "coturn" }' first_ver="${tls_versions%%,*}" "$work/results"
}

mode_tls() {
	duration=4 rounds=3 build=0 allocs=16 sizes=160 hold_allocs=2000 sessions=32
	tls_keys=ec,rsa tls_versions=1.2,1.3 resume=1
	local r k
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) duration=${2:?}; shift 2 ;;
		--rounds) rounds=${2:?}; shift 2 ;;
		--allocs) allocs=${2:?}; shift 2 ;;
		--size) sizes=${2:?}; shift 2 ;;
		--hold) hold_allocs=${2:?}; shift 2 ;;
		--sessions) sessions=${2:?}; shift 2 ;;
		--keys) tls_keys=${2:?}; shift 2 ;;
		--versions) tls_versions=${2:?}; shift 2 ;;
		--no-resume) resume=0; shift ;;
		--build) build=1; shift ;;
		-h | --help)
			cat <<EOT
usage: scripts/bench.sh tls [options]
  --duration S     measured seconds per server, figure and round, 1-60 (default 4; +0.5 s
                   warm-up)
  --rounds N       rounds, each measuring every server once; medians reported (default 3)
  --allocs N       relay: TLS allocations relaying at once, 1-4096 (default 16)
  --size B[,B..]   relay: ChannelData payload sizes in bytes (default 160)
  --hold N         memory: TLS allocations held at once, 10-10000 (default 2000; the
                   descriptor limit is raised to the hard limit, which must exceed 2N + 100)
  --sessions N     allocations: TLS sessions in flight, 1-1024 (default 32)
  --keys LIST      certificates, ec (P-256) and/or rsa (2048); the relay and the memory
                   figures use the first (default ec,rsa)
  --versions LIST  TLS versions the client offers, 1.2 (1.2 only) and/or 1.3 (1.2 and 1.3);
                   the relay and the memory figures and the targets use the first (default
                   1.2,1.3: coturn 4.6.1 speaks 1.2 at most)
  --no-resume      no figure 2b (sessions resuming an earlier one, first key, each
                   version)
  --build          run scripts/build.sh release first if no ternd binary exists
Targets: ternd/coturn >= 1.5 for figures 1 and 2, <= 0.25 for figure 3.
EOT
			exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$duration$rounds$allocs${sizes//,/}$hold_allocs$sessions" in
	*[!0-9]*) die "options take whole numbers" ;;
	esac
	[ "$duration" -ge 1 ] && [ "$duration" -le 60 ] || die "--duration must be 1-60"
	[ "$rounds" -ge 1 ] && [ "$rounds" -le 10 ] || die "--rounds must be 1-10"
	[ "$allocs" -ge 1 ] && [ "$allocs" -le 4096 ] || die "--allocs must be 1-4096"
	[ "$hold_allocs" -ge 10 ] && [ "$hold_allocs" -le 10000 ] || die "--hold must be 10-10000"
	[ "$sessions" -ge 1 ] && [ "$sessions" -le 1024 ] || die "--sessions must be 1-1024"
	for k in ${tls_versions//,/ }; do
		case "$k" in 1.2 | 1.3) ;; *) die "--versions: 1.2 and/or 1.3" ;; esac
	done
	command -v openssl >/dev/null || die "openssl not found (needed for the test certificates)"
	turn_setup
	[ "$(ulimit -n)" -gt $((2 * hold_allocs + 100)) ] ||
		die "ulimit -n $(ulimit -n) is too low for $hold_allocs TLS allocations"
	tls_certs
	for r in $(seq "$rounds"); do
		note "round $r/$rounds"
		for k in ${tls_keys//,/ }; do
			tls_server_run ternd "$k" "$r"
			tls_server_run coturn "$k" "$r"
		done
	done
	report_tls
}

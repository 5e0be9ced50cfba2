# The metrics mode of scripts/bench.sh (sourced by it; uses its helpers): what scraping
# /metrics costs the relay under full load.
#
# One ternd (one worker, pinned to $BENCH_SERVER_CPU, prometheus on 127.0.0.1) relays
# ChannelData both ways for --allocs allocations at full rate (turnload relay, closed loop,
# on $BENCH_LOADGEN_CPU), in phases of --duration seconds: without scraping, then with
# curl scraping /metrics --rate times a second (one keep-alive connection, on the loadgen
# CPU), alternately (the order swaps every round), --rounds rounds, all on the same ternd
# process in the same run. Reported: the median figures of each kind of phase and the cost,
# 100 x (1 - scraped / unscraped) per round, its median over the rounds, target < 1 %: of
# the packets relayed per server CPU-second (what the server's core delivers at full load;
# it holds when other processes take part of that core) and of the delivered packets/s
# (which they disturb); and, measured directly, the
# CPU time of ternd's metrics thread (its schedstat) per scrape and as a share of one core
# at that rate (the workers' share of a scrape is a copy of their counters
# on their own thread, included in the throughput figure only).

# The metrics thread's CPU nanoseconds so far (0 when not found).
metrics_thread_ns() {
	local t
	for t in /proc/"$server_pid"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = tern-metrics ] || continue
		awk '{ print $1; exit }' "$t/schedstat"
		return 0
	done
	echo 0
}

# One phase: kind off or on. Appends turnload's line (target=scrape_KIND) to results and
# "scrapes KIND N NS" (scrapes answered 200, metrics thread ns) to $work/scrapes.
metrics_phase() {
	local kind=$1 port=$2 mport=$3 curl_pid= n0 n1 count=0
	n0=$(metrics_thread_ns)
	if [ "$kind" = on ]; then
		pin_prefix "$loadgen_cpu"
		# Bounded in count and time: at most rate x (duration + 60) scrapes.
		timeout $((duration + 60)) "${pin[@]}" stdbuf -oL curl -s -o /dev/null -w '%{http_code}\n' \
			--rate "$rate/s" "http://127.0.0.1:$mport/metrics?[1-$((rate * (duration + 60)))]" \
			>"$work/curl.out" 2>/dev/null &
		curl_pid=$!
	fi
	run_turnload "scrape_$kind" --mode relay --sessions "$allocs" --sizes "$size" \
		--duration "$duration" --window "$window" --rtt-rate 0 \
		--target "scrape_$kind:$port:$server_pid" || true
	if [ -n "$curl_pid" ]; then
		kill "$curl_pid" 2>/dev/null || true
		wait "$curl_pid" 2>/dev/null || true
		count=$(grep -c '^200$' "$work/curl.out" || true)
	fi
	n1=$(metrics_thread_ns)
	echo "scrapes $kind $count $((n1 - n0))" >>"$work/scrapes"
}

# ratio4: turn_awk_lib's ratio with four decimals (a cost of a fraction of a percent).
metrics_awk_lib='
	function ratio4(ka, kb, f,    i, nr, r, t, j) {
		if (!(ka in cnt) || !(kb in cnt)) return "n/a"
		nr = 0
		for (i = 1; i <= cnt[ka] && i <= cnt[kb]; i++)
			if (v[kb, f, i] > 0) r[++nr] = v[ka, f, i] / v[kb, f, i]
		if (nr == 0) return "n/a"
		for (i = 2; i <= nr; i++)
			for (j = i; j > 1 && r[j - 1] > r[j]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
		return nr % 2 ? r[(nr + 1) / 2] : (r[nr / 2] + r[nr / 2 + 1]) / 2
	}
'

report_metrics() {
	[ -s "$work/results" ] || die "nothing was measured"
	awk -v dur="$duration" -v rounds="$rounds" -v rate="$rate" -v n="$allocs" -v size="$size" \
		-v sf="$work/scrapes" "$turn_awk_lib$metrics_awk_lib"'
	{ load($1) }
	END {
		while ((getline l < sf) > 0) {
			split(l, p, " ")
			if (p[2] == "on") { sc += p[3]; ns += p[4] }
		}
		printf "\nScraping /metrics under full relay load: ternd, 1 worker, %d allocations, ", n
		printf "%d-byte ChannelData both ways;\n%s s phases without and with %d scrapes/s, ", size, dur, rate
		printf "alternating on the same ternd, median of %d round(s)\n", rounds
		printf "%-12s %10s %9s %11s %8s\n", "phase", "pps", "srv_cpu", "pkts/cpu_s", "busy"
		split("scrape_off scrape_on", ks, " ")
		for (i = 1; i <= 2; i++) {
			k = ks[i]
			if (!(k in cnt)) continue
			printf "%-12s %10.0f %9.2f %11.0f %8.2f\n", k, median(k, "pps"),
				median(k, "server_cpu"), median(k, "pkts_per_cpu_s"), median(k, "core_busy")
		}
		# Each round pairs two adjacent phases: the median of the per-round ratios.
		r = ratio4("scrape_on", "scrape_off", "pps")
		e = ratio4("scrape_on", "scrape_off", "pkts_per_cpu_s")
		cost = r == "n/a" ? "n/a" : sprintf("%.2f", 100 * (1 - r))
		ecost = e == "n/a" ? "n/a" : sprintf("%.2f", 100 * (1 - e))
		printf "\nthroughput cost of scraping: %s %% of relayed packets per server CPU-second ", ecost
		printf "(target < 1 %%: %s)\n", ecost == "n/a" ? "n/a" : (ecost + 0 < 1 ? "met" : "NOT met")
		printf "throughput cost of scraping: %s %% of delivered packets/s\n", cost
		printf "(median over rounds of scraped/unscraped, each round two adjacent phases; the\n"
		printf "first figure holds while other processes share the server CPU, the second not)\n"
		if (sc > 0) {
			us = ns / sc / 1000
			printf "metrics thread: %d scrapes answered, %.0f us of CPU each = %.3f %% ", sc, us,
				us * rate / 1e4
			printf "of one core at %d/s\n", rate
		} else {
			print "no scrape was answered: the figure above is not a scraping cost"
		}
	}' "$work/results"
}

mode_metrics() {
	duration=3 rounds=10 build=0 allocs=100 size=160 rate=10 window=256
	while [ $# -gt 0 ]; do
		case "$1" in
		--duration) duration=${2:?}; shift 2 ;;
		--rounds) rounds=${2:?}; shift 2 ;;
		--allocs) allocs=${2:?}; shift 2 ;;
		--size) size=${2:?}; shift 2 ;;
		--rate) rate=${2:?}; shift 2 ;;
		--build) build=1; shift ;;
		-h | --help)
			cat <<EOT
usage: scripts/bench.sh metrics [options]
  --duration S   measured seconds per phase, 1-60 (default 3; + setup and 0.5 s warm-up)
  --rounds N     rounds, each one phase without and one with scraping (default 10)
  --allocs N     allocations relaying, 1-5000 (default 100)
  --size B       ChannelData payload bytes (default 160)
  --rate N       scrapes per second while scraping, 1-100 (default 10)
  --build        run scripts/build.sh release first if no ternd binary exists
EOT
			exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	case "$duration$rounds$allocs$size$rate" in *[!0-9]*) die "options take whole numbers" ;; esac
	[ "$duration" -ge 1 ] && [ "$duration" -le 60 ] || die "--duration must be 1-60"
	[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || die "--rounds must be 1-20"
	[ "$allocs" -ge 1 ] && [ "$allocs" -le 5000 ] || die "--allocs must be 1-5000"
	[ "$rate" -ge 1 ] && [ "$rate" -le 100 ] || die "--rate must be 1-100"
	command -v curl >/dev/null || die "curl not found"
	turn_setup
	[ -n "$ternd_bin" ] || die "no ternd to measure"
	coturn_bin=
	: >"$work/scrapes"
	local port mport r
	port=$(pick_port)
	next_port=$((port + 2)) # pick_port runs in a subshell: its own update is lost
	mport=$(pick_port)
	turn_cmd ternd "$port"
	cmd+=(--prometheus --prometheus-port "$mport" --prometheus-address 127.0.0.1)
	start_server "$port" "" "${cmd[@]}" || die "ternd did not start: $(tail -n 5 "$work/server.log")"
	for r in $(seq "$rounds"); do
		note "round $r/$rounds"
		if [ $((r % 2)) = 1 ]; then
			metrics_phase off "$port" "$mport"
			metrics_phase on "$port" "$mport"
		else
			metrics_phase on "$port" "$mport"
			metrics_phase off "$port" "$mport"
		fi
	done
	kill -0 "$server_pid" 2>/dev/null || die "ternd died: $(tail -n 5 "$work/server.log")"
	stop_server
	report_metrics
}

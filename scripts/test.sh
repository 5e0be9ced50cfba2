#!/usr/bin/env bash
# The whole Tern test suite: installs what is missing, checks the house style, builds
# (release and AddressSanitizer+UBSan), starts the services the tests need, runs unit tests,
# integration tests against a running ternd with independent clients, and the fuzzers;
# stops what it started and ends with one line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

FUZZ_SECONDS=${FUZZ_SECONDS:-10}
export TESTS_TMPDIR=$(mktemp -d /tmp/tern-test.XXXXXX)
passed=0 failed=0 skipped=0
failures=()
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TESTS_TMPDIR"
}
trap cleanup EXIT

t_start=$SECONDS
say() { printf '== [%dm%02ds] %s\n' $(((SECONDS - t_start) / 60)) $(((SECONDS - t_start) % 60)) "$*"; }

# Adds the TAP results in file $2 (from test $1, exit status $3) to the totals.
count_tap() {
	local name=$1 log=$2 rc=$3 ok nok skip plan
	ok=$(grep -cE '^ok [0-9]+' "$log")
	skip=$(grep -cE '^ok [0-9]+.*# *SKIP' "$log")
	nok=$(grep -cE '^not ok [0-9]+' "$log")
	plan=$(grep -cE '^1\.\.[0-9]+' "$log")
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + nok))
	if [ "$nok" -gt 0 ]; then
		failures+=("$name")
	elif [ "$rc" -ne 0 ] || [ "$plan" -eq 0 ]; then
		# A crash, a sanitizer report or a missing plan is a failure of its own.
		failed=$((failed + 1))
		failures+=("$name (exit $rc)")
	fi
}

# Runs one TAP-producing command and counts it.
run_tap() {
	local name=$1
	shift
	local log="$TESTS_TMPDIR/$(echo "$name" | tr '/ ' '__').log" t0=$SECONDS
	"$@" >"$log" 2>&1
	local rc=$?
	count_tap "$name" "$log" "$rc"
	[ -n "${TEST_TIMES:-}" ] && echo "   $name: $((SECONDS - t0)) s"
	grep -E '^(not ok|ok .*# *SKIP)' "$log" | sed "s|^|   $name: |"
	[ "$rc" -ne 0 ] && tail -n 30 "$log" | sed "s|^|   $name: |"
	return 0
}

# Counts the unit tests automake ran in build dir $1 (one .trs per test program).
count_make_check() {
	local dir=$1 label=$2 trs p f s e
	trs=$(find "$dir/tests" -name '*.trs' 2>/dev/null)
	[ -n "$trs" ] || { failed=$((failed + 1)); failures+=("$label: no unit tests ran"); return; }
	p=$(cat $trs | grep -c '^:test-result: PASS')
	f=$(cat $trs | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')
	s=$(cat $trs | grep -c '^:test-result: SKIP')
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures+=("$label") && grep -h -E '^(not ok|ERROR)' $(echo "$trs" | sed 's/\.trs$/.log/') | sed "s|^|   $label: |"
	echo "   $label: $p passed, $f failed"
}

say "dependencies"
scripts/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }

say "style (clang-format, include layers, file length)"
run_tap style scripts/check-style.sh

for kind in release asan; do
	say "build ($kind)"
	if ! dir=$(scripts/build.sh "$kind"); then
		echo "build $kind failed"
		echo "$passed passed, $((failed + 1)) failed"
		exit 1
	fi
	say "unit tests ($kind)"
	find "$dir/tests" -name '*.trs' -delete 2>/dev/null
	make -C "$dir" -s -j"$(nproc)" check >"$TESTS_TMPDIR/check-$kind.log" 2>&1
	count_make_check "$dir" "unit/$kind"
done

say "services"
redis_port=$((20000 + RANDOM % 10000))
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$TESTS_TMPDIR" --daemonize no >"$TESTS_TMPDIR/redis.log" 2>&1 &
pids+=($!)
export TESTS_REDIS_PORT=$redis_port

say "integration tests (ASan ternd)"
export TERND="$top/_build/asan/src/ternd" TERNCTL="$top/_build/asan/src/ternctl" TERND_KIND=asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
bench_smoke=tests/integration/test_bench_smoke
[ -x "$bench_smoke" ] && run_tap "$(basename "$bench_smoke")" "$bench_smoke"

# Container tests (tests/container/*: the image built with podman from a debootstrap-made
# Debian base, scripts/run.sh on a bare Debian) mostly wait on the package mirror and on a
# build inside a container: they run in the background, at low priority, while the
# integration tests run, and are counted at the end. The benchmarks' smoke test runs
# before they start: its round-trip phases measure latency, which a concurrent image
# build would swamp.
container_pids=() container_names=()
for t in tests/container/test_*; do
	[ -x "$t" ] || continue
	name="container/$(basename "$t")"
	nice -n 10 "$t" >"$TESTS_TMPDIR/$(echo "$name" | tr '/ ' '__').log" 2>&1 &
	container_pids+=($!) container_names+=("$name") pids+=($!)
done

for t in tests/integration/test_*; do
	[ -x "$t" ] && [ "$t" != "$bench_smoke" ] || continue
	run_tap "$(basename "$t")" "$t"
done

say "integration tests (release ternd, smoke)"
export TERND="$top/_build/release/src/ternd" TERNCTL="$top/_build/release/src/ternctl" TERND_KIND=release
# Binding (also from a STUN-only server), the stop path under relay load (a use after
# free there crashes the release build while ASan reports it), TURN over TLS with a
# browser (the release build's TLS path, as deployed), a certificate reload under relay
# load, and PROXY-protocol connections through haproxy.
for t in tests/integration/test_binding_* tests/integration/test_stun_only \
	tests/integration/test_sigterm_load tests/integration/test_unauth_limit \
	tests/integration/test_tls_chromium tests/integration/test_tls_reload \
	tests/integration/test_proxy_protocol; do
	[ -x "$t" ] || continue
	run_tap "release/$(basename "$t")" "$t"
done

# TLS: handshakes, certificates and hostile clients, whose timing differs without the
# sanitizers.
for t in tests/integration/test_tls_sclient tests/integration/test_tls_garbage \
	tests/integration/test_tls_aioice; do
	[ -x "$t" ] || continue
	run_tap "release/$(basename "$t")" "$t"
done

if [ ${#container_pids[@]} -gt 0 ]; then
	say "container tests (started before the integration tests)"
	for i in "${!container_pids[@]}"; do
		wait "${container_pids[$i]}"
		rc=$?
		name=${container_names[$i]}
		log="$TESTS_TMPDIR/$(echo "$name" | tr '/ ' '__').log"
		count_tap "$name" "$log" "$rc"
		grep -E '^(not ok|ok .*# *SKIP)' "$log" | sed "s|^|   $name: |"
		[ "$rc" -ne 0 ] && tail -n 30 "$log" | sed "s|^|   $name: |"
		echo "   $name: $(grep -cE '^ok [0-9]+' "$log") ok"
	done
fi

if [ -x tests/fuzz/run.sh ]; then
	say "fuzzing (${FUZZ_SECONDS}s per target)"
	run_tap fuzz tests/fuzz/run.sh "$FUZZ_SECONDS"
fi

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# Builds the libFuzzer targets with clang straight from the sources (no autotools),
# replays the seed corpus, then fuzzes each target for the given seconds (default 30).
# Prints TAP; exits non-zero on a crash. Works on a temporary copy of the corpus, so the
# repository is never written. Usage: tests/fuzz/run.sh [seconds]
# FUZZ_TARGETS="fuzz_proxy ..." runs only the targets named (default: all of them).
set -u

secs=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${CLANG:-clang}
targets=${FUZZ_TARGETS:-"fuzz_stun fuzz_frame fuzz_turn fuzz_proxy fuzz_dtls fuzz_classic fuzz_log"}
n=0
failed=0

if ! command -v "$cc" >/dev/null 2>&1; then
	for t in $targets; do
		n=$((n + 1)); echo "ok $n # SKIP clang not installed ($t replay)"
		n=$((n + 1)); echo "ok $n # SKIP clang not installed ($t fuzz)"
	done
	echo "1..$n"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tern-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The STUN targets link every file of stun/ (a module added there needs no change here) and
# the base/ files it uses.
srcs="$(ls "$top"/src/stun/*.c) $top/src/base/crypto.c $top/src/base/addr.c"
# fuzz_turn drives the whole TURN core: stun/, base/ (but the log sink, which needs the
# build's config.h: log_stub.c formats and checks every line instead), auth/ and turn/,
# every file of them, so a module added to one of these layers needs no change here.
turn_srcs="$(ls "$top"/src/stun/*.c "$top"/src/base/*.c "$top"/src/auth/*.c "$top"/src/turn/*.c "$top"/src/turn/method/*.c |
	grep -v '/base/log\.c$')"
flags="-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top/src"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

for t in $targets; do
	case $t in
	fuzz_stun) corpus=stun tsrcs=$srcs ;;
	fuzz_frame) corpus=frame tsrcs=$srcs ;;
	fuzz_turn) corpus=turn tsrcs="-I$top/tests/unit $turn_srcs $here/log_stub.c" ;;
	fuzz_proxy) corpus=proxy tsrcs="$top/src/net/proxy_hdr.c $top/src/base/addr.c" ;;
	fuzz_dtls) corpus=dtls tsrcs="$top/src/net/dtls_hello.c" ;;
	fuzz_classic) corpus=classic tsrcs=$srcs ;;
	fuzz_log) corpus=log tsrcs="$top/src/base/log_fmt.c" ;;
	*) notok "$t: unknown target"; continue ;;
	esac
	# shellcheck disable=SC2086
	if ! $cc $flags -o "$work/$t" "$here/$t.c" $tsrcs -lcrypto -lpthread >"$work/$t.build" 2>&1; then
		sed 's/^/# /' "$work/$t.build"
		notok "$t build"
		continue
	fi
	mkdir -p "$work/corpus-$corpus"
	cp "$here/corpus/$corpus"/* "$work/corpus-$corpus"/
	if "$work/$t" -runs=0 "$work/corpus-$corpus" >"$work/$t.replay" 2>&1; then
		ok "$t replay ($(ls "$work/corpus-$corpus" | wc -l) inputs)"
	else
		tail -40 "$work/$t.replay" | sed 's/^/# /'
		notok "$t replay"
	fi
	if "$work/$t" -max_total_time="$secs" -max_len=2048 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus-$corpus" >"$work/$t.fuzz" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.fuzz")
		ok "$t fuzz ${secs}s (${execs:-?} execs)"
	else
		tail -60 "$work/$t.fuzz" | sed 's/^/# /'
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
			[ -e "$a" ] && echo "# artifact: $(basename "$a") $(od -An -tx1 "$a" | tr -d '\n' | head -c 400)"
		done
		notok "$t fuzz"
	fi
done
echo "1..$n"
exit $failed

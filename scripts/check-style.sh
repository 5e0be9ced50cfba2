#!/usr/bin/env bash
# Tern's house rules, checked on every *.c and *.h under src/ and tests/:
#   1. clang-format-14 with the tree's .clang-format changes nothing;
#   2. every #include "layer/x.h" in src/ follows the layers of DESIGN.md §2;
#   3. no file is over 800 lines.
# Prints TAP (one test per check, details as "#" lines) and exits non-zero on a failure.
#   scripts/check-style.sh          check
#   scripts/check-style.sh --diff   also print the change clang-format would make
#   scripts/check-style.sh --fix    reformat the files that differ (clang-format -i), then check
# Needs no build. CLANG_FORMAT overrides the formatter (default clang-format-14).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

clang_format=${CLANG_FORMAT:-clang-format-14}
max_lines=800
fix=0 show_diff=0
for arg in "$@"; do
	case "$arg" in
	--fix) fix=1 ;;
	--diff) show_diff=1 ;;
	-h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "check-style.sh: unknown argument '$arg' (--fix, --diff)" >&2; exit 2 ;;
	esac
done

# Which layers each layer of src/ may include (DESIGN.md §2: an arrow means "may include",
# and what a layer may include it may also reach further down). Every layer includes itself.
#   app/ ─► net/ ─► turn/ ─► auth/ ─► stun/ ─► base/;  turn/ ─► auth/cred.h;
#   net/ ─► xdp/;  app/ ─► cred/ (implements auth/cred.h);  cli/ ─► base, stun, auth, cred.
# Nothing includes app/ or cli/ (but for the single headers of may_include_file below); net/
# does not include cred/ (stores reach a worker from app/).
declare -A may_include=(
	[base]="base"
	[stun]="stun base"
	[auth]="auth stun base"
	[cred]="cred auth stun base"
	[turn]="turn auth stun base"
	[xdp]="xdp base" # not in the tree yet; like every layer, it may use base/
	[net]="net xdp turn auth stun base"
	[app]="app net xdp cred turn auth stun base"
	[cli]="cli cred auth stun base"
)
# Single headers a layer may include beyond its layers: `ternctl config import` translates
# with the option tables ternd reads (one table, no copy that could drift).
declare -A may_include_file=(
	[cli]="app/cfg_opt.h app/cfg_coturn.h"
)

# Our sources: the files git tracks or would track (nothing it ignores), or every file outside
# a git checkout.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t tracked < <(git ls-files --cached --others --exclude-standard -- \
		'src/*.[ch]' 'tests/*.[ch]')
	files=()
	for f in "${tracked[@]}"; do
		[ -f "$f" ] && files+=("$f") # not deleted in the work tree
	done
else
	mapfile -t files < <(find src tests -type f -name '*.[ch]' | sort)
fi
fail=0

# Prints test N's TAP line: "ok N - OK_TEXT" when no DETAILS follow, else "not ok N - BAD_TEXT"
# and each detail as a "#" line.   report N OK_TEXT BAD_TEXT [DETAILS...]
report() {
	local n=$1 ok_text=$2 bad_text=$3
	shift 3
	if [ $# -eq 0 ]; then
		echo "ok $n - $ok_text"
	else
		echo "not ok $n - $bad_text"
		printf '#   %s\n' "$@"
		fail=1
	fi
}

# Prints those of the files given that clang-format would change: one clang-format run over
# all of them (a run per file costs a process each), its warnings reduced to file names. A
# run that fails without naming a file (a broken .clang-format) prints its first line.
unformatted() {
	local out rc=0
	[ $# -gt 0 ] || return 0
	out=$("$clang_format" --style=file --dry-run --Werror "$@" 2>&1) || rc=$?
	local names
	names=$(sed -nE 's/^(.*):[0-9]+:[0-9]+: (warning|error): code should be clang-formatted.*/\1/p' \
		<<<"$out" | sort -u)
	if [ -n "$names" ]; then
		echo "$names"
	elif [ "$rc" -ne 0 ]; then
		echo "$clang_format failed: $(head -n 1 <<<"$out")"
	fi
}

echo "1..3"

# 1. clang-format
if ! command -v "$clang_format" >/dev/null 2>&1; then
	report 1 "" "clang-format: $clang_format is not installed (scripts/install-deps.sh --test)" \
		"$clang_format: command not found"
elif [ ! -f .clang-format ]; then
	report 1 "" "clang-format: no .clang-format at the top of the tree" "$top/.clang-format"
else
	mapfile -t differ < <(unformatted "${files[@]}")
	if [ ${#differ[@]} -gt 0 ] && [ "$fix" -eq 1 ]; then
		"$clang_format" --style=file -i "${differ[@]}"
		echo "# clang-format: reformatted ${#differ[@]} files"
		mapfile -t differ < <(unformatted "${differ[@]}")
	fi
	report 1 "clang-format: ${#files[@]} files formatted" \
		"clang-format: ${#differ[@]} of ${#files[@]} files differ (--diff shows how, --fix reformats them)" \
		"${differ[@]}"
	if [ "$show_diff" -eq 1 ]; then
		for f in "${differ[@]}"; do
			"$clang_format" --style=file "$f" |
				diff -u --label "$f" --label "$f (formatted)" "$f" - || true
		done
	fi
fi

# 2. include layering (tests/ may include anything): one grep over src/, "FILE:LINE:PATH"
src_files=()
for f in "${files[@]}"; do
	[[ $f == src/*/* ]] && src_files+=("$f")
done
bad=()
n_includes=0
for f in "${src_files[@]}"; do
	layer=${f#src/}
	layer=${layer%%/*}
	[ -n "${may_include[$layer]:-}" ] ||
		bad+=("$f: directory src/$layer/ is not a layer of DESIGN.md §2")
done
while IFS=: read -r f line path; do
	n_includes=$((n_includes + 1))
	layer=${f#src/}
	layer=${layer%%/*}
	allowed=${may_include[$layer]:-}
	# "config.h" is configure's; a bare name is a file of the same directory.
	[ -n "$allowed" ] && [[ $path == */* ]] || continue
	target=${path%%/*}
	if [[ " ${may_include_file[$layer]:-} " == *" $path "* ]]; then
		continue
	elif [ -z "${may_include[$target]:-}" ]; then
		bad+=("$f:$line: includes \"$path\": $target/ is not a layer of DESIGN.md §2")
	elif [[ " $allowed " != *" $target "* ]]; then
		bad+=("$f:$line: includes \"$path\": $layer/ may not include $target/ (may: $allowed)")
	fi
done < <([ ${#src_files[@]} -eq 0 ] ||
	grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "${src_files[@]}" |
	sed -E 's/^([^:]*):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1:\2:\3/')
report 2 "includes: $n_includes includes in src/ follow the layers of DESIGN.md §2" \
	"includes: ${#bad[@]} break the layers of DESIGN.md §2" "${bad[@]}"

# 3. file length: one wc over every file ("N FILE" lines, then the total, skipped)
long=()
while read -r n f; do
	[ "$f" = total ] && [ "${#files[@]}" -gt 1 ] && continue
	[ "$n" -le "$max_lines" ] || long+=("$f: $n lines")
done < <([ ${#files[@]} -eq 0 ] || wc -l "${files[@]}")
report 3 "length: no file over $max_lines lines" \
	"length: ${#long[@]} files over $max_lines lines" "${long[@]}"

exit "$fail"

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
# Nothing includes app/ or cli/; net/ does not include cred/ (stores reach a worker from app/).
declare -A may_include=(
	[base]="base"
	[stun]="stun base"
	[auth]="auth stun base"
	[cred]="cred auth stun base"
	[turn]="turn auth stun base"
	[xdp]="xdp base"
	[net]="net xdp turn auth stun base"
	[app]="app net xdp cred turn auth stun base"
	[cli]="cli cred auth stun base"
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

echo "1..3"

# 1. clang-format
if ! command -v "$clang_format" >/dev/null 2>&1; then
	echo "not ok 1 - clang-format: $clang_format is not installed (scripts/install-deps.sh --test)"
	fail=1
elif [ ! -f .clang-format ]; then
	echo "not ok 1 - clang-format: no .clang-format at the top of the tree"
	fail=1
else
	differ=()
	for f in "${files[@]}"; do
		"$clang_format" --style=file "$f" | cmp -s - "$f" || differ+=("$f")
	done
	if [ ${#differ[@]} -gt 0 ] && [ "$fix" -eq 1 ]; then
		"$clang_format" --style=file -i "${differ[@]}"
		echo "# clang-format: reformatted ${#differ[@]} files"
		fixed=("${differ[@]}")
		differ=()
		for f in "${fixed[@]}"; do
			"$clang_format" --style=file "$f" | cmp -s - "$f" || differ+=("$f")
		done
	fi
	if [ ${#differ[@]} -eq 0 ]; then
		echo "ok 1 - clang-format: ${#files[@]} files formatted"
	else
		echo "not ok 1 - clang-format: ${#differ[@]} of ${#files[@]} files differ" \
			"(--diff shows how, --fix reformats them)"
		printf '#   %s\n' "${differ[@]}"
		if [ "$show_diff" -eq 1 ]; then
			for f in "${differ[@]}"; do
				"$clang_format" --style=file "$f" | diff -u --label "$f" --label "$f (formatted)" "$f" - || true
			done
		fi
		fail=1
	fi
fi

# 2. include layering (tests/ may include anything)
bad=()
n_includes=0
for f in "${files[@]}"; do
	[[ $f == src/*/* ]] || continue
	layer=${f#src/}
	layer=${layer%%/*}
	allowed=${may_include[$layer]:-}
	if [ -z "$allowed" ]; then
		bad+=("$f: directory src/$layer/ is not a layer of DESIGN.md §2")
		continue
	fi
	while IFS=: read -r line path; do
		n_includes=$((n_includes + 1))
		# "config.h" is configure's; a bare name is a file of the same directory.
		[[ $path == */* ]] || continue
		target=${path%%/*}
		if [ -z "${may_include[$target]:-}" ]; then
			bad+=("$f:$line: includes \"$path\": $target/ is not a layer of DESIGN.md §2")
		elif [[ " $allowed " != *" $target "* ]]; then
			bad+=("$f:$line: includes \"$path\": $layer/ may not include $target/ (may: $allowed)")
		fi
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1:\2/')
done
if [ ${#bad[@]} -eq 0 ]; then
	echo "ok 2 - includes: $n_includes includes in src/ follow the layers of DESIGN.md §2"
else
	echo "not ok 2 - includes: ${#bad[@]} break the layers of DESIGN.md §2"
	printf '#   %s\n' "${bad[@]}"
	fail=1
fi

# 3. file length
long=()
for f in "${files[@]}"; do
	n=$(wc -l <"$f")
	[ "$n" -le "$max_lines" ] || long+=("$f: $n lines")
done
if [ ${#long[@]} -eq 0 ]; then
	echo "ok 3 - length: no file over $max_lines lines"
else
	echo "not ok 3 - length: ${#long[@]} files over $max_lines lines"
	printf '#   %s\n' "${long[@]}"
	fail=1
fi

exit "$fail"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-layers.sh: keep libferry's layers visible and its dependencies pointing down.
#
#   scripts/check-layers.sh [--root DIR] BUILD
#
# lib/ has one folder per layer. The allowed order, lowest first, is LAYERS below: a file
# may use its own folder and any folder to its left, never one to its right. Checked:
#   1. includes: lib/L/*, include/ferry/L/* may include "ferry/M/..." or "M/..." only
#      when M is L or lower; cli/ and daemon/ include only the public include/ferry/.
#   2. calls: from the objects in BUILD (nm), a file of layer L that uses a symbol
#      defined in layer M needs M <= L.
#   3. circles: no two files (lib/, cli/, daemon/) call each other, directly or around
#      a loop (tsort finds the loop).
# Exit 0 when all hold; 1 with every violation listed otherwise.
set -euo pipefail

LAYERS=(base store catalog project package ops runtime lifecycle registry)

root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --root ]; then root=$(cd "$2" && pwd); shift 2; fi
build=${1:?usage: check-layers.sh [--root DIR] BUILD}
build=$(cd "$build" && pwd)
cd "$root"

declare -A rank
for i in "${!LAYERS[@]}"; do rank[${LAYERS[$i]}]=$i; done
fail=0
problem() { echo "check-layers: $*" >&2; fail=1; }

# 1. Includes.
while IFS= read -r f; do
	case "$f" in
	lib/*) layer=${f#lib/}; layer=${layer%%/*} ;;
	include/ferry/*) layer=${f#include/ferry/}; layer=${layer%%/*} ;;
	esac
	[ -n "${rank[$layer]:-}" ] || { problem "$f: folder '$layer' is not a layer (add it to LAYERS)"; continue; }
	while IFS= read -r line; do
		inc=${line#*\"}; inc=${inc%%\"*}
		dep=${inc#ferry/}; dep=${dep%%/*}
		[ "$dep" = "$inc" ] && continue               # same-folder include
		[ -n "${rank[$dep]:-}" ] || continue          # not a layer path
		if [ "${rank[$dep]}" -gt "${rank[$layer]}" ]; then
			problem "$f includes \"$inc\": layer '$layer' must not use the higher layer '$dep'"
		fi
	done < <(grep -h '^#include "' "$f" || true)
done < <(find lib include/ferry -mindepth 2 -name '*.[ch]' | sort)

while IFS= read -r f; do
	while IFS= read -r line; do
		inc=${line#*\"}; inc=${inc%%\"*}
		dep=${inc%%/*}
		if [ "$dep" != "$inc" ] && [ -n "${rank[$dep]:-}" ]; then
			problem "$f includes the library's internal header \"$inc\": faces use include/ferry only"
		fi
	done < <(grep -h '^#include "' "$f" || true)
done < <(for d in cli daemon; do [ -d "$d" ] && find "$d" -name '*.[ch]'; done | sort)

# 2 and 3. Calls, from the objects.
faces=$(for d in cli daemon; do if [ -d "$d" ]; then echo "$d"; fi; done)
objs=$(find lib $faces -name '*.c' | sed 's/\.c$/.o/' | sort)
for o in $objs; do
	[ -f "$build/$o" ] || { problem "$build/$o is missing: build first (make BUILD=$build)"; exit 1; }
done
defs=$(mktemp); uses=$(mktemp); edges=$(mktemp)
trap 'rm -f "$defs" "$uses" "$edges"' EXIT
for o in $objs; do
	src=${o%.o}.c
	nm "$build/$o" | awk -v f="$src" '$2 ~ /^[TDBR]$/ { print $3, f }' >> "$defs"
	nm "$build/$o" | awk -v f="$src" '$1 == "U" { print $2, f }' >> "$uses"
done
sort -o "$defs" "$defs"; sort -o "$uses" "$uses"
# "user definer" for every symbol a file takes from another file.
join "$uses" "$defs" | awk '$2 != $3 { print $2, $3 }' | sort -u > "$edges"

layer_of() { case "$1" in lib/*) local l=${1#lib/}; echo "${l%%/*}";; *) echo face;; esac; }
while read -r user definer; do
	lu=$(layer_of "$user"); ld=$(layer_of "$definer")
	[ "$lu" = face ] && continue
	if [ "$ld" = face ]; then problem "$user calls into $definer: the library never calls its faces"; continue; fi
	if [ -z "${rank[$lu]:-}" ] || [ -z "${rank[$ld]:-}" ]; then continue; fi
	if [ "${rank[$ld]}" -gt "${rank[$lu]}" ]; then
		syms=$(join "$uses" "$defs" | awk -v u="$user" -v d="$definer" '$2==u && $3==d {print $1}' | head -3 | tr '\n' ' ')
		problem "$user calls $definer ($syms): layer '$lu' must not use the higher layer '$ld'"
	fi
done < "$edges"

if ! loops=$(tsort "$edges" 2>&1 >/dev/null); then
	problem "files that call each other (a circle; break it into records, checks, commands):"
	echo "$loops" | awk '/input contains a loop/ { if (l != "") print "  " l; l = ""; next }
		{ sub(/^tsort: /, ""); l = (l == "" ? $0 : l " -> " $0) } END { if (l != "") print "  " l }' | sort -u >&2
fi

[ "$fail" = 0 ] && echo "check-layers: ok (${LAYERS[*]}; $(wc -l < "$edges") file dependencies, all pointing down, no circles)"
exit "$fail"

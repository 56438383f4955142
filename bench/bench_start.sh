#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_start.sh: the CLI's start-up: `ferry --version` (the dynamic loader mapping and
# relocating every library the binary links, their constructors) against /bin/true, each
# run 20 times in a row per sample; ms per start. And the shared objects the binary maps
# at every start (`ldd`): libraries only some commands need are opened with dlopen when
# they do (docs/ARCHITECTURE.md, "Optional libraries"), so this stays small.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
N=20
per() { awk -v t="$1" -v n="$N" 'BEGIN { printf "%.2f", t / n }'; }
loop() { local i; for i in $(seq 1 "$N"); do "$@" >/dev/null; done; }
f=() r=()
for _ in $(seq 1 "$((RUNS * 2))"); do
	f+=("$(per "$(ms loop "$FERRY" --version)")")
	r+=("$(per "$(ms loop /bin/true)")")
done
row "CLI start (ferry --version) vs /bin/true" ms "${f[*]}" "/bin/true" "${r[*]}"
objs() { ldd "$1" | grep -c .; }
row "CLI start: shared objects mapped (ldd)" objects "$(objs "$FERRY")" "/bin/true" "$(objs /bin/true)"

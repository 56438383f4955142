#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh FUZZ_BUILD SECONDS TARGET...: run each libFuzzer target for SECONDS from its
# committed seeds (tests/fuzz/seeds/<target>) plus the regressions (tests/fuzz/regressions/
# <target>), in a scratch copy of the corpus. A crash (or leak, or timeout) is copied into
# tests/fuzz/regressions/<target>/ under its SHA-1 name, to commit: `make test` replays it
# from then on (tests/e2e/t0009-fuzz-corpus.sh). Exits 1 when any target found one.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:?usage: run.sh FUZZ_BUILD SECONDS TARGET...}
SECS=${2:?seconds}
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-fuzz-run.XXXXXX")
trap 'rm -rf "$work" /tmp/ferry-fuzz.*' EXIT
status=0
for t in "$@"; do
  mkdir -p "$work/$t" "$work/found-$t" "tests/fuzz/regressions/$t"
  cp tests/fuzz/seeds/"$t"/* "$work/$t/"
  find "tests/fuzz/regressions/$t" -type f ! -name '.*' -exec cp {} "$work/$t/" \;
  echo "fuzz: $t for ${SECS}s from $(ls "$work/$t" | wc -l) inputs"
  dict=(); [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  if ! "$B/fuzz_$t" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
       "${dict[@]}" -artifact_prefix="$work/found-$t/" "$work/$t" >"$B/fuzz_$t.log" 2>&1; then
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "$B/fuzz_$t.log" | sed "s/^/fuzz: $t: /"
  for f in "$work/found-$t"/*; do
    [ -e "$f" ] || continue
    status=1
    name=$(sha1sum "$f" | cut -c1-40)
    cp "$f" "tests/fuzz/regressions/$t/$name"
    echo "fuzz: $t: $(basename "$f" | cut -d- -f1) input kept as tests/fuzz/regressions/$t/$name (commit it; see $B/fuzz_$t.log)"
  done
done
[ $status -eq 0 ] && echo "fuzz: no crashes" || echo "fuzz: FAILED (inputs in tests/fuzz/regressions/, logs in $B)"
exit $status

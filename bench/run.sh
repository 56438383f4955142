#!/usr/bin/env bash
# run.sh BUILD: run every bench/bench_*.sh and collect their rows (see bench/README.md).
# Each bench script prints rows "name<TAB>ferry_ms<TAB>reference<TAB>ref_ms" on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath "${1:-build/release}")
export FERRY="$BUILD/ferry" FERRYD="$BUILD/ferryd" FERRY_BUILD="$BUILD" QUICK="${QUICK:-0}"
rows=$(mktemp)
for b in bench/bench_*.sh; do
  [ -e "$b" ] || continue
  echo "bench: $b" >&2
  bash "$b" >>"$rows"
done
if [ ! -s "$rows" ]; then
  echo "bench: no benchmarks yet"
  rm -f "$rows"
  exit 0
fi
printf '%-48s %12s  %-28s %12s %8s\n' BENCHMARK FERRY REFERENCE REF RATIO
awk -F'\t' '{ r = ($4 > 0) ? $2 / $4 : 0; printf "%-48s %10.1fms  %-28s %10.1fms %8.2f\n", $1, $2, $3, $4, r }' "$rows"
rm -f "$rows"

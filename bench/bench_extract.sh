#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_extract.sh: package intake against the reference tools on the same bytes (rows 3).
#   extraction of a 200 MiB, 10,000-file package vs `bsdtar -xf` (QUICK=1: 20 MiB, 1,000 files)
#   verification (`ferry package verify`: hashes and seal) vs `sha256sum` of the same payload
# Each figure: RUNS runs, ferry and the reference alternating. Rows: bench/lib.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "$SMOKE" = 1 ]; then MIB=1 FILES=50; elif [ "$QUICK" = 1 ]; then MIB=20 FILES=1000; else MIB=200 FILES=10000; fi
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-extract.XXXXXX")
trap 'rm -rf "$W"' EXIT
export FERRY_HOME="$W/home"
"$FERRY" -q init

# payload: FILES files of equal size in 100 directories, half random, half text-like
mkdir -p "$W/src" "$W/raw"
head -c $((MIB * 1024 * 1024 / 2)) /dev/urandom >"$W/raw/a"
(set +o pipefail; yes "ferry benchmark line: the quick brown fox jumps over the lazy dog 0123456789" |
  head -c $((MIB * 1024 * 1024 / 2))) >"$W/raw/b"
cat "$W/raw/a" "$W/raw/b" >"$W/raw/all"; rm "$W/raw/a" "$W/raw/b"
per=$(( (MIB * 1024 * 1024 + FILES - 1) / FILES ))
(cd "$W/raw" && split -b "$per" -a 5 -d all f && rm all)
i=0
for f in "$W"/raw/f*; do
  d="$W/src/d$((i % 100))"; mkdir -p "$d"; mv "$f" "$d/"; i=$((i + 1))
done
printf '{"format":1,"name":"bench","version":"1.0.0","type":"customization","product":"finance-operations"}' \
  >"$W/src/manifest.json"
"$FERRY" -q package build "$W/src" -o "$W/pkg.tar.zst"
n=$(find "$W/src" -type f | wc -l)
sync

fx=() rx=() fv=() rv=()
for r in $(seq 1 "$RUNS"); do
  rm -rf "$W/out-ferry" "$W/out-bsdtar"; mkdir -p "$W/out-bsdtar"
  # each side starts with nothing dirty: the last run's 400 MiB written back (and its
  # removal) inside the next timed run spread both sides 0.5-8.5 s
  sync
  fx+=("$(ms "$FERRY" -q package extract "$W/pkg.tar.zst" "$W/out-ferry")")
  sync
  rx+=("$(ms bsdtar -xf "$W/pkg.tar.zst" -C "$W/out-bsdtar")")
  fv+=("$(ms "$FERRY" -q package verify "$W/pkg.tar.zst")")
  rv+=("$(ms bash -c "cd '$W/out-bsdtar' && find . -type f -print0 | xargs -0 sha256sum")")
done
# same bytes out of both
cmp <(cd "$W/out-ferry" && find . -type f -exec sha256sum {} + | sort -k2) \
    <(cd "$W/out-bsdtar" && find . -type f -exec sha256sum {} + | sort -k2) >/dev/null
row "package extract ${MIB}MiB/$n files (tar.zst)" ms "${fx[*]}" "bsdtar -xf" "${rx[*]}"
row "package verify ${MIB}MiB/$n files (tar.zst)" ms "${fv[*]}" "sha256sum (payload)" "${rv[*]}"

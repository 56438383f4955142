#!/usr/bin/env bash
# run.sh FUZZ_BUILD SECONDS: seed the corpora (hostile archives from mkhostile, packages
# from `ferry package build`, committed manifests) and run each libFuzzer target.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$1 SECS=${2:-60}
make -s -j2 build/release/ferry build/release/tools/mkhostile >/dev/null
GEN=build/release/tools/mkhostile FERRY=build/release/ferry
work="$B/corpus"; mkdir -p "$work/intake" "$work/manifest" "$B/seed-src/bin"
cp tests/fuzz/seeds/manifest/*.json "$work/manifest/"
for k in good manifest-last traversal absolute symlink-out hardlink device fifo wrong-hash unlisted \
         duplicate bad-signature manifest-invalid-json missing-file; do
  for s in tar.gz tar.zst zip; do "$GEN" "$k" "$work/intake/$k.$s"; done
done
echo '#!/bin/sh' >"$B/seed-src/bin/run"
printf '{"format":1,"name":"seed","version":"1.0","type":"hotfix","product":"p"}' >"$B/seed-src/manifest.json"
for s in tar.gz tar.zst zip; do "$FERRY" -q package build "$B/seed-src" -o "$work/intake/built.$s"; done
status=0
for t in intake manifest; do
  echo "fuzz: $t for ${SECS}s"
  mkdir -p "$B/found-$t"
  "$B/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$B/found-$t/" "$work/$t" 2>"$B/fuzz_$t.log" || status=1
  tail -n 3 "$B/fuzz_$t.log"
done
rm -rf /tmp/ferry-fuzz.*
[ $status -eq 0 ] && echo "fuzz: no crashes" || { echo "fuzz: crash inputs in $B/found-*"; exit 1; }

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0009: every fuzz target (package intake, manifest.json, release catalogs, ferryd's
# request reading) replays its committed seeds and every input that ever crashed it
# (tests/fuzz/regressions/<target>) in the test build, ASan and UBSan watching. The
# targets run for real under libFuzzer in `make fuzz` (.ci/run).
. "$(dirname "$0")/lib.sh"
SEEDS="$FERRY_SRC/tests/fuzz/seeds"
REGRESSIONS="$FERRY_SRC/tests/fuzz/regressions"

for t in intake manifest catalog http; do
  test_expect_success "$t: seeds and regressions replay cleanly" '
    bin="$FERRY_BUILD/fuzz/replay_'"$t"'" && test -x "$bin" &&
    n=$(ls "$SEEDS/'"$t"'" | wc -l) && test "$n" -ge 3 &&
    dirs=("$SEEDS/'"$t"'") && if [ -d "$REGRESSIONS/'"$t"'" ]; then dirs+=("$REGRESSIONS/'"$t"'"); fi &&
    "$bin" "${dirs[@]}" >replay.tap && tail -1 replay.tap | grep -Eq "^1\.\.[0-9]+$" &&
    ! grep -q "^not ok" replay.tap'
done
test_done

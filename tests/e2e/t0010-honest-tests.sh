#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0010: scripts/check-banned.sh keeps the tests honest: it holds on the tree, and fails
# on a fixture with an assertion that swallows its failure (`|| true`, `; true`) or a
# wait without an upper bound.
. "$(dirname "$0")/lib.sh"
CHECK="$FERRY_SRC/scripts/check-banned.sh"

# fixture NAME LINE: a git tree holding the check and tests/e2e/tx.sh with LINE.
fixture() {
  local d="$SCRATCH/$1"
  mkdir -p "$d/scripts" "$d/tests/e2e" && cp "$CHECK" "$d/scripts/" &&
  printf '# SPDX-License-Identifier: MIT\n%s\n' "$2" >"$d/tests/e2e/tx.sh" &&
  git -C "$d" init -q && git -C "$d" add -A && echo "$d"
}

test_expect_success 'the tree passes' 'bash "$CHECK"'
test_expect_success 'a fixture of honest lines passes' '
  d=$(fixture ok "test_expect_success x '\''a && : >log && while read -r l; do echo \$l; done <f'\''
while [ \$# -gt 0 ]; do shift; done
until [ -s f ] || [ \$SECONDS -ge \$end ]; do sleep 0.1; done") &&
  bash "$d/scripts/check-banned.sh"'
# The offending lines are built from pieces, so this file does not hold them itself.
T=true; N=: ; W=while; U=until
for line in "out=\$(cmd); test \$? -ne 0 || $T'" "test ! -e f; $T'" "cmd || $N" "x; $N" \
            "$W ! curl -sf \$u; do sleep 0.1; done" "$U [ -s port ]; do sleep 0.05; done" \
            "$(printf "$W [ ! -e flag ]; do\n  n=\$((n + 1))\n  sleep 1\ndone")"; do
  test_expect_code 1 "fails on: $line" "d=\$(fixture f\$RANDOM \"\$line\") && bash \"\$d/scripts/check-banned.sh\""
done
test_done

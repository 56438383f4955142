#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-banned.sh: fail when C sources call functions ferry bans (see docs/ARCHITECTURE.md),
# when the library reads the environment, or when a source file has no licence line.
set -u
cd "$(dirname "$0")/.."
pattern='(^|[^_a-zA-Z0-9.>])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|system|gets)[[:space:]]*\('
hits=$(git ls-files -co --exclude-standard '*.c' '*.h' 2>/dev/null | xargs -r grep -nE "$pattern" | grep -v 'banned-ok' || true)
if [ -n "$hits" ]; then
  echo "check-banned: banned functions used (use snprintf, ferry_buf, strtoll, argv arrays):"
  echo "$hits"
  exit 1
fi

# The library reads no environment variables (its settings arrive in struct
# ferry_settings, include/ferry/base/settings.h); in ferryd only its config loader does.
env_pattern='(^|[^_a-zA-Z0-9.>])(secure_)?getenv[[:space:]]*\('
hits=$( { git ls-files -co --exclude-standard 'lib/*.c' 'lib/*.h' 'include/*.h';
          git ls-files -co --exclude-standard 'daemon/*.c' 'daemon/*.h' | grep -vx 'daemon/config.c'; } 2>/dev/null |
        xargs -r grep -nE "$env_pattern" || true)
if [ -n "$hits" ]; then
  echo "check-banned: the library (and ferryd outside daemon/config.c) reads no environment variables:"
  echo "settings arrive in struct ferry_settings (ctx->settings); the faces fill it"
  echo "$hits"
  exit 1
fi

# Every source file says its licence (LICENSE, MIT) in its first three lines:
# "SPDX-License-Identifier: MIT" as a comment (after a #! line). New files too.
missing=$(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.sh' '*.inc' '*.lib' '*.py' \
            '*.js' '*.mjs' '*.ts' '*.css' '*.mk' Makefile .ci/run debian/rules 2>/dev/null |
          grep -v '/node_modules/' |
          while read -r f; do
            [ -f "$f" ] && ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ' && echo "$f"
          done)
if [ -n "$missing" ]; then
  echo "check-banned: files without an SPDX-License-Identifier line in their first three lines"
  echo "(add '// SPDX-License-Identifier: MIT', '/* ... */' or '# ...' at the top; LICENSE):"
  echo "$missing"
  exit 1
fi

# Tests that cannot fail: no command in tests/ ends with `|| true`, `|| :`, `; true` or
# `; :` (an assertion that swallows its own failure). Say what is expected instead:
# `test $? -eq N`, `! cmd`, `if ...; then ...; fi`.
swallow='(\|\||;)[[:space:]]*(true|:)[[:space:]]*($|['"'"'")#;&|])'
hits=$(git ls-files -co --exclude-standard 'tests/*' 2>/dev/null | grep -v 'package-lock.json$' |
       xargs -r grep -nE "$swallow" || true)
if [ -n "$hits" ]; then
  echo "check-banned: a test command swallows its failure (|| true, ; true): assert what is expected instead:"
  echo "$hits"
  exit 1
fi

# Waits without an upper bound: a `while`/`until` loop in a test script that sleeps
# (on its line or in its body) must check a deadline ($SECONDS) in its condition; poll
# with lib.sh's `wait_for SECONDS 'COMMAND'` or a `for i in $(seq 1 N)` loop. (`while
# read` loops and loops that do not sleep are not waits.)
hits=$(git ls-files -co --exclude-standard 'tests/*.sh' 'tests/*.inc' 'tests/*.lib' 2>/dev/null |
       xargs -r awk '
         FNR == 1 { open = 0 }
         /(^|[;&|(])[[:space:]]*(while|until)[[:space:]]/ && !/while (read|IFS=)/ && !/SECONDS|bounded-ok/ {
           if (/sleep/) print FILENAME ":" FNR ": " $0
           else if (!/(^|[;[:space:]])done([;[:space:])]|$)/) { open = 1; at = FNR; line = $0 }
           next
         }
         open && /sleep/ { print FILENAME ":" at ": " line; open = 0; next }
         open && /(^|[;[:space:]])done([;[:space:])]|$)/ { open = 0 }' || true)
if [ -n "$hits" ]; then
  echo "check-banned: a wait without an upper bound (use wait_for SECONDS 'COMMAND' from tests/e2e/lib.sh):"
  echo "$hits"
  exit 1
fi

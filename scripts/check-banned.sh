#!/usr/bin/env bash
# check-banned.sh: fail when C sources call functions ferry bans (see docs/ARCHITECTURE.md).
set -u
cd "$(dirname "$0")/.."
pattern='(^|[^_a-zA-Z0-9.>])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|system|gets)[[:space:]]*\('
hits=$(git ls-files -co --exclude-standard '*.c' '*.h' 2>/dev/null | xargs -r grep -nE "$pattern" | grep -v 'banned-ok' || true)
if [ -n "$hits" ]; then
  echo "check-banned: banned functions used (use snprintf, ferry_buf, strtoll, argv arrays):"
  echo "$hits"
  exit 1
fi

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

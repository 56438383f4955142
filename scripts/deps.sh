#!/usr/bin/env bash
# deps.sh: install, with apt-get, the Debian 12 packages ferry needs that are missing.
# Idempotent: does nothing when everything is present.
set -euo pipefail

PKGS=(
  build-essential pkg-config clang
  libsqlite3-dev sqlite3 libjansson-dev libsodium-dev libarchive-dev libarchive-tools
  libmicrohttpd-dev libcurl4-openssl-dev libgit2-dev libpq-dev libcmocka-dev zlib1g-dev
  postgresql postgresql-client
  perl curl zstd git jq
  bubblewrap
  nodejs npm chromium
  wrk nginx-light
)

missing=()
for p in "${PKGS[@]}"; do
  # npm ships inside some nodejs builds (e.g. NodeSource): a working npm is enough.
  [ "$p" = npm ] && command -v npm >/dev/null && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

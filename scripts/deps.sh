#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deps.sh: install, with apt-get, the Debian 12 packages ferry needs that are missing.
# Idempotent: does nothing when everything is present.
set -euo pipefail

PKGS=(
  build-essential pkg-config clang
  libsqlite3-dev sqlite3 libjansson-dev libsodium-dev libarchive-dev libarchive-tools
  libmicrohttpd-dev libcurl4-openssl-dev libgit2-dev libpq-dev libcmocka-dev zlib1g-dev
  libsystemd-dev libinih-dev libssl-dev xfsprogs
  python3 python3-prometheus-client scdoc man-db zsh
  debhelper dpkg-dev fakeroot lintian
  postgresql postgresql-client
  perl curl zstd git jq
  bubblewrap libcap2-bin
  nodejs npm chromium
  wrk nginx-light
  openssh-client openssh-server iproute2 util-linux
)
# examples/mediawiki: Debian's MediaWiki 1.39 and the PHP it runs on. Installed after the
# rest, so its "apache2 | httpd" dependency is met by nginx (nginx-light) and no Apache comes.
LATE_PKGS=(mediawiki php-cli php-sqlite3)

missing_of() {
  local p
  for p in "$@"; do
    # npm ships inside some nodejs builds (e.g. NodeSource): a working npm is enough.
    [ "$p" = npm ] && command -v npm >/dev/null && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
missing=($(missing_of "${PKGS[@]}"))
late=($(missing_of "${LATE_PKGS[@]}"))
[ ${#missing[@]} -eq 0 ] && [ ${#late[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]} ${late[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# openssh-server would start an sshd on port 22 where no init system says otherwise: the
# SSH tests run their own (tests/tools/hosts.sh), so packages start no service here.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy"
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || { [ -n "$policy" ] && $SUDO rm -f "$policy"; exit 1; }
[ -n "$policy" ] && $SUDO rm -f "$policy"
exit 0
[ ${#missing[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ ${#late[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${late[@]}"

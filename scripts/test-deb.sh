#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-deb.sh: the Debian package, end to end (.ci/run runs it; as root, on Debian 12):
# build it from a copy of the tree (dpkg-buildpackage -us -uc -b), lint it (lintian: no
# errors), install it (apt-get install ./ferry_*.deb), move the build tree away, then
# from a directory outside any checkout run the installed ferry (init, upgrade check)
# and the installed ferryd with the installed config (health, the UI, the OpenAPI
# document, /metrics, a token), check the unit, the manual pages and the completion;
# then a hostile vendor's packages attack from every process an environment runs under
# that ferryd (issue 20: each environment its own uid, every attempt denied, ferry's
# home unchanged); and remove the package (dpkg -r, then dpkg -P). Prints "N passed, N
# failed". systemd is not PID 1 here: ferryd and the operator's ferry run as the
# installed unit says (its User=, CapabilityBoundingSet=, NoNewPrivileges=, UMask=,
# Environment=), reproduced with setpriv; its mount hardening (ProtectSystem=,
# PrivateTmp=, ...) is not.
set -uo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "test-deb: run as root (it installs the package)" >&2; exit 2; }
pass=0 fail=0 n=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/#   /' "$2"; }
check() { # check 'what' command...: ok when the command succeeds (its output in $T/out)
  local what=$1; shift
  if "$@" >"$T/out" 2>&1; then ok "$what"; else not_ok "$what" "$T/out"; fi
}
finish() {
  echo "1..$n"
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit
}

T=$(mktemp -d "${TMPDIR:-/tmp}/ferry-deb.XXXXXX")
FERRYD_PID=
cleanup() {
  [ -n "$FERRYD_PID" ] && kill "$FERRYD_PID" 2>/dev/null
  declare -F sb_cleanup >/dev/null && sb_cleanup
  if dpkg-query -W -f='${Status}' ferry 2>/dev/null | grep -q "ok installed\|config-files"; then
    dpkg -P ferry >/dev/null 2>&1
  fi
  rm -rf "$T"
}
trap cleanup EXIT

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
if dpkg-query -W -f='${Status}' ferry 2>/dev/null | grep -q "installed"; then
  echo "# a ferry package was installed: purging it first"
  dpkg -P ferry >/dev/null
fi

# 1. Build from a copy of the tree (what git tracks or would: no build/, no node_modules).
B="$T/build/ferry-$version"
mkdir -p "$B"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$B"
if (cd "$B" && dpkg-buildpackage -us -uc -b -j2) >"$T/build.log" 2>&1; then
  ok "dpkg-buildpackage -us -uc -b builds ferry_${version}"
else
  tail -40 "$T/build.log" >"$T/out"; not_ok "dpkg-buildpackage" "$T/out"; finish
fi
DEB=$(ls "$T"/build/ferry_"${version}"_*.deb)
check "the package holds the binaries, data, pages, completion, config and unit" \
  bash -c "dpkg-deb -c '$DEB' >'$T/list' && for f in ./usr/bin/ferry ./usr/sbin/ferryd \
    ./usr/share/ferry/catalog/finance-operations.json ./usr/share/ferry/daemon/openapi.json \
    ./usr/share/ferry/daemon/web/index.html ./usr/share/ferry/examples/README.md \
    ./usr/share/man/man1/ferry.1.gz ./usr/share/man/man1/ferry-upgrade.1.gz \
    ./usr/share/man/man8/ferryd.8.gz ./usr/share/man/man5/ferryd.conf.5.gz \
    ./usr/share/man/man5/ferry-package.5.gz ./usr/share/bash-completion/completions/ferry \
    ./usr/share/zsh/vendor-completions/_ferry ./etc/ferry/ferryd.conf \
    ./lib/systemd/system/ferryd.service ./usr/share/doc/ferry/copyright; do
    grep -q \" \$f\$\" '$T/list' || { echo \"missing \$f\"; exit 1; }; done"
# libpq, libcurl, libgit2, libarchive: opened with dlopen, so not found by dpkg-shlibdeps
check "Depends names the libraries ferry opens with dlopen, Recommends libssl3" \
  bash -c "dpkg-deb -f '$DEB' Depends | grep -q 'libpq5' && dpkg-deb -f '$DEB' Depends | grep -q 'libcurl4' \
    && dpkg-deb -f '$DEB' Depends | grep -q 'libgit2-1.5' && dpkg-deb -f '$DEB' Depends | grep -q 'libarchive13' \
    && dpkg-deb -f '$DEB' Recommends | grep -q 'libssl3'"
lintian --fail-on error --display-info "$DEB" >"$T/lintian" 2>&1
lint_rc=$?
sed 's/^/# lintian: /' "$T/lintian"
if [ $lint_rc -eq 0 ] && ! grep -q "^E: " "$T/lintian"; then ok "lintian: no errors"; else not_ok "lintian: no errors" "$T/lintian"; fi

# 2. Install; the build tree goes away (nothing may point at it).
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$DEB" >"$T/out" 2>&1; then
  ok "apt-get install ./ferry_${version}_*.deb"
else
  not_ok "apt-get install" "$T/out"; finish
fi
mv "$T/build" "$T/moved"
check "no path of the build tree or the checkout in the installed binaries" \
  bash -c "! strings -a /usr/bin/ferry /usr/sbin/ferryd | grep -e '$T/build' -e '$SRC'"
check "the postinst made /var/lib/ferry (root's, 0700), initialized" \
  bash -c "[ \"\$(stat -c '%U %a' /var/lib/ferry)\" = 'root 700' ] && test -s /var/lib/ferry/ferry.db"

# 3. The installed ferry, from outside any checkout.
mkdir -p "$T/elsewhere" && cd "$T/elsewhere" || finish
export HOME="$T/elsewhere" FERRY_HOME="$T/elsewhere/home"
unset FERRY_DATA_DIR FERRY_STORE XDG_DATA_HOME
check "ferry version --json names /usr/share/ferry" \
  bash -c "ferry version --json | jq -e '.data_dir == \"/usr/share/ferry\"'"
check "ferry init" ferry init
check "ferry upgrade check --from 7.3 --to 8.1 (the installed catalog)" \
  bash -c "ferry upgrade check --from 7.3 --to 8.1 --json | jq -e '.from and .to'"
check "ferry upgrade begin --help and ferry op resume --help exit 0" \
  bash -c "ferry upgrade begin --help | grep -q '^usage: ferry upgrade begin' &&
    ferry op resume --help | grep -q '^usage: ferry op resume'"
check "man finds the installed pages" \
  bash -c "man -w ferry | grep -q /usr/share/man/man1/ferry.1 && man -w 8 ferryd >/dev/null &&
    man -w 5 ferryd.conf >/dev/null && man -w ferry-upgrade >/dev/null"
check "bash completion from the installed script" \
  bash -c "source /usr/share/bash-completion/completions/ferry && COMP_WORDS=(ferry upgrade be) &&
    COMP_CWORD=2 && _ferry && [ \"\${COMPREPLY[*]}\" = begin ]"
if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify ferryd.service" systemd-analyze verify /lib/systemd/system/ferryd.service
else
  echo "# systemd-analyze missing: the unit is not verified"
fi

# 4. The installed ferryd with the installed config, as the unit runs it (no systemd
#    here: as_unit reproduces the unit's user, capability bounding set, no_new_privs,
#    umask and environment; a free port instead of the configured one).
UNIT=/lib/systemd/system/ferryd.service
unit_user=$(sed -n 's/^User=//p' "$UNIT") && unit_user=${unit_user:-root}
unit_umask=$(sed -n 's/^UMask=//p' "$UNIT") && unit_umask=${unit_umask:-0022}
unit_env=$(sed -n 's/^Environment=//p' "$UNIT")
unit_bset=-all
for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT"); do c=${c#CAP_}; unit_bset="$unit_bset,+${c,,}"; done
unit_nnp=() && grep -qx 'NoNewPrivileges=yes' "$UNIT" && unit_nnp=(--no-new-privs)
echo "# the unit: User=$unit_user, UMask=$unit_umask, bounding set $unit_bset, ${unit_nnp[*]:-no no_new_privs}"
# as_unit CMD...: CMD as ferryd.service would run it (setpriv, env and sh exec: started
# as `(exec as_unit_argv... CMD) &`, $! is CMD's pid)
# shellcheck disable=SC2206 # unit_env: the unit's VAR=VALUE words
unit_argv=(setpriv --reuid="$unit_user" --regid="$unit_user" --init-groups --bounding-set "$unit_bset"
  "${unit_nnp[@]}" -- env -i $unit_env PATH=/usr/sbin:/usr/bin:/sbin:/bin
  /bin/sh -c 'umask "$0" && exec "$@"' "$unit_umask")
as_unit() { "${unit_argv[@]}" "$@"; }
F() { as_unit ferry --home /var/lib/ferry "$@"; }
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr ' ' '\n' | tr 'A-Z' 'a-z' | sort | paste -sd,)
ferryd_as_unit() { # /proc of the running ferryd against the unit
  local st=/proc/$FERRYD_PID/status eff
  eff=$(awk '/^CapEff:/ {print $2}' "$st")
  grep -q '^NoNewPrivs:[[:space:]]*1' "$st" && [ "$(awk '/^Uid:/ {print $2}' "$st")" = "$(id -u "$unit_user")" ] &&
    [ "$(awk '/^CapBnd:/ {print $2}' "$st")" = "$eff" ] &&
    capsh --decode="$eff" | sed 's/.*=//' | tr ',' '\n' | sort | paste -sd, | tee /dev/stderr | grep -qx "$unit_caps"
}
check "ferryd --check-config with /etc/ferry/ferryd.conf" \
  bash -c "/usr/sbin/ferryd --config /etc/ferry/ferryd.conf --check-config | grep -qx 'home = /var/lib/ferry'"
RUN="$T/run" && mkdir -p "$RUN" && chmod 0755 "$T"
(exec "${unit_argv[@]}" /usr/sbin/ferryd --config /etc/ferry/ferryd.conf --port 0 \
  --port-file "$RUN/port" 2>"$T/ferryd.log") &
FERRYD_PID=$!
for _ in $(seq 200); do [ -s "$RUN/port" ] && break; kill -0 "$FERRYD_PID" 2>/dev/null || break; sleep 0.05; done
if [ -s "$RUN/port" ]; then
  ok "the installed ferryd starts with the installed config, as the unit runs it"
  URL="http://127.0.0.1:$(cat "$RUN/port")"
  check "ferryd has the unit's user, no_new_privs and exactly its capabilities" ferryd_as_unit
  check "GET /api/health" bash -c "curl -sf '$URL/api/health' | jq -e '.status == \"ok\"'"
  check "GET / (the web UI from /usr/share/ferry)" bash -c "curl -sf '$URL/' | grep -qi '<html'"
  check "GET /api/openapi.json (the installed document)" \
    bash -c "curl -sf '$URL/api/openapi.json' | cmp - /usr/share/ferry/daemon/openapi.json"
  check "GET /metrics" bash -c "curl -sf '$URL/metrics' | grep -q '^ferryd_build_info'"
  TOKEN=$(F token create admin --role admin --json | jq -r .token)
  check "a token made with the installed ferry on /var/lib/ferry works" \
    bash -c "curl -sf -H 'Authorization: Bearer $TOKEN' '$URL/api/whoami' | jq -e '.role == \"admin\"'"
  # shellcheck source=scripts/test-deb-sandbox.sh
  . "$SRC/scripts/test-deb-sandbox.sh"
  kill "$FERRYD_PID"
  if wait "$FERRYD_PID"; then ok "ferryd stops cleanly on SIGTERM"; else not_ok "ferryd stops cleanly" "$T/ferryd.log"; fi
  FERRYD_PID=
else
  not_ok "the installed ferryd starts with the installed config" "$T/ferryd.log"
fi

# 5. Removal: dpkg -r keeps the config and the state; dpkg -P removes both.
check "dpkg -r ferry" dpkg -r ferry
check "after dpkg -r: no binaries; /etc/ferry/ferryd.conf and /var/lib/ferry stay" \
  bash -c "! test -e /usr/bin/ferry && ! test -e /usr/sbin/ferryd && ! test -e /usr/share/ferry &&
    test -e /etc/ferry/ferryd.conf && test -d /var/lib/ferry"
check "dpkg -P ferry" dpkg -P ferry
check "after dpkg -P: no config, no /var/lib/ferry, nothing of the package left" \
  bash -c "! test -e /etc/ferry && ! test -e /var/lib/ferry &&
    ! dpkg-query -W -f='\${Status}' ferry 2>/dev/null | grep -q installed"
finish

# SPDX-License-Identifier: MIT
# test-deb-sandbox.sh: sourced by scripts/test-deb.sh while the installed ferryd runs as
# the installed unit says (as_unit: its user, capability bounding set, no_new_privs):
# a hostile vendor (tests/e2e/t09-sandbox.lib, built from the package build's sample
# packages, signed by a key /var/lib/ferry trusts) attacks from its service (started
# by ferryd), the pre-install, post-install and DVT of a customization (applied through
# ferryd) and the scrub of a refresh (through ferryd). Every attempt is denied, each
# environment runs as a uid of its own (`env show --json` from ferryd reports it, and
# /proc agrees), and ferry's home is unchanged. The operator's local commands (deploy,
# keys, packages: `sudo ferry --home /var/lib/ferry ...`) run with the unit's
# capabilities too. Uses test-deb.sh's check/ok/not_ok, F, as_unit, URL, TOKEN, T.

FERRY_HOME=/var/lib/ferry
FERRY_BUILD="$T/moved/ferry-$version/build/release"
R() { as_unit env FERRY_TOKEN="$TOKEN" ferry --server "$URL" "$@"; }
SB_FERRY=F
SB="$T/sandbox" && mkdir -p "$SB/pkgs"
# t09-sandbox.lib refuses (a "not ok", exit 1) without the sample packages or perl
# shellcheck source=tests/e2e/t09-sandbox.lib
. "$SRC/tests/e2e/t09-sandbox.lib"

sb_build() { F -q package build "$1" -o "$SB/pkgs/$2.zip" --sign vendor &&
  F -q asset upload "$SB/pkgs/$2.zip" --project contoso; }

sb_setup() {
  F -q project create contoso && F -q key generate vendor && F -q key trust vendor --project contoso &&
  F -q env create prod --project contoso --role production --app 7.3 --platform PU12 &&
  F -q env create uat --project contoso --role sandbox --app 7.3 --platform PU12 &&
  F -q env create sbx --project contoso --role sandbox --app 7.3 --platform PU12 &&
  sb_build "$PKGS/ledger-app-7.3" app73 && F -q env deploy prod --package ledger-app@7.3.0 &&
  curl -sf "$(F env show prod --json | jq -r .url)/health" >/dev/null &&
  sb_targets "$SB/targets" vendor prod && sb_app "$SB/hostile-app" "$SB/targets" &&
  sb_custom "$SB/hostile-custom" "$SB/targets" &&
  sb_build "$SB/hostile-app" hostile-app && sb_build "$SB/hostile-custom" hostile-custom &&
  F asset list --project contoso --json | jq -e '[.[] | select(.version == "7.3.9" or
    .name == "hostile-custom") | .signer] == ["vendor", "vendor"]' >/dev/null
}
# the victim stopped, its files, ferry's keys and the asset library summed
home_files() { (cd "$FERRY_HOME" && find keys assets environments/prod -type f | sort | xargs sha256sum); }

sb_service() { # deployed by the operator's ferry without starting; ferryd starts it
  F -q env deploy sbx --package ledger-app@7.3.9 --no-start && R -q env start sbx &&
  F env logs sbx -n 1000 >"$SB/service.log" && sb_expect "$SB/service.log" service &&
  grep -q "sandbox-probe service: limits: open files 256, processes 64, memory 1048576" "$SB/service.log" &&
  grep -q "sandbox-probe service: denied: allocate past its memory limit" "$SB/service.log" &&
  curl -sf "$(R env show sbx --json | jq -r .url)/health" >/dev/null
}
sb_show() { # what ferryd reports, and what /proc says of the service
  R env show sbx --json >"$SB/sbx.json" && jq .runtimes.main.sandbox "$SB/sbx.json" | tee "$SB/sb.json" &&
  jq -e '.mode == "landlock" and .landlock_abi >= 1 and .user == "environment" and
    .uid >= 70000 and .uid <= 99999 and .gid == .uid and .no_new_privs and .capabilities == "none" and
    .limits == {open_files: 256, processes: 64, memory_mb: 1024} and .network.mode == "confined" and
    .filesystem.view == "/var/lib/ferry" and .process.uid == .uid and .process.no_new_privs and
    .process.capabilities == "none" and .process.open_files == 256 and .process.processes == 64 and
    .process.memory_mb == 1024 and .process.private_view' "$SB/sb.json" >/dev/null &&
  pid=$(jq .pid "$SB/sbx.json") && uid=$(jq .uid "$SB/sb.json") &&
  [ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$pid/status")" = "$uid$uid$uid$uid" ] &&
  grep -q '^CapEff:[[:space:]]*0000000000000000$' "/proc/$pid/status" &&
  [ "$(R env show prod --json | jq .runtimes.main.sandbox.uid)" != "$uid" ] &&
  d=$FERRY_HOME/environments/sbx &&
  [ "$(stat -c %u "$d/data" "$d/tmp" "$d/db" "$d/config.json" | sort -u)" = "$uid" ] &&
  [ "$(stat -c %u "$d" "$d/state" "$d/logs" | sort -u)" = 0 ]
}
sb_scripts() { # through ferryd: its job runs the scripts and the DVT
  R env apply sbx hostile-custom@1.0.0 >"$SB/apply.out" 2>&1 &&
  act=$(F op list --env sbx --json | jq -r ".[0].activity_id") && F op log "$act" >"$SB/apply.log" &&
  sb_expect "$SB/apply.log" pre-install && sb_expect "$SB/apply.log" post-install &&
  sb_expect "$SB/apply.log" dvt && grep -q "DVT HostileCustom: passed" "$SB/apply.log" &&
  R -q env signoff sbx
}
sb_scrub() { # a refresh into sbx through ferryd: the hostile application's scrub
  F -q env deploy uat --package ledger-app@7.3.9 && R db refresh --from uat --to sbx --yes >"$SB/refresh.out" 2>&1 &&
  act=$(F op list --env sbx --json | jq -r ".[0].activity_id") && F op log "$act" >"$SB/refresh.log" &&
  sb_expect "$SB/refresh.log" scrub
}
sb_unchanged() {
  home_files >"$SB/after.files" && diff "$SB/before.files" "$SB/after.files" &&
  [ "$(sb_sum prod)" = "$BEFORE" ] && ! sb_escaped && [ -z "$(ls "$FERRY_HOME/environments/prod/data")" ] &&
  [ "$(stat -c '%U %a' "$FERRY_HOME")" = "root 700" ] &&
  ls "$FERRY_HOME/environments/sbx/data" | grep -qx written-service &&
  ls "$FERRY_HOME/environments/sbx/data" | grep -qx written-dvt
}
sb_victim() { R -q env start prod && curl -sf "$(R env show prod --json | jq -r .url)/health" >/dev/null; }
# test-deb.sh's cleanup: what the test started, stopped by the local ferry
sb_cleanup() { local e; for e in prod uat sbx; do F -q env stop "$e" --grace 1 >/dev/null 2>&1; done; }
sb_stop() { local e rc=0; for e in prod uat sbx; do R -q env stop "$e" --grace 1 || rc=1; done; return $rc; }

check "sandbox: production runs the sample application; the hostile packages are signed by a trusted key" sb_setup
if F -q env stop prod; then
  home_files >"$SB/before.files" && BEFORE=$(sb_sum prod)
  check "sandbox: the service (started by ferryd) attacks: all denied, recorded in its log; it serves" sb_service
  check "sandbox: ferryd's env show --json reports the sandbox: its own uid, Landlock, limits; /proc agrees" sb_show
  [ -s "$SB/sb.json" ] && jq -c '{mode, landlock_abi, user, uid, gid, capabilities, limits, network,
    view: .filesystem.view, process: .process | {uid, capabilities, no_new_privs, private_view}}' \
    "$SB/sb.json" | sed 's/^/# env show sbx: /'
  check "sandbox: pre-install, post-install and DVT of a hostile customization (ferryd's job): all denied" sb_scripts
  check "sandbox: the scrub of a hostile application (a refresh through ferryd): all denied" sb_scrub
  check "sandbox: ferry's home, keys, assets and the victim unchanged; nothing escaped" sb_unchanged
  check "sandbox: the victim still works" sb_victim
else
  not_ok "sandbox: stop production"
fi
check "sandbox: the environments stop (through ferryd)" sb_stop

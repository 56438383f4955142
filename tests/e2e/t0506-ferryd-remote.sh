#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0506: `ferry --server URL` drives a remote ferryd with the same commands and output
# (one command table, two backends): every read command both backends offer prints the
# same JSON (and tables) as on the home; changes and operations started through the server
# are what the home then shows; an upgrade phase prints the status the home prints; errors
# keep their message and exit code; progress follows the server's event stream; commands
# of the home only say so; FERRY_SERVER and the config file name the server, FERRY_TOKEN
# the token.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM "$FERRYD_PID" 2>/dev/null; wait 2>/dev/null'

up_setup ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 fabrikam-tax-1.4 ledger-hotfix-kb4051234 >/dev/null || { echo "1..0 # SKIP setup failed"; exit 1; }
export FERRY_TOKEN=$(new_token admin admin)
ferryd_start || exit 1
remote() { "$FERRY" --server "$URL" "$@"; }
same() { cmp "$1" "$2" || { diff "$1" "$2"; return 1; }; }
no_disk() { jq "del(.checks[] | select(.check == \"disk-space\"))"; } # free space moves

test_expect_success 'read commands print the same JSON locally and through --server' '
  for cmd in "project list" "project show contoso" "env list" "env list --project contoso" \
      "env history sbx" "op list" "asset list --project contoso" "key list" "key list --project contoso" \
      "upgrade targets sbx" "env status prod"; do
    ferry --json $cmd >local.json && remote --json $cmd >remote.json || { echo "failed: $cmd"; exit 1; }
    cmp local.json remote.json || { echo "differs: $cmd"; diff local.json remote.json; exit 1; }
  done'
test_expect_success 'env show: the same JSON (runtime included), and with --view original' '
  ferry --json env show prod | jq "del(.runtimes[].healthy)" >l && remote --json env show prod | jq "del(.runtimes[].healthy)" >r && cmp l r &&
  ferry --json env show prod --view original >l && remote --json env show prod --view original >r &&
  jq -e ".view == \"original\"" r'
test_expect_success 'tables are the same too' '
  ferry env list >l && remote env list >r && cmp l r &&
  ferry op list >l && remote op list >r && cmp l r'
test_expect_success 'an operation through --server: the operation the home shows, as JSON' '
  remote --json env apply sbx fabrikam-tax@1.4.0 >r.json &&
  id=$(jq -r .activity_id r.json) && jq -e ".state == \"awaiting-signoff\" and .kind == \"env.apply\"" r.json &&
  ferry --json op show "$id" | jq "del(.duration_ms)" >l.json && jq "del(.duration_ms)" r.json >r2.json && cmp l.json r2.json &&
  equals "$(ferry op show "$id" --json | jq -r .actor)" token:admin'
test_expect_success 'the text outcome is the local one' '
  remote env signoff sbx >out && contains "$(cat out)" "Operation " && contains "$(cat out)" "succeeded"'
test_expect_success 'progress output follows the event stream (on a terminal)' '
  script -qec "$FERRY --server $URL env apply sbx ledger-hotfix-kb4051234@1.0.0" /dev/null >tty.out &&
  grep -q "\[1/" tty.out && grep -q "fetch succeeded" tty.out && grep -q "awaiting sign-off" tty.out &&
  remote -q env rollback sbx'
test_expect_success 'errors: the same message and exit code as locally' '
  ferry env show nope 2>l; lrc=$?; remote env show nope 2>r; rrc=$?;
  equals "$lrc" 3 && equals "$rrc" 3 && cmp l r &&
  ferry --json env signoff sbx 2>l; lrc=$?; remote --json env signoff sbx 2>r; rrc=$?;
  cat l r; equals "$lrc" "$rrc" && cmp l r && jq -e ".error.code == \"conflict\"" r'
test_expect_success 'a wrong token: refused (exit 5) with the server'"'"'s message' '
  FERRY_TOKEN=ferry_0000000000000000_x "$FERRY" --server "$URL" env list 2>err; equals $? 5 &&
  grep -q "ferry: error:" err'
test_expect_success 'FERRY_SERVER and the config file name the server' '
  FERRY_SERVER=$URL "$FERRY" --json env list >r && ferry --json env list >l && cmp l r &&
  mkdir -p cfg/ferry && printf "server = %s\ntoken = %s\n" "$URL" "$FERRY_TOKEN" >cfg/ferry/config &&
  env -u FERRY_HOME -u FERRY_TOKEN XDG_CONFIG_HOME=$SCRATCH/cfg "$FERRY" --json project list >r2 &&
  ferry --json project list >l2 && cmp l2 r2'
test_expect_success 'assets through --server: upload and download are the same bytes' '
  ferry -q package build "$PKGS/contoso-reports" -o rep.zip --sign vendor &&
  remote --json asset upload rep.zip --project contoso >up.json && jq -e ".existed == false" up.json &&
  remote asset download "$(jq -r .sha256 up.json)" -o back.zip >/dev/null && cmp rep.zip back.zip'
test_expect_success 'every read command both backends offer: the same JSON' '
  id=$(ferry op list --json | jq -r ".[0].activity_id") &&
  sha=$(ferry asset list --project contoso --json | jq -r ".[0].sha256") &&
  remote -q --at +1h env signoff prod && sid=$(ferry schedule list --json | jq -r ".[0].id") &&
  for cmd in "project list" "project show contoso" "feature list --project contoso" \
      "env list" "env list --project contoso" "env list --all" "env show sbx --view original" \
      "env status prod" "env status prod --view original" "env history sbx" "env config prod" \
      "op list" "op list --env sbx --limit 2" "op show $id" "op show ${id:0:8}" "op log $id" \
      "audit --limit 5" "audit --project contoso --limit 3" "key list" "key list --project contoso" \
      "asset list" "asset list --project contoso" "asset show $sha --project contoso" \
      "asset show ledger-app@8.1.0 --project contoso" "schedule list" \
      "schedule list --project contoso" "schedule show $sid" "upgrade targets sbx" \
      "upgrade check --from 7.3 --to 8.1" \
      "upgrade check --env sbx --to 8.1" "catalog list"; do
    ferry --json $cmd >local.json && remote --json $cmd >remote.json || { echo "failed: $cmd"; exit 1; }
    cmp local.json remote.json || { echo "differs: $cmd"; diff local.json remote.json; exit 1; }
  done &&
  ferry --json token list | jq "del(.[].last_used)" >l && remote --json token list | jq "del(.[].last_used)" >r &&
  same l r && ferry env logs prod -n 5 >l && remote env logs prod -n 5 >r && same l r &&
  ferry --json upgrade preflight sbx --to 8.1 | no_disk >l &&
  remote --json upgrade preflight sbx --to 8.1 | no_disk >r && same l r &&
  ferry op log "$id" >l && remote op log "$id" >r && same l r && test -s r'
test_expect_success 'tables and fields are the same too' '
  for cmd in "project list" "env status prod" "op show $(ferry op list --json | jq -r ".[0].activity_id")" \
      "key list --project contoso" "schedule list" "upgrade targets sbx"; do
    ferry $cmd >l && remote $cmd >r && same l r || { echo "differs: $cmd"; diff l r; exit 1; }
  done'
test_expect_success 'refusals of reads: the same message and exit code' '
  for cmd in "upgrade status sbx" "op show 00000000" "schedule show 999" "asset show nope --project contoso" \
      "upgrade check --from 7.3 --to 7.2" "upgrade preflight nope --to 8.1"; do
    ferry $cmd >lo 2>l; lrc=$?; remote $cmd >ro 2>r; rrc=$?
    [ "$lrc" != 0 ] && equals "$lrc" "$rrc" || { echo "exit $lrc/$rrc: $cmd"; cat l r; exit 1; }
    [ "$cmd" = "upgrade check --from 7.3 --to 7.2" ] || same l r || { echo "differs: $cmd"; diff l r; exit 1; }
  done'
test_expect_success 'changes through --server are what the home then shows' '
  remote project create fabrikam --description "through ferryd" >out && contains "$(cat out)" "Created project" &&
  equals "$(ferry project show fabrikam --json | jq -r .description)" "through ferryd" &&
  remote --json project set fabrikam --allow-unsigned yes | jq -e ".allow_unsigned" &&
  remote feature enable upgrade-self-serve --project fabrikam >/dev/null &&
  ferry feature list --project fabrikam --json | jq -e "map(select(.name == \"upgrade-self-serve\"))[0].enabled" &&
  remote env create f1 --project fabrikam --role sandbox --app 7.3 --platform PU12 >out &&
  contains "$(cat out)" "Created environment .f1." && ferry env show f1 --json | jq -e ".project == \"fabrikam\"" &&
  ferry key export vendor >vendor.pub && remote key trust vendor.pub --project fabrikam >out &&
  contains "$(cat out)" "trusts key .vendor." &&
  remote key revoke vendor --project fabrikam >/dev/null &&
  ferry key list --project fabrikam --json | jq -e ".[0].state == \"revoked\"" &&
  remote env rm f1 >out && contains "$(cat out)" "Deleted environment" &&
  remote --json token create robot --role viewer --project contoso | jq -e ".token | startswith(\"ferry_\")" &&
  remote token revoke robot >/dev/null && ferry token list --json | jq -e "map(select(.name == \"robot\"))[0].state == \"revoked\""'
test_expect_success 'the runtime through --server: restart, config, status' '
  remote env restart prod --grace 1 >out && contains "$(cat out)" "Restarted .prod.: http" &&
  remote env config prod --set probe_note=remote >out && contains "$(cat out)" "1 change" &&
  equals "$(ferry env config prod | jq -r .probe_note)" remote &&
  remote -q env config prod --unset probe_note && equals "$(ferry env config prod | jq -r .probe_note)" null &&
  remote --json env stop sbx --grace 1 | jq -e ".state == \"stopped\"" &&
  remote --json env start sbx | jq -e ".state == \"running\"" &&
  remote env start sbx >out && contains "$(cat out)" "Started .sbx." &&
  equals "$(ferry env status sbx --json | jq -r .state)" running'
test_expect_success 'a schedule cancelled through --server' '
  sid=$(ferry schedule list --json | jq -r ".[0].id") &&
  remote schedule cancel "$sid" >out && contains "$(cat out)" "Cancelled schedule $sid" &&
  equals "$(ferry schedule show "$sid" --json | jq -r .state)" cancelled &&
  remote schedule cancel "$sid" 2>err; equals $? 4'
test_expect_success 'an upgrade phase through --server prints the status the home prints' '
  remote upgrade begin sbx --to 8.1 >out && contains "$(cat out)" "upgrade of .sbx. is prepared" &&
  for cmd in "upgrade status sbx" "env show sbx --view upgrade" "env show sbx --view original" \
      "env status sbx --view upgrade"; do
    ferry --json $cmd | jq "del(.. | .healthy?)" >l && remote --json $cmd | jq "del(.. | .healthy?)" >r &&
    same l r || { echo "differs: $cmd"; diff l r; exit 1; }
  done &&
  ferry upgrade status sbx >l && remote upgrade status sbx >r && same l r &&
  ferry --json upgrade preflight sbx --data >l; lrc=$?; remote --json upgrade preflight sbx --data >r; rrc=$?;
  equals "$lrc" "$rrc" && no_disk <l >l2 && no_disk <r >r2 && same l2 r2 &&
  remote --json upgrade cancel sbx >c.json && jq -e ".phase == \"cancelled\"" c.json &&
  equals "$(ferry upgrade status sbx --json | jq -r .phase)" cancelled'
test_expect_success 'commands of the home only say so through --server (exit 2), before their arguments' '
  for cmd in "init" "package build x -o y" "key generate k" "key export vendor" "env deploy sbx --from-dir x" \
      "env db sbx checksum" "env data-upgrade sbx" "op selftest --dir x" "db copy --from prod --to sbx" \
      "db history" "notify list --project contoso" "catalog show" "catalog validate x.json" "code scan x" \
      "hotfix list x" "upgrade watch sbx" "upgrade housekeep" "asset extract a b --project contoso" \
      "package verify x" "env logs prod --follow"; do
    remote $cmd >out 2>err; rc=$?
    equals "$rc" 2 && grep -q "not available with --server" err && ! test -s out || { echo "$cmd: exit $rc"; cat err; exit 1; }
  done'
test_expect_success 'a command the server does not offer says so (exit 2)' '
  remote key generate k 2>err; equals $? 2 && grep -q "not available with --server" err'
ferryd_stop
test_done

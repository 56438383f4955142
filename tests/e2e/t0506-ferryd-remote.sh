#!/usr/bin/env bash
# t0506: `ferry --server URL` drives a remote ferryd with the same commands and output:
# read commands print the same JSON (and tables) as on the home; operations started
# through the server print the operation the home shows; errors keep their message and
# exit code; progress follows the server's event stream; FERRY_SERVER and the config
# file name the server, FERRY_TOKEN the token.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM "$FERRYD_PID" 2>/dev/null; wait 2>/dev/null'

up_setup ledger-app-7.3 fabrikam-tax-1.4 ledger-hotfix-kb4051234 >/dev/null || { echo "1..0 # SKIP setup failed"; exit 1; }
export FERRY_TOKEN=$(new_token admin admin)
ferryd_start || exit 1
remote() { "$FERRY" --server "$URL" "$@"; }

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
test_expect_success 'a command the server does not offer says so (exit 2)' '
  remote key generate k 2>err; equals $? 2 && grep -q "not available with --server" err'
ferryd_stop
test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0005: the command table: `ferry help` lists every group, `ferry GROUP help` its
# commands, and every command answers --help and -h with its usage on stdout and exit 0
# (walked through the text, then checked against the table as JSON, `ferry help --json`,
# which shell completion and manual pages are made from). Help needs no home and no
# server; usage errors still exit 2.
. "$(dirname "$0")/lib.sh"

DEAD=http://127.0.0.1:9   # nothing listens: help must not ask a server

# The commands as `ferry help` and `ferry GROUP help` list them: "group" or "group cmd".
walk() {
  local g line
  ferry help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' >groups.txt
  [ -s groups.txt ] || return 1
  while read -r g; do
    out=$(ferry "$g" help 2>&1); rc=$?
    if [ "$rc" = 0 ] && grep -q "^commands:" <<<"$out"; then
      awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' <<<"$out" |
        while read -r line; do echo "$g $line"; done
    else
      echo "$g"   # a command of its own (init, audit, version, help)
    fi
  done <groups.txt
}

test_expect_success 'help lists the groups, a group lists its commands (stdout, exit 0)' '
  walk >commands.txt && [ "$(wc -l <groups.txt)" -ge 15 ] && [ "$(wc -l <commands.txt)" -ge 70 ] &&
  grep -qx "upgrade begin" commands.txt && grep -qx "op resume" commands.txt && grep -qx init commands.txt &&
  ferry help >/dev/null 2>err && ! test -s err'
test_expect_success 'every command answers --help and -h with its usage on stdout, exit 0, no home needed' '
  ! test -e "$FERRY_HOME" && mkdir help &&
  while read -r cmd; do
    for h in --help -h; do
      ferry $cmd $h >out 2>err || { echo "exit $?: ferry $cmd $h"; cat err; exit 1; }
      head -1 out | grep -q "^usage: ferry $cmd" || { echo "no usage: ferry $cmd $h"; cat out; exit 1; }
      grep -q -- "--help" out && ! test -s err || { echo "incomplete: ferry $cmd $h"; exit 1; }
    done
    cp out "help/${cmd// /_}"
  done <commands.txt &&
  ! test -e "$FERRY_HOME"'
test_expect_success 'ferry help GROUP CMD is the same usage' '
  ferry help upgrade begin >a && ferry upgrade begin --help >b && cmp a b &&
  ferry help init >a && ferry init --help >b && cmp a b'
test_expect_success 'the ones issue 17 names: upgrade begin, op resume (not an ID)' '
  ferry upgrade begin --help | grep -q -- "--to RELEASE" &&
  ferry op resume --help >out && head -1 out | grep -qx "usage: ferry op resume OP" &&
  ferry op resume -h >out && head -1 out | grep -qx "usage: ferry op resume OP"'
test_expect_success 'help through --server asks no server' '
  ferry --server $DEAD upgrade begin --help >out && grep -q "^usage: ferry upgrade begin" out &&
  ferry --server $DEAD key generate --help >out && grep -q "not with --server" out &&
  ferry --server $DEAD help >/dev/null'
test_expect_success 'the table as JSON: every command the text lists, with usage and options as data' '
  ferry help --json >table.json &&
  jq -r ".[] | if .command then .name else .name + \" \" + (.commands[].name) end" table.json | sort >json.txt &&
  sort commands.txt | cmp - json.txt &&
  jq -e "[.[] | (.command // .commands[])] | all(.summary != \"\" and (.usage | startswith(\"ferry \")) and (.options | type == \"array\"))" table.json &&
  jq -e "[.[] | (.commands // [])[] | .options[]] | all(.name != \"\" and .help != \"\")" table.json &&
  jq -e ".[] | select(.name == \"env\") | .commands[] | select(.name == \"logs\") | .options[] | select(.name == \"follow\") | .local" table.json &&
  jq -e ".[] | select(.name == \"upgrade\") | .commands[] | select(.name == \"begin\") | .schedulable" table.json'
test_expect_success 'each option of the table shows in its command'"'"'s help' '
  jq -r ".[] | (.command // .commands[]) as \$c | (if .command then .name else .name + \" \" + \$c.name end) as \$p | \$c.options[] | \$p + \"|\" + .name" table.json >opts.txt &&
  [ "$(wc -l <opts.txt)" -ge 60 ] &&
  while IFS="|" read -r cmd opt; do
    grep -q -- "--$opt" "help/${cmd// /_}" || { echo "ferry $cmd --help lacks --$opt"; exit 1; }
  done <opts.txt'
test_expect_code 2 'a group without its command is a usage error' 'ferry env'
test_expect_code 2 'an unknown option is still a usage error' 'ferry op resume --bogus'
test_expect_code 2 'a missing argument is a usage error naming it' '
  out=$(ferry op resume 2>&1); rc=$?; contains "$out" "missing OP" && contains "$out" "usage: ferry op resume OP"; exit $rc'
test_done

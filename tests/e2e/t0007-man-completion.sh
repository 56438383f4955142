#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0007: the manual pages (generated from the command table, and man/*.scd) render
# without a warning and cover every group, command and setting; shell completion,
# generated from the same table, completes groups, commands, options and the names
# ferry knows (environments, projects) in bash, and parses in zsh.
. "$(dirname "$0")/lib.sh"

MAN="$FERRY_BUILD/man"
COMP="$FERRY_BUILD/completion"
test_expect_success 'the pages are built (make man)' '
  test -s "$MAN/ferry.1" && test -s "$MAN/ferryd.8" && test -s "$MAN/ferryd.conf.5" &&
  test -s "$MAN/ferry-package.5" && test -s "$MAN/ferry-upgrade.1" && test -s "$MAN/ferry-env.1"'
test_expect_success 'one page per command group, naming each of its commands' '
  ferry help --json >table.json &&
  for g in $(jq -r ".[] | select(.commands) | .name" table.json); do
    test -s "$MAN/ferry-$g.1" || { echo "no page for $g"; exit 1; }
    for c in $(jq -r --arg g "$g" ".[] | select(.name == \$g) | .commands[].name" table.json); do
      MANWIDTH=200 man -l "$MAN/ferry-$g.1" 2>/dev/null | grep -q "ferry $g $c" ||
        { echo "ferry-$g(1) lacks $c"; exit 1; }
    done
  done'
test_expect_success 'man -l renders every page without a warning' '
  n=0; for p in "$MAN"/*.[158]; do
    w=$(MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
    [ -z "$w" ] || { echo "$p: $w"; exit 1; }
    MANWIDTH=80 man -l "$p" 2>/dev/null | grep -q "^NAME" || { echo "$p: no NAME"; exit 1; }
    n=$((n + 1))
  done; test $n -ge 18'
test_expect_success 'ferryd.conf(5) documents every key ferryd takes' '
  keys=$( { sed -n "s/^	{ \"\([a-z-]*\)\", \"\(FERRY_[A-Z_]*\|TMPDIR\)\".*/\1/p" "$FERRY_SRC/lib/base/settings.c";
            sed -n "s/^	{ \"\([a-z-]*\)\", OWN_.*/\1/p" "$FERRY_SRC/daemon/config.c"; } ) &&
  test $(echo "$keys" | wc -l) -ge 20 &&
  for k in $keys; do grep -q "\*$k\*" "$FERRY_SRC/man/ferryd.conf.5.scd" ||
    { echo "ferryd.conf(5) lacks $k"; exit 1; }; done'

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry project create fabrikam >/dev/null
ferry env create contoso-uat --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null
ferry env create contoso-prod --project contoso --role production --app 7.3 --platform PU12 >/dev/null
# complete WORDS...: the last word is the one being completed; prints COMPREPLY sorted.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _ferry;
           printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$COMP/ferry.bash" "$@"
}
PATH="$FERRY_BUILD:$PATH"
test_expect_success 'bash: groups and commands' '
  equals "$(complete_words ferry upg)" "upgrade " && equals "$(complete_words ferry up)" "update upgrade " &&
  equals "$(complete_words ferry upgrade b)" "begin " &&
  equals "$(complete_words ferry upgrade st)" "status " &&
  equals "$(complete_words ferry help upg)" "upgrade "'
test_expect_success 'bash: options of the command, and their values' '
  equals "$(complete_words ferry upgrade check --f)" "--from --from-platform " &&
  equals "$(complete_words ferry env create x --role "")" "development production sandbox " &&
  equals "$(complete_words ferry env apply contoso-uat --sl)" "--slot " &&
  contains "$(complete_words ferry --j)" "--json"'
test_expect_success 'bash: names from ferry itself (environments, projects)' '
  equals "$(complete_words ferry env show contoso-)" "contoso-prod contoso-uat " &&
  equals "$(complete_words ferry upgrade begin contoso-p)" "contoso-prod " &&
  equals "$(complete_words ferry env create x --project "")" "contoso fabrikam " &&
  equals "$(complete_words ferry project show f)" "fabrikam "'
test_expect_success 'bash: the --home and --store on the line are the ones asked' '
  mkdir other && ferry --home other --store other/ferry.db init >/dev/null &&
  ferry --home other --store other/ferry.db project create zeta >/dev/null &&
  equals "$(complete_words ferry --home other --store other/ferry.db project show "")" "zeta "'
# zsh: the function run with compadd/_describe/_files recording what they are given
# (zsh filters by the prefix itself, so whole lists come back).
cat >zsh-complete.zsh <<'ZSH'
source "$1" 2>/dev/null
compdef() { :; }
out=()
compadd() { local a; if [[ $1 == -a ]]; then shift; for a in "$@"; do out+=(${(P)a}); done; else out+=("$@"); fi; }
_describe() { out+=(${${(P)4}%%:*}); }
_files() { out+=(FILES); }
shift; words=("$@"); CURRENT=$#; _ferry; print -r -- ${(o)out}
ZSH
zc() { zsh -f zsh-complete.zsh "$COMP/_ferry" "$@"; }
test_expect_success 'zsh: the function parses and completes groups, commands, values, names' '
  command -v zsh >/dev/null || { echo "zsh missing (scripts/deps.sh installs it)"; exit 1; }
  zsh -n "$COMP/_ferry" && head -1 "$COMP/_ferry" | grep -qx "#compdef ferry" &&
  contains "$(zc ferry up)" "upgrade" && contains "$(zc ferry upgrade be)" "begin" &&
  equals "$(zc ferry env create x --role "")" "development production sandbox" &&
  equals "$(zc ferry env show "")" "contoso-prod contoso-uat" &&
  equals "$(zc ferry package build "")" "FILES"'
test_done

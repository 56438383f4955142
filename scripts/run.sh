#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh BUILD: `make run`: a sample project on the embedded default store (SQLite),
# in ./run-home, and the commands to try next. Safe to run again. APPS="mediawiki" (make run
# APPS=mediawiki) adds a MediaWiki project (scripts/run-mediawiki.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath "${1:-build/release}")
FERRY="$BUILD/ferry"
export FERRY_HOME="${FERRY_HOME:-$PWD/run-home}"

"$FERRY" init
"$FERRY" project show contoso >/dev/null 2>&1 || \
  "$FERRY" project create contoso --description "Contoso: sample project (examples/ledger)"
for spec in "contoso-dev development" "contoso-uat sandbox" "contoso-prod production"; do
  set -- $spec
  "$FERRY" env show "$1" >/dev/null 2>&1 || \
    "$FERRY" env create "$1" --project contoso --role "$2" --app 7.3 --platform PU12
done
# Running sample environments (scripts/run-extra.sh), then ferryd and its web UI.
[ -f scripts/run-extra.sh ] && bash scripts/run-extra.sh "$BUILD"
# Optional applications: `make run APPS=mediawiki` adds project "wiki" (examples/mediawiki).
case " ${APPS:-} " in *" mediawiki "*) bash scripts/run-mediawiki.sh "$BUILD";; esac
[ -f scripts/run-ferryd.sh ] && bash scripts/run-ferryd.sh "$BUILD"

echo
"$FERRY" env list
cat <<EOT

ferry is ready. Try:
  export FERRY_HOME=$FERRY_HOME PATH=$BUILD:\$PATH
  ferry env list --json
  ferry upgrade check --from 7.3 --to 8.1
  ferry update calendar --project contoso --json   # the next service updates
  ferry feature enable upgrade-self-serve --project contoso
EOT

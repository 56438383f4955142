#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-extra.sh BUILD: the part of `make run` that brings the sample project to life: the
# sample application examples/ledger on contoso-prod (with generated data) and contoso-uat
# (refreshed from production, scrubbed), both running release 7.3; signed packages of 7.3,
# 8.1, the 8.1 data upgrade, an ISV and a customization package in the asset library; a
# development environment on 8.1 for the data upgrade rehearsal; the preview feature on.
# Then the commands to try a self-service upgrade. Safe to run again (FERRY_HOME is set by
# scripts/run.sh).
set -euo pipefail
BUILD=$(realpath "${1:-build/release}")
FERRY="$BUILD/ferry"
PKGS="$BUILD/examples/packages"
LEDGERCTL="$BUILD/examples/bin/ledgerctl"
f() { "$FERRY" "$@"; }

if [ ! -d "$PKGS/ledger-app-7.3" ] || [ ! -x "$LEDGERCTL" ]; then
	echo "run-extra: the sample application is not built ($PKGS): run 'make examples'" >&2
	exit 0
fi

# Signing key, trust, preview feature.
f key list --json | jq -e 'map(.name) | index("contoso-vendor") != null' >/dev/null ||
	f --quiet key generate contoso-vendor
f key list --project contoso --json | jq -e 'map(select(.name == "contoso-vendor" and .state == "trusted")) | length > 0' \
	>/dev/null 2>&1 || f --quiet key trust contoso-vendor --project contoso
f --quiet feature enable upgrade-self-serve --project contoso

# Packages: built, signed, uploaded once.
mkdir -p "$FERRY_HOME/packages"
for p in ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 fabrikam-tax-2.0 contoso-reports \
	ledger-service-update-10.0.0 ledger-service-update-10.0.1; do
	zip="$FERRY_HOME/packages/$p.zip"
	[ -f "$zip" ] || f --quiet package build "$PKGS/$p" -o "$zip" --sign contoso-vendor >/dev/null
	f --quiet asset upload "$zip" --project contoso >/dev/null
done
release_dir() { # the verified, extracted application package
	local d="$FERRY_HOME/packages/$1"
	[ -d "$d" ] || f --quiet package extract "$FERRY_HOME/packages/$1.zip" "$d" --project contoso >/dev/null
	echo "$d"
}

# deploy ENV PACKAGE [ROWS]: deployed once (with generated data), running.
deploy() {
	local db
	if ! f env show "$1" --json | jq -e '.runtimes.main' >/dev/null 2>&1; then
		f --quiet env deploy "$1" --from-dir "$(release_dir "$2")" --no-start >/dev/null
		db=$(f env show "$1" --json | jq -r .runtimes.main.database)
		[ -n "${3:-}" ] && "$LEDGERCTL" generate --db "$db" --rows "$3" --seed 7 >/dev/null
	fi
	f --quiet env start "$1" >/dev/null
}
deploy contoso-prod ledger-app-7.3 600
fresh=0
f env show contoso-uat --json | jq -e '.runtimes.main' >/dev/null 2>&1 || fresh=1
deploy contoso-uat ledger-app-7.3
[ $fresh = 1 ] && f --quiet db refresh --from contoso-prod --to contoso-uat >/dev/null
f env show contoso-dev81 >/dev/null 2>&1 ||
	f --quiet env create contoso-dev81 --project contoso --role development --app 8.1 --platform PU20
deploy contoso-dev81 ledger-app-8.1

# Service updates: the package named; ferryd applies them once enabled (docs/UPDATES.md).
f --quiet update settings --project contoso --package ledger-service-update

PROD=$(f env show contoso-prod --json | jq -r .url)
UAT=$(f env show contoso-uat --json | jq -r .url)
cat <<EOT

The sample application runs: contoso-prod $PROD, contoso-uat $UAT (release 7.3).
  curl $PROD/version; curl '$PROD/customers?limit=3'

A self-service upgrade of the sandbox, then production (docs/UPGRADE.md):
  ferry db refresh --from contoso-prod --to contoso-uat        # fresh production data, scrubbed
  ferry db copy --from contoso-prod --to contoso-dev81         # rehearse the data upgrade...
  ferry env data-upgrade contoso-dev81                         # ...its timings predict the downtime
  ferry upgrade targets contoso-uat
  ferry upgrade preflight contoso-uat --to 8.1
  ferry upgrade begin contoso-uat --to 8.1                     # zero downtime: the original keeps serving
  ferry env show contoso-uat --view upgrade
  ferry upgrade apply contoso-uat fabrikam-tax@2.0.0 && ferry upgrade signoff contoso-uat
  ferry upgrade apply contoso-uat contoso-reports@1.0.0 && ferry upgrade signoff contoso-uat
  ferry upgrade data contoso-uat                               # downtime: predicted, then measured
  ferry upgrade status contoso-uat
  ferry upgrade commit contoso-uat                             # or: ferry upgrade rollback contoso-uat
  ferry upgrade begin contoso-prod --to 8.1                    # production, the same way
Faults of the seed's known issues (then 'ferry upgrade resume'):
  ferry env config contoso-uat --view upgrade --set faults.ttscommit=1 --set faults.dvt_MRProcessService=1
Stop everything: for e in contoso-prod contoso-uat contoso-dev81; do ferry env stop \$e; done
EOT

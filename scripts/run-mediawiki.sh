#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-mediawiki.sh BUILD: the part of `make run APPS=mediawiki` that adds a second product:
# project "wiki" (product mediawiki, catalog/mediawiki.json) with MediaWiki 1.39 from Debian
# 12 (examples/mediawiki): the signed packages in its asset library, wiki-prod (production)
# and wiki-uat (sandbox, refreshed from production, scrubbed) on 1.39-core, wiki-dev
# (development) on 1.39-moderation for the data upgrade rehearsal, the preview feature on.
# Then the commands of a self-service upgrade to 1.39-moderation. Safe to run again
# (FERRY_HOME is set by scripts/run.sh).
set -euo pipefail
BUILD=$(realpath "${1:-build/release}")
FERRY="$BUILD/ferry"
PKGS="$BUILD/examples/mediawiki/pkgs"
f() { "$FERRY" "$@"; }

if [ ! -f "$PKGS/index.json" ]; then
	echo "run-mediawiki: the MediaWiki packages are not built ($PKGS): 'bash scripts/deps.sh' installs" \
		"Debian's mediawiki, then 'make examples'" >&2
	exit 0
fi
ref() { jq -r --arg d "$1" '.[$d].ref' "$PKGS/index.json"; }

f project show wiki >/dev/null 2>&1 ||
	f --quiet project create wiki --product mediawiki --description "A wiki: MediaWiki 1.39 from Debian 12 (examples/mediawiki)"
f --quiet key trust "$PKGS/mediawiki-build.pub" --project wiki >/dev/null 2>&1 || true
f --quiet feature enable upgrade-self-serve --project wiki
for p in "$PKGS"/*.tar.zst; do f --quiet asset upload "$p" --project wiki >/dev/null; done

# mw_env ENV ROLE RELEASE: deployed once (the first start installs MediaWiki with an
# administrator password of its own, kept in the environment's config.json), running.
mw_env() {
	f env show "$1" >/dev/null 2>&1 ||
		f --quiet env create "$1" --project wiki --role "$2" --app "$3" --platform PHP8.2
	if ! f env show "$1" --json | jq -e '.runtimes.main' >/dev/null 2>&1; then
		f --quiet env deploy "$1" --package "$(ref "mediawiki-$3")" --no-start >/dev/null
		f --quiet env config "$1" --set mediawiki.sitename="Contoso Wiki" \
			--set mediawiki.admin_password="Wiki-$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)" >/dev/null
	fi
	f --quiet env start "$1" >/dev/null
}
mw_env wiki-prod production 1.39-core
fresh=0
f env show wiki-uat --json 2>/dev/null | jq -e '.runtimes.main' >/dev/null 2>&1 || fresh=1
mw_env wiki-uat sandbox 1.39-core
[ $fresh = 1 ] && f --quiet db refresh --from wiki-prod --to wiki-uat >/dev/null
mw_env wiki-dev development 1.39-moderation

PROD=$(f env show wiki-prod --json | jq -r .url)
UAT=$(f env show wiki-uat --json | jq -r .url)
cat <<EOT

MediaWiki runs: wiki-prod $PROD/index.php/Main_Page, wiki-uat $UAT/index.php/Main_Page
(1.39-core). Log in as Admin with the environment's password:
  ferry env config wiki-prod --json | jq -r .mediawiki.admin_password

Servicing, then the upgrade to 1.39-moderation (AbuseFilter, OATHAuth; docs/APPLICATIONS.md):
  ferry env apply wiki-uat $(ref contoso-wiki-look) && ferry env signoff wiki-uat   # MonoBook, an interwiki
  ferry upgrade check --from 1.39-core --to 1.39-moderation --product mediawiki
  ferry db copy --from wiki-prod --to wiki-dev && ferry env data-upgrade wiki-dev   # the rehearsal: update.php
  ferry upgrade begin wiki-uat --to 1.39-moderation            # installed beside the serving wiki
  ferry upgrade data wiki-uat                                  # downtime: update.php on the real data
  ferry upgrade commit wiki-uat                                # or: ferry upgrade rollback wiki-uat
Stop: for e in wiki-prod wiki-uat wiki-dev; do ferry env stop \$e; done
EOT

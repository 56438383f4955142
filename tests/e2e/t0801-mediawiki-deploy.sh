#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0801: MediaWiki 1.39 from Debian 12, an application nobody here wrote, managed by ferry
# with the commands the ledger uses: the second product's catalog; a fresh deploy from a
# signed package (install.php as the package's install script on the empty database);
# health on /index.php/Main_Page; DVT over api.php (siteinfo, a page read, an admin login);
# a database refresh production -> sandbox with the scrub the package declares (emails and
# tokens cleared, every password but the administrator's invalidated, the job queue emptied);
# servicing of customization packages (LocalSettings fragments, a skin, SQL) with sign-off,
# production after the sandbox, and a rollback to the restore points (release and database).
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t08-mediawiki.lib"
scrub_status() { (cd "$(env_dir "$1")/current" && php bin/mwctl scrub-status --db "$(env_db "$1")"); }

test_expect_success 'the catalog: mediawiki is a second product with its own upgrade rule' '
	ferry catalog validate "$FERRY_SRC/catalog/mediawiki.json" >/dev/null &&
	ferry upgrade check --from 1.39-core --to 1.39-moderation --product mediawiki --json >chk.json &&
	jq -e ".kind == \"upgrade\" and .data_upgrade_required and (.code_upgrade_required | not)" chk.json &&
	jq -e "[.reasons[].rule] | index(\"\$.definitions.upgrade\") != null" chk.json'

test_expect_success 'setup: a project of product mediawiki, signed packages uploaded' '
	mw_setup &&
	ferry asset list --project wiki --json >assets.json &&
	jq -e "map(select(.signer == \"mediawiki-build\")) | length == 5" assets.json &&
	jq -e "map(.type) | sort == [\"application\", \"application\", \"customization\", \"customization\", \"data-upgrade\"]" assets.json'

test_expect_code 2 'environments of the wiki project are checked against its catalog' '
	ferry env create bad --project wiki --role sandbox --app 8.1 --platform PU20'

test_expect_success 'deploy production: install.php on the empty database, health on Main_Page' '
	mw_env prod production 1.39-core "$MW_PROD_PASS" &&
	ferry env status prod --json | jq -e ".healthy == true" &&
	grep -q "mwctl: installed 1.39-core" "$(env_dir prod)/logs/app.log" &&
	url=$(env_url prod) && curl -sf "$url/index.php/Main_Page" | grep -q "Contoso Wiki" &&
	contains "$(mw_generator "$url")" "MediaWiki 1.39" &&
	equals "$(mwsql prod "select count(*) from page")" 1 &&
	equals "$(mwsql prod "select user_name from user where user_id = 1")" Admin &&
	equals "$(mwsql prod "pragma journal_mode")" wal'

test_expect_success 'nothing of MediaWiki beside the database ferry manages; caches in the state dir' '
	equals "$(cd "$(env_dir prod)/db" && ls | grep -v "^app.db" | grep -v restore-points)" "" &&
	test -s "$(env_dir prod)/data/mediawiki/objectcache.sqlite" &&
	equals "$(mwsql prod "select count(*) from objectcache") $(mwsql prod "select count(*) from l10n_cache")" "0 0"'

test_expect_success 'the settings come from config.json: port, URL, site name' '
	jq -e ".mediawiki.sitename == \"Contoso Wiki\" and .port > 0" "$(env_cfg prod)" &&
	mw_api prod "action=query&meta=siteinfo" | jq -e ".query.general.server == \"$(env_url prod)\""'

test_expect_success 'DVT: siteinfo, a page read, a login with the admin account' '
	mw_dvt prod SiteInfo && mw_dvt prod PageRead && mw_dvt prod AdminLogin'

test_expect_success 'DVT failures name the service model and the reason' '
	ferry --quiet env config prod --set mediawiki.admin_password=wrong-password-1 &&
	! mw_dvt prod AdminLogin 2>err && ferry --quiet env config prod --set mediawiki.admin_password="$MW_PROD_PASS" &&
	file_contains err "DVT script for service model: AdminLogin failed: login as .Admin.: FAIL" &&
	! mw_dvt prod AbuseFilter 2>err && file_contains err "extension Abuse Filter is not loaded"'

test_expect_success 'production content: pages, accounts with emails, jobs, a bot password' '
	mw_seed prod "$MW_PROD_PASS" &&
	mwsql prod "INSERT INTO bot_passwords (bp_user, bp_app_id, bp_password, bp_token, bp_restrictions, bp_grants)
		VALUES (1, '\''backup'\'', '\'':pbkdf2:x'\'', '\''0123456789abcdef0123456789abcdef'\'', '\''{}'\'', '\''[]'\'')" &&
	[ "$(mwsql prod "select count(*) from job")" -gt 0 ] && [ "$(mwsql prod "select count(*) from page")" -ge 4 ] &&
	! scrub_status prod >st.json &&
	jq -e ".emails == 2 and .passwords_besides_admin >= 2 and .jobs > 0 and .bot_passwords == 1 and (.scrubbed | not)" st.json'

test_expect_success 'reads and logins leave the database as it was (canonical dump)' '
	db_dump prod >d1 && mw_dvt prod AdminLogin && mw_dvt prod PageRead &&
	curl -sf "$(env_url prod)/index.php/Special:RecentChanges" >/dev/null &&
	db_dump prod >d2 && cmp d1 d2'

test_expect_success 'a sandbox on 1.39-core, with its own administrator password' '
	mw_env sbx sandbox 1.39-core "$MW_SBX_PASS" && mw_dvt sbx AdminLogin &&
	equals "$(mw_login "$(env_url sbx)" Admin "$MW_PROD_PASS" jar)" FAIL'

test_expect_success 'refresh the sandbox from production: a scrubbed copy, recorded' '
	sum=$(db_dump prod | sha256sum) &&
	ferry db refresh --from prod --to sbx >out && contains "$(cat out)" "Refreshed" &&
	scrub_status sbx >st.json &&
	jq -e ".scrubbed and .users == 4 and .emails == 0 and .jobs == 0 and .user_tokens == 0" st.json &&
	equals "$(db_dump prod | sha256sum)" "$sum" &&
	ferry db history --json | jq -e ".[0].kind == \"refresh\" and .[0].source == \"prod\" and .[0].target == \"sbx\""'

test_expect_success 'the scrub ran the steps the package declares, in order' '
	op=$(ferry op list --env sbx --json | jq -r "[.[] | select(.kind == \"db.refresh\")][0].activity_id") &&
	ferry op log "$op" scrub >log &&
	equals "$(grep "^step .*: ok in" log | cut -d" " -f2 | tr "\n" " ")" "invalidate-passwords: clear-emails-and-tokens: empty-job-queue: "'

test_expect_success 'the content came over: same pages and revisions, readable on the sandbox' '
	equals "$(mwsql sbx "select count(*) from page") $(mwsql sbx "select count(*) from revision")" \
		"$(mwsql prod "select count(*) from page") $(mwsql prod "select count(*) from revision")" &&
	contains "$(mw_content "$(env_url sbx)" "Project page 2")" "Page 2 links to" &&
	mw_dvt sbx PageRead && mw_dvt sbx SiteInfo'

test_expect_success 'only the administrator logs in on the sandbox, with the sandbox password' '
	mw_dvt sbx AdminLogin &&
	equals "$(mw_login "$(env_url sbx)" Admin "$MW_PROD_PASS" j1)" FAIL &&
	equals "$(mw_login "$(env_url sbx)" Editor1 Editor-pass-1-2026 j2)" FAIL &&
	equals "$(mw_login "$(env_url prod)" Editor1 Editor-pass-1-2026 j3)" PASS'

test_expect_code 5 'a refresh into production is refused, and changes nothing' '
	before=$(store_sum) && ferry db refresh --from sbx --to prod; rc=$?;
	equals "$(store_sum)" "$before" && exit $rc'

test_expect_code 5 'a customization goes to production only after a sandbox signed it off' '
	ferry env apply prod "$(mw_ref contoso-wiki-look)"'

test_expect_success 'servicing: the look (MonoBook, a LocalSettings fragment, SQL) awaits sign-off' '
	ferry env apply sbx "$(mw_ref contoso-wiki-look)" >out &&
	ferry env show sbx --json | jq -e ".state == \"awaiting-signoff\"" &&
	curl -sf "$(env_url sbx)/index.php/Main_Page" | grep -q "skin-monobook" &&
	equals "$(mwsql sbx "select iw_url from interwiki where iw_prefix = '\''contoso'\''")" "https://intranet.contoso.example/wiki/\$1" &&
	op=$(ferry op list --env sbx --json | jq -r ".[0].activity_id") &&
	ferry op show "$op" --json | jq -e "[.steps[] | select(.name == \"dvt\")][0].state == \"succeeded\"" &&
	ferry op log "$op" >oplog && grep -q "DVT ContosoSkin: passed" oplog && grep -q "DVT AdminLogin: passed" oplog'

test_expect_success 'sign-off; then production gets the same package' '
	ferry env signoff sbx >/dev/null &&
	ferry env show sbx --json | jq -e ".state == \"deployed\"" &&
	ferry env apply prod "$(mw_ref contoso-wiki-look)" >/dev/null && ferry env signoff prod >/dev/null &&
	curl -sf "$(env_url prod)/index.php/Main_Page" | grep -q "skin-monobook" &&
	ferry env history prod --json | jq -e "map(.package) | index(\"contoso-wiki-look\") != null"'

test_expect_success 'a second customization (site notice), then a rollback to the restore points' '
	db_dump sbx >before.dump && rel=$(ferry env show sbx --json | jq -r .release) &&
	ferry env apply sbx "$(mw_ref contoso-wiki-notice)" >/dev/null &&
	curl -sf "$(env_url sbx)/index.php/Main_Page" | grep -q "moves to the new intranet" &&
	equals "$(mwsql sbx "select count(*) from interwiki where iw_prefix = '\''contosodocs'\''")" 1 &&
	ferry env rollback sbx >out && contains "$(cat out)" "(env.rollback) succeeded" &&
	ferry env show sbx --json | jq -e ".state == \"deployed\" and .release == \"$rel\"" &&
	! curl -sf "$(env_url sbx)/index.php/Main_Page" | grep -q "moves to the new intranet" &&
	curl -sf "$(env_url sbx)/index.php/Main_Page" | grep -q "skin-monobook" &&
	equals "$(mwsql sbx "select count(*) from interwiki where iw_prefix = '\''contosodocs'\''")" 0 &&
	db_dump sbx >after.dump && cmp before.dump after.dump &&
	mw_dvt sbx AdminLogin'
test_done

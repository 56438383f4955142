#!/usr/bin/env bash
# t0802: database refresh of MediaWiki, production -> sandbox, with the scrub its package
# declares: every user's email address and tokens cleared, every password but the
# administrator's invalidated (the administrator's becomes the sandbox's own), the job queue
# emptied; production untouched and the wiki content carried over.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t08-mediawiki.lib"

test_expect_success 'setup: production with pages, accounts with emails, jobs; an empty sandbox' '
	mw_setup && mw_env prod production 1.39-core "$MW_PROD_PASS" && mw_seed prod "$MW_PROD_PASS" &&
	mwsql prod "INSERT INTO bot_passwords (bp_user, bp_app_id, bp_password, bp_token, bp_restrictions, bp_grants)
		VALUES (1, '\''backup'\'', '\'':pbkdf2:x'\'', '\''0123456789abcdef0123456789abcdef'\'', '\''{}'\'', '\''[]'\'')" &&
	mw_env sbx sandbox 1.39-core "$MW_SBX_PASS" &&
	equals "$(mwsql prod "select count(*) from user where user_email <> '\'''\''")" 2 &&
	[ "$(mwsql prod "select count(*) from job")" -gt 0 ] &&
	[ "$(mwsql prod "select count(*) from page")" -ge 4 ] &&
	equals "$(mwsql sbx "select count(*) from page")" 1'

test_expect_success 'production is not scrubbed: the scrub-status check sees why' '
	! (cd "$(env_dir prod)/current" && php bin/mwctl scrub-status --db "$(env_db prod)") >st.json &&
	jq -e ".emails == 2 and .passwords_besides_admin >= 2 and .jobs > 0 and .bot_passwords == 1 and (.scrubbed | not)" st.json'

test_expect_success 'refresh the sandbox from production: a scrubbed copy, recorded' '
	sum=$(db_dump prod | sha256sum) &&
	ferry db refresh --from prod --to sbx >out && contains "$(cat out)" "Refreshed" &&
	(cd "$(env_dir sbx)/current" && php bin/mwctl scrub-status --db "$(env_db sbx)") >st.json &&
	jq -e ".scrubbed and .users == 4 and .emails == 0 and .jobs == 0 and .user_tokens == 0" st.json &&
	equals "$(db_dump prod | sha256sum)" "$sum" &&
	ferry db history --json | jq -e ".[0].kind == \"refresh\" and .[0].source == \"prod\" and .[0].target == \"sbx\""'

test_expect_success 'the scrub ran the steps the package declares, in order' '
	op=$(ferry op list --env sbx --json | jq -r "[.[] | select(.kind == \"db.refresh\")][0].activity_id") &&
	ferry op log "$op" scrub >log && grep -q "invalidate-passwords" log &&
	grep -q "clear-emails-and-tokens" log && grep -q "empty-job-queue" log &&
	equals "$(grep -n "^step .*: ok in" log | cut -d" " -f2 | tr "\n" " ")" "invalidate-passwords: clear-emails-and-tokens: empty-job-queue: "'

test_expect_success 'the content came over: same pages and revisions, readable on the sandbox' '
	equals "$(mwsql sbx "select count(*) from page") $(mwsql sbx "select count(*) from revision")" \
		"$(mwsql prod "select count(*) from page") $(mwsql prod "select count(*) from revision")" &&
	contains "$(mw_content "$(env_url sbx)" "Project page 2")" "Page 2 links to" &&
	mw_dvt sbx PageRead && mw_dvt sbx SiteInfo'

test_expect_success 'only the administrator logs in on the sandbox, with the sandbox password' '
	mw_dvt sbx AdminLogin &&
	equals "$(mw_login "$(env_url sbx)" Admin "$MW_PROD_PASS" j1)" FAIL &&
	equals "$(mw_login "$(env_url sbx)" Editor1 Editor-pass-1-2026 j2)" FAIL &&
	equals "$(mw_login "$(env_url prod)" Editor1 Editor-pass-1-2026 j3)" PASS &&
	mw_dvt prod AdminLogin'

test_expect_code 5 'a refresh into production is refused, and changes nothing' '
	before=$(store_sum) && ferry db refresh --from sbx --to prod; rc=$?;
	equals "$(store_sum)" "$before" && exit $rc'
test_done

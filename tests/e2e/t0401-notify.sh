#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0401: notifications: email through a real SMTP listener, webhooks through a real HTTP
# listener; failures are logged and never fail the caller.
. "$(dirname "$0")/lib.sh"

TOOLS="$FERRY_BUILD/tools"
mkdir -p mail hooks badhooks
"$TOOLS/smtpsink" mail smtp.port & smtp_pid=$!
"$TOOLS/httpsink" hooks http.port & http_pid=$!
"$TOOLS/httpsink" badhooks bad.port 500 & bad_pid=$!
test_cleanup_hook='kill $smtp_pid $http_pid $bad_pid 2>/dev/null'
for f in smtp.port http.port bad.port; do
  for i in $(seq 1 100); do [ -s $f ] && break; sleep 0.05; done
done
SMTP=$(cat smtp.port) HTTP=$(cat http.port) BAD=$(cat bad.port)

ferry init >/dev/null
ferry project create contoso >/dev/null
test_expect_success 'add an email and a webhook target' '
  ferry notify add --project contoso --email ops@contoso.example --smtp smtp://127.0.0.1:$SMTP &&
  ferry notify add --project contoso --webhook http://127.0.0.1:$HTTP/hook --events failed,completed &&
  ferry notify list --project contoso --json | jq -e "length == 2 and .[0].kind == \"email\""'
test_expect_code 2 'invalid email refused' 'ferry notify add --project contoso --email nope --smtp smtp://127.0.0.1:1'
test_expect_code 2 'email without smtp server refused' 'ferry notify add --project contoso --email a@b.c'
test_expect_code 2 'webhook must be http(s)' 'ferry notify add --project contoso --webhook file:///etc/passwd'
test_expect_code 2 'unknown event refused' 'ferry notify add --project contoso --webhook http://x/ --events exploded'
test_expect_code 2 'both email and webhook refused' 'ferry notify add --project contoso --webhook http://x/ --email a@b.c --smtp smtp://x'
test_expect_success 'a test notification reaches both listeners' '
  ferry notify test --project contoso &&
  test -f mail/1.eml && file_contains mail/1.eml "Subject: \[ferry\] test notification" &&
  file_contains mail/1.eml "ops@contoso.example" &&
  jq -e ".event == \"completed\" and .project == \"contoso\"" hooks/1.json'
test_expect_success 'targets only get the events they subscribed to' '
  ferry notify test --project contoso --events awaiting-signoff &&
  test -f mail/2.eml && ! test -f hooks/2.json'
test_expect_success 'a failing webhook is logged, the others still delivered' '
  ferry notify add --project contoso --webhook http://127.0.0.1:$BAD/ &&
  ferry notify test --project contoso; rc=$?; test $rc -eq 1 && test -f mail/3.eml &&
  ferry notify log --project contoso --json | jq -e "[.[] | select(.ok == false)][0].error | test(\"HTTP status 500\")"'
test_expect_success 'rm removes a target' '
  ferry notify rm 3 --project contoso && ferry notify list --project contoso --json | jq -e "length == 2"'
test_expect_code 3 'rm of an unknown target' 'ferry notify rm 99 --project contoso'
test_done

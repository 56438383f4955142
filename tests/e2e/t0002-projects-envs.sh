#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0002: projects, environments and preview features through the CLI.
. "$(dirname "$0")/lib.sh"

ferry init >/dev/null
test_expect_success 'project create and list' '
  ferry project create contoso --description "Contoso ERP" &&
  ferry project list | grep -q contoso'
test_expect_success 'project show --json' '
  ferry project show contoso --json | jq -e ".name == \"contoso\" and .product == \"finance-operations\" and .allow_unsigned == false"'
test_expect_code 4 'duplicate project is refused' 'ferry project create contoso'
test_expect_success 'duplicate project leaves the store unchanged' '
  before=$(store_sum); ferry project create contoso 2>/dev/null; after=$(store_sum); equals "$after" "$before"'
test_expect_code 2 'invalid project name' 'ferry project create "bad name"'
test_expect_code 3 'a product without a catalog is refused' 'ferry project create p2 --product no-such-product'
test_expect_code 2 'missing project name' 'ferry project create'
test_expect_code 3 'unknown project' 'ferry project show nope'
test_expect_success 'env create records an environment' '
  ferry env create sbx1 --project contoso --role sandbox --app 7.3 --platform PU12 &&
  ferry env show sbx1 --json | jq -e ".role == \"sandbox\" and .state == \"new\" and .app_release == \"7.3\""'
test_expect_success 'env list --json shows it' '
  ferry env list --json | jq -e "length == 1 and .[0].name == \"sbx1\""'
test_expect_code 2 'invalid role is refused' '
  ferry env create x --project contoso --role staging --app 7.3 --platform PU12'
test_expect_success 'invalid role message names the roles' '
  out=$(ferry env create x --project contoso --role staging --app 7.3 --platform PU12 2>&1);
  contains "$out" "development, sandbox or production"'
test_expect_code 2 'missing --app' 'ferry env create x --project contoso --role sandbox --platform PU12'
test_expect_code 2 'missing argument to an option' 'ferry env create x --project'
test_expect_code 4 'duplicate environment is refused' '
  ferry env create sbx1 --project contoso --role sandbox --app 7.3 --platform PU12'
test_expect_code 3 'environment in an unknown project' '
  ferry env create y --project nope --role sandbox --app 7.3 --platform PU12'
test_expect_code 4 'project rm refused while it has environments' 'ferry project rm contoso'
test_expect_success 'env rm then the name can be reused' '
  ferry env rm sbx1 && ferry env list --json | jq -e "length == 0" &&
  ferry env list --all --json | jq -e ".[0].state == \"deleted\"" &&
  ferry env create sbx1 --project contoso --role sandbox --app 7.3 --platform PU12'
test_expect_success 'features are off by default' '
  ferry feature list --project contoso --json | jq -e ".[] | select(.name==\"upgrade-self-serve\") | .enabled == false"'
test_expect_success 'feature enable and disable' '
  ferry feature enable upgrade-self-serve --project contoso &&
  ferry feature list --project contoso --json | jq -e ".[0].enabled == true" &&
  ferry feature disable upgrade-self-serve --project contoso &&
  ferry feature list --project contoso --json | jq -e ".[0].enabled == false"'
test_expect_code 2 'unknown feature' 'ferry feature enable warp-drive --project contoso'
test_expect_success 'project set --allow-unsigned is recorded and shown' '
  ferry project set contoso --allow-unsigned yes &&
  ferry project show contoso --json | jq -e ".allow_unsigned == true"'
test_expect_success 'errors in --json mode are JSON on stderr' '
  ferry --json project show nope 2>err.json; jq -e ".error.code == \"not-found\"" err.json'
test_done

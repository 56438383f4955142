#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make-repo.sh OUT: build the ledger's source repository from this folder, as the
# code upgrade service expects it (docs/CODE-UPGRADE.md):
#   vendor/7.3  the vendor base of release 7.3 (vendor models only)
#   vendor/8.1  the vendor base of release 8.1 (a child of vendor/7.3)
#   main        the customer's code: vendor/7.3 plus the ISV and customer models
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: make-repo.sh OUT}
[ -e "$out" ] && { echo "make-repo.sh: '$out' exists" >&2; exit 1; }
export GIT_AUTHOR_NAME="Ledger Vendor" GIT_AUTHOR_EMAIL="vendor@ledger.example"
export GIT_COMMITTER_NAME="Ledger Vendor" GIT_COMMITTER_EMAIL="vendor@ledger.example"
git init -q -b vendor/7.3 "$out"
cd "$out"
cp -R "$here/vendor/7.3/." .
git add -A && git commit -qm "Vendor base: release 7.3"
git checkout -q -b vendor/8.1
git rm -rq . && cp -R "$here/vendor/8.1/." .
git add -A && git commit -qm "Vendor base: release 8.1"
git checkout -q -b main vendor/7.3
cp -R "$here/customer/." .
export GIT_AUTHOR_NAME="Contoso Developer" GIT_AUTHOR_EMAIL="dev@contoso.example"
git add -A && git commit -qm "Contoso: Fabrikam tax, sales and reports models"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0201: building, inspecting, signing and verifying packages; keys and project trust.
. "$(dirname "$0")/lib.sh"

ferry init >/dev/null
ferry project create contoso >/dev/null

mkpkg() {   # mkpkg DIR NAME VERSION: a small isv package source tree
  mkdir -p "$1/bin" "$1/sql"
  printf '#!/bin/sh\necho tax\n' >"$1/bin/taxctl"; chmod 755 "$1/bin/taxctl"
  echo 'CREATE TABLE tax(rate REAL);' >"$1/sql/tax.sql"
  cat >"$1/manifest.json" <<JSON
{ "format": 1, "name": "$2", "version": "$3", "type": "isv", "product": "finance-operations",
  "applies_to": { "releases": ["8.0", "8.1"] },
  "models": [ { "name": "FabrikamTax", "owner": "isv", "extends": ["ApplicationSuite"] } ],
  "scripts": { "post-install": [ { "name": "tax-tables", "sql": "sql/tax.sql" } ] },
  "data_upgrade": [ { "phase": "post-sync", "name": "b", "exec": ["bin/taxctl", "b"] },
                    { "phase": "prerequisites", "name": "a", "exec": ["bin/taxctl", "a"] } ],
  "dvt": [ { "service_model": "MRProcessService", "exec": ["bin/taxctl", "dvt"] } ] }
JSON
}
mkpkg src tax 8.1.2

test_expect_success 'key generate stores a 0600 private key and records the public key' '
  ferry key generate fabrikam &&
  test "$(stat -c %a "$FERRY_HOME/keys/fabrikam.key")" = 600 &&
  test "$(stat -c %a "$FERRY_HOME/keys")" = 700 &&
  ferry key list --json | jq -e ".[0].name == \"fabrikam\" and (.[0].key_id | length) == 16 and .[0].private_key == true"'
test_expect_code 4 'key generate refuses an existing name' 'ferry key generate fabrikam'
test_expect_success 'package build fills the payload and signs (tar.zst, tar.gz, zip)' '
  ferry package build src -o tax.tar.zst --sign fabrikam &&
  ferry package build src -o tax.tar.gz --sign fabrikam &&
  ferry package build src -o tax.zip --sign fabrikam &&
  ferry package build src -o tax-unsigned.tar.gz &&
  bsdtar -tf tax.tar.zst | sort | tr "\n" " " | grep -qx "bin/taxctl manifest.json manifest.sig sql/tax.sql "'
test_expect_success 'build is reproducible: same tree, same key, same bytes' '
  ferry -q package build src -o again.tar.zst --sign fabrikam && cmp tax.tar.zst again.tar.zst'
test_expect_success 'inspect shows the manifest, signer and models' '
  ferry package inspect tax.tar.zst --json | jq -e ".name == \"tax\" and .signature == \"valid\" and .signer == \"fabrikam\" and .manifest.payload[0].path == \"bin/taxctl\" and .manifest.payload[0].mode == \"0755\"" &&
  ferry package inspect tax.tar.zst | grep -q "model *FabrikamTax (isv)"'
test_expect_success 'verify without a project checks hashes, signature and seal' '
  for f in tax.tar.zst tax.tar.gz tax.zip; do
    ferry package verify $f --json | jq -e ".signed and .seal == \"signed\" and .trust == \"not-checked\"" || return 1
  done &&
  ferry package verify tax-unsigned.tar.gz --json | jq -e ".signed == false and .seal == \"checksum\""'
test_expect_code 6 'verify --project refuses a key the project does not trust' 'ferry package verify tax.tar.zst --project contoso'
test_expect_success 'the refusal names the key and says how to trust it' '
  out=$(ferry package verify tax.tar.zst --project contoso 2>&1); id=$(ferry key list --json | jq -r ".[0].key_id");
  contains "$out" "signed by key $id (fabrikam), which project .contoso. does not trust" && contains "$out" "ferry key trust"'
test_expect_code 6 'unsigned packages are refused by default' 'ferry package verify tax-unsigned.tar.gz --project contoso'
test_expect_success 'key trust by name, then verify passes' '
  ferry key trust fabrikam --project contoso &&
  ferry key list --project contoso --json | jq -e ".[0].state == \"trusted\"" &&
  ferry package verify tax.tar.zst --project contoso --json | jq -e ".trust == \"trusted\""'
test_expect_success 'key export and trust from a public key file (another home)' '
  ferry key export fabrikam >fabrikam.pub &&
  jq -e ".format == \"ferry-public-key-1\" and (has(\"secret_key\") | not)" fabrikam.pub &&
  ferry --home h2 init >/dev/null && ferry --home h2 project create other >/dev/null &&
  ferry --home h2 key trust ./fabrikam.pub --project other &&
  ferry --home h2 package verify tax.tar.gz --project other --json | jq -e ".trust == \"trusted\""'
test_expect_success 'allow-unsigned is recorded, shown, and admits unsigned packages' '
  ferry project set contoso --allow-unsigned yes &&
  ferry project show contoso | grep -q "allow_unsigned *yes" &&
  ferry package verify tax-unsigned.tar.gz --project contoso --json | jq -e ".trust == \"unsigned-allowed\"" &&
  ferry project set contoso --allow-unsigned no'
test_expect_success 'revoke: the key is refused afterwards, and stays revoked' '
  id=$(ferry key list --json | jq -r ".[0].key_id") &&
  ferry key revoke $id --project contoso &&
  out=$(ferry package verify tax.tar.zst --project contoso 2>&1); test $? -eq 6 &&
  contains "$out" "which project .contoso. revoked" &&
  ! ferry key trust fabrikam --project contoso 2>/dev/null &&
  ferry key list --project contoso --json | jq -e ".[0].state == \"revoked\""'
test_expect_success 'even allow-unsigned does not admit a revoked key' '
  ferry project set contoso --allow-unsigned yes &&
  ! ferry package verify tax.tar.zst --project contoso 2>/dev/null &&
  ferry project set contoso --allow-unsigned no'
test_expect_success 'extract writes the payload with manifest modes' '
  ferry package extract tax.tar.gz out >/dev/null &&
  test -x out/bin/taxctl && test "$(stat -c %a out/sql/tax.sql)" = 644 && test -f out/manifest.json &&
  cmp out/sql/tax.sql src/sql/tax.sql'
test_expect_code 4 'extract never overwrites' 'ferry package extract tax.tar.gz out'
test_expect_code 2 'build refuses an unknown output suffix' 'ferry package build src -o tax.rar'
test_expect_success 'build refuses symlinks in the source tree and names them' '
  cp -r src src2 && ln -s /etc/passwd src2/bin/pw &&
  out=$(ferry package build src2 -o x.tar.gz 2>&1); test $? -ne 0 && contains "$out" "src2/bin/pw" && ! test -e x.tar.gz'
test_expect_success 'build refuses an invalid manifest with the field path' '
  cp -r src src3 && jq ".models[0].owner = \"martian\"" src3/manifest.json >m && mv m src3/manifest.json &&
  out=$(ferry package build src3 -o y.tar.gz 2>&1); test $? -eq 2 && contains "$out" "models\[0\]: owner .martian. unknown"'

# Flip single bytes of a signed package: verify must fail and say what failed.
flip() {  # flip FILE POS OUT: OUT = FILE with the byte at POS inverted
  cp "$1" "$3"
  b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d " ")
  printf "$(printf '\\%03o' $((b ^ 255)))" | dd of="$3" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
test_expect_success 'flipping any single byte of a signed package makes verify fail (sampled positions)' '
  for f in tax.tar.zst tax.tar.gz tax.zip; do
    n=$(stat -c %s $f); step=$(( n / 40 + 1 ))
    for pos in $(seq 0 $step $((n - 1))) $((n - 1)) $((n - 2)) $((n - 100)) 0 1 2 3 4 5 8 9; do
      flip $f $pos x.$f
      out=$(ferry package verify x.$f 2>&1) && { echo "$f: flip at $pos verified"; return 1; }
      grep -Eq "entry|manifest|seal|signature|package|SHA-256|archive|gzip|zstd|zip" <<<"$out" || { echo "$f@$pos: $out"; return 1; }
    done
  done'
test_expect_success 'a flip in the payload names the file; a flip in the seal names the seal' '
  n=$(stat -c %s tax.tar.zst); flip tax.tar.zst $((n - 20)) s.tar.zst &&
  out=$(ferry package verify s.tar.zst 2>&1); contains "$out" "seal"'

# One intake path: extract and asset upload refuse exactly what verify refuses.
# same_verdict FILE WANT: verify, extract and upload (into a project trusting the key)
# all exit WANT; a refused extract leaves no target.
ferry project create intake >/dev/null && ferry key trust fabrikam --project intake >/dev/null
same_verdict() {
  local f=$1 want=$2 v e u
  rm -rf xt; ferry package verify "$f" --project intake >/dev/null 2>&1; v=$?
  ferry package extract "$f" xt --project intake >/dev/null 2>&1; e=$?
  ferry asset upload "$f" --project intake >/dev/null 2>&1; u=$?
  [ "$v $e $u" = "$want $want $want" ] || { echo "$f: verify $v, extract $e, upload $u (wanted $want)"; return 1; }
  [ "$want" -eq 0 ] || ! test -e xt || { echo "$f: extract left xt behind"; return 1; }
  [ "$want" -ne 0 ] || ferry asset rm "$(ferry asset list --project intake --json | jq -r ".[0].id")" --project intake >/dev/null
}
test_expect_success 'the intact packages: verify, extract and upload accept them' '
  for f in tax.tar.zst tax.tar.gz tax.zip; do same_verdict $f 0 || return 1; done'
test_expect_success 'seal cut off or damaged, or repacked by another tool: every command refuses' '
  rm -rf rp && mkdir rp && bsdtar -xf tax.tar.zst -C rp &&
  (cd rp && bsdtar --format zip -cf ../re.zip manifest.json manifest.sig bin sql &&
   bsdtar -czf ../re.tar.gz manifest.json manifest.sig bin sql &&
   bsdtar --zstd -cf ../re.tar.zst manifest.json manifest.sig bin sql) &&
  for f in re.zip re.tar.gz re.tar.zst; do same_verdict $f 6 || return 1; done &&
  for f in tax.tar.zst tax.tar.gz tax.zip; do
    n=$(stat -c %s $f)
    for cut in 1 20 100 222 248; do head -c $((n - cut)) $f >cut.$f && same_verdict cut.$f 6 || return 1; done
    for pos in $((n - 1)) $((n - 20)) $((n - 100)) $((n - 200)) 4 9; do flip $f $pos x.$f && same_verdict x.$f 6 || return 1; done
  done'
test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0203: the asset library: content-addressed, verified on upload and before use,
# stored once, references block removal.
. "$(dirname "$0")/lib.sh"

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry project create fabrikam >/dev/null
ferry key generate isv >/dev/null
ferry key trust isv --project contoso >/dev/null
ferry key trust isv --project fabrikam >/dev/null
ferry key generate stranger >/dev/null

mk() {  # mk DIR VERSION TEXT
  mkdir -p "$1/bin"; printf '%s\n' "$3" >"$1/bin/tool"; chmod 755 "$1/bin/tool"
  jq -n --arg v "$2" '{format:1,name:"tax",version:$v,type:"isv",product:"finance-operations"}' >"$1/manifest.json"
}
mk a 1.0.0 one; mk b 1.0.0 two; mk c 1.1.0 three
ferry -q package build a -o tax-1.0.0.tar.zst --sign isv
ferry -q package build b -o tax-1.0.0-other.tar.zst --sign isv
ferry -q package build c -o tax-1.1.0.tar.gz --sign isv
ferry -q package build c -o tax-1.1.0-stranger.tar.gz --sign stranger
SHA=$(sha256sum tax-1.0.0.tar.zst | cut -d" " -f1)
# what an environment recording its installed package writes (ferry_asset_ref_add)
add_env_ref() {
  store_sql "INSERT INTO asset_refs(asset_id, kind, ref, created_ms) SELECT a.id, 'environment', 'sbx1', 0 FROM assets a JOIN projects p ON p.id = a.project_id WHERE p.name = 'contoso' AND a.version = '1.0.0'"
}
blobs() { find "$FERRY_HOME/assets" -type f | wc -l; }

test_expect_success 'upload verifies and stores the package under its SHA-256' '
  ferry asset upload tax-1.0.0.tar.zst --project contoso &&
  test -f "$FERRY_HOME/assets/${SHA:0:2}/$SHA" && test "$(blobs)" -eq 1'
test_expect_success 'list shows type, name, version, size, signer, upload time and id' '
  ferry asset list --project contoso --json | jq -e --arg s "$SHA" ".[0] | .type == \"isv\" and .name == \"tax\" and .version == \"1.0.0\" and .signer == \"isv\" and .sha256 == \$s and .id == \$s[0:12] and .size > 0 and (.uploaded | test(\"^20\"))" &&
  ferry asset list --project contoso | grep -q "^ID *TYPE *NAME *VERSION *SIZE *SIGNER *UPLOADED"'
test_expect_success 'uploading the same package twice stores one copy' '
  before=$(store_sum) &&
  ferry asset upload tax-1.0.0.tar.zst --project contoso --json | jq -e ".existed == true" &&
  equals "$(store_sum)" "$before" && test "$(blobs)" -eq 1 &&
  ferry asset list --project contoso --json | jq -e "length == 1"'
test_expect_success 'another project holding the same bytes shares the stored file' '
  ferry asset upload tax-1.0.0.tar.zst --project fabrikam >/dev/null && test "$(blobs)" -eq 1 &&
  ferry asset list --json | jq -e "length == 2"'
test_expect_success 'show by full SHA-256, by 8-digit prefix, and by name@version' '
  ferry asset show $SHA --project contoso --json | jq -e ".manifest.name == \"tax\" and .references == []" &&
  ferry asset show ${SHA:0:8} --project contoso --json | jq -e ".version == \"1.0.0\"" &&
  ferry asset show tax@1.0.0 --project contoso --json | jq -e --arg s "$SHA" ".sha256 == \$s"'
test_expect_code 2 'a prefix shorter than 8 digits is refused' 'ferry asset show ${SHA:0:6} --project contoso'
test_expect_code 2 'a reference matching assets in two projects needs --project' 'ferry asset show tax@1.0.0'
test_expect_code 3 'unknown reference' 'ferry asset show tax@9.9.9 --project contoso'
test_expect_success 'download returns the same bytes' '
  ferry asset download tax@1.0.0 --project contoso -o dl.tar.zst && cmp dl.tar.zst tax-1.0.0.tar.zst'
test_expect_code 4 'a different package with the same name@version is refused' '
  ferry asset upload tax-1.0.0-other.tar.zst --project contoso'
test_expect_success 'an untrusted package is refused and changes nothing' '
  before=$(store_sum); n=$(blobs);
  out=$(ferry asset upload tax-1.1.0-stranger.tar.gz --project contoso 2>&1); rc=$?;
  test $rc -eq 6 && contains "$out" "does not trust" && equals "$(store_sum)" "$before" && test "$(blobs)" -eq $n &&
  test -z "$(find "$FERRY_HOME/assets" -name ".upload-*")"'
test_expect_success 'a hostile package is refused on upload' '
  "$FERRY_BUILD/tools/mkhostile" traversal evil.tar.gz && ferry project set contoso --allow-unsigned yes >/dev/null &&
  out=$(ferry asset upload evil.tar.gz --project contoso 2>&1); test $? -eq 6 && contains "$out" "path traversal" &&
  ferry project set contoso --allow-unsigned no >/dev/null'
test_expect_success 'extract re-verifies and extracts the asset' '
  ferry asset upload tax-1.1.0.tar.gz --project contoso >/dev/null &&
  ferry asset extract tax@1.1.0 rel --project contoso && grep -q three rel/bin/tool'
# flip_byte FILE OFFSET: one bit of the byte at OFFSET changed (a write of a fixed byte
# changes nothing when the byte already is that one).
flip_byte() { perl -e 'open(my $f, "+<", $ARGV[0]) or die; seek($f, $ARGV[1], 0); read($f, my $c, 1) == 1 or die;
  seek($f, $ARGV[1], 0); print $f chr(ord($c) ^ 1); close($f) or die' "$1" "$2"; }
test_expect_success 'a damaged stored copy is refused before use (extract and download)' '
  S2=$(sha256sum tax-1.1.0.tar.gz | cut -d" " -f1); blob="$FERRY_HOME/assets/${S2:0:2}/$S2";
  chmod u+w "$blob" && cp "$blob" saved && flip_byte "$blob" 100 &&
  out=$(ferry asset extract tax@1.1.0 rel2 --project contoso 2>&1); rc=$?;
  dl=$(ferry asset download tax@1.1.0 --project contoso -o d2 2>&1); drc=$?; cp saved "$blob";
  test $rc -eq 6 && contains "$out" "damaged" && ! test -e rel2 &&
  test $drc -eq 6 && contains "$dl" "damaged" && ! test -e d2 &&
  ferry asset download tax@1.1.0 --project contoso -o d3 && cmp d3 tax-1.1.0.tar.gz'
test_expect_success 'a key revoked after upload is refused before use' '
  ferry key revoke isv --project fabrikam >/dev/null &&
  out=$(ferry asset extract tax@1.0.0 rel3 --project fabrikam 2>&1); test $? -eq 6 && contains "$out" "revoked" &&
  ! test -e rel3'
test_expect_success 'rm is refused while an environment references the asset' '
  add_env_ref &&
  before=$(store_sum); out=$(ferry asset rm tax@1.0.0 --project contoso 2>&1); rc=$?;
  test $rc -eq 4 && contains "$out" "in use by environment .sbx1." && equals "$(store_sum)" "$before" &&
  ferry asset show tax@1.0.0 --project contoso --json | jq -e ".references[0].ref == \"sbx1\""'
test_expect_success 'rm once unreferenced; the shared file stays while another project holds it' '
  store_sql "DELETE FROM asset_refs" &&
  ferry asset rm tax@1.0.0 --project contoso && test -f "$FERRY_HOME/assets/${SHA:0:2}/$SHA" &&
  ferry asset rm $SHA --project fabrikam && ! test -e "$FERRY_HOME/assets/${SHA:0:2}/$SHA"'
test_done

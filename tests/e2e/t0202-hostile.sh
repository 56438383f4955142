#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0202: a corpus of hostile and broken archives, generated here: each is refused with
# a message naming the entry and the reason, nothing lands outside a scratch jail, and
# the target directory never appears.
. "$(dirname "$0")/lib.sh"

GEN="$FERRY_BUILD/tools/mkhostile"
ferry init >/dev/null
ferry project create contoso >/dev/null
ferry project create open >/dev/null && ferry project set open --allow-unsigned yes >/dev/null
mkdir -p corpus jail
evil=/tmp/ferry-hostile-evil.txt
rm -f "$evil"

# refused KIND SUFFIX EXPECTED...: generate, extract into jail/target, check the refusal
refused() {
  local kind=$1 sfx=$2; shift 2
  local f="corpus/$kind.$sfx" out rc before after
  rm -rf jail && mkdir jail   # each case on its own: an earlier failure leaves nothing here
  "$GEN" "$kind" "$f" || { echo "generator failed for $kind"; return 1; }
  before=$(cd "$SCRATCH" && find . -path ./home -prune -o -path ./corpus -prune -o -print | sort | sha256sum)
  out=$(ferry package extract "$f" jail/target 2>&1); rc=$?
  after=$(cd "$SCRATCH" && find . -path ./home -prune -o -path ./corpus -prune -o -print | sort | sha256sum)
  [ $rc -ne 0 ] || { echo "$kind was accepted"; return 1; }
  [ $rc -eq 6 ] || { echo "$kind: exit $rc, wanted 6: $out"; return 1; }
  for want in "$@"; do contains "$out" "$want" || return 1; done
  ! test -e jail/target || { echo "target exists"; return 1; }
  test -z "$(ls -A jail)" || { echo "jail not empty:"; ls -la jail; return 1; }
  equals "$after" "$before" || { echo "files appeared outside the jail"; return 1; }
  ! test -e "$evil" || { echo "$evil was written"; return 1; }
  ! test -e "$SCRATCH/evil.txt" || { echo "evil.txt written"; return 1; }
  # one intake path: verify and asset upload refuse it too, the same way
  out=$(ferry package verify "$f" 2>&1); rc=$?
  [ $rc -eq 6 ] || { echo "$kind: verify exit $rc: $out"; return 1; }
  out=$(ferry asset upload "$f" --project open 2>&1); rc=$?
  [ $rc -eq 6 ] || { echo "$kind: upload exit $rc: $out"; return 1; }
  test -z "$(ferry asset list --project open --json | jq -r ".[]")"
}

test_expect_success 'control: a well-formed archive is accepted (manifest first or last)' '
  "$GEN" good corpus/good.tar.gz && ferry package extract corpus/good.tar.gz jail/ok >/dev/null &&
  test -f jail/ok/ok.txt && rm -rf jail/ok &&
  "$GEN" manifest-last corpus/last.tar.zst && ferry package verify corpus/last.tar.zst >/dev/null'
test_expect_success '01 path traversal (..)' 'refused traversal tar.gz "entry .\.\./evil.txt." "path traversal"'
test_expect_success '02 traversal inside a path' 'refused traversal-deep tar.zst "entry .ok/../../evil.txt." "path traversal"'
test_expect_success '03 absolute path' 'refused absolute tar.gz "entry ./tmp/ferry-hostile-evil.txt." "absolute path"'
test_expect_success '04 symlink pointing outside' 'refused symlink-out tar.gz "entry .ok.txt." "symbolic link (to ./etc/passwd.)"'
test_expect_success '05 symlinked directory then a file through it' 'refused symlink-dir-out tar.gz "entry .sub." "symbolic link"'
test_expect_success '06 symlink even inside the package' 'refused symlink-in tar.zst "entry .alias." "symbolic link"'
test_expect_success '07 hard link' 'refused hardlink tar.gz "entry .hl." "hard link"'
test_expect_success '08 hard link to a file outside' 'refused hardlink-out tar.gz "entry .ok.txt." "hard link (to ./etc/shadow.)"'
test_expect_success '09 character device' 'refused device tar.gz "entry .ok.txt." "device node"'
test_expect_success '10 block device' 'refused blockdev tar.zst "entry .disk." "device node"'
test_expect_success '11 FIFO' 'refused fifo tar.gz "entry .ok.txt." "FIFO"'
test_expect_success '12 compression bomb (ratio)' 'refused bomb-ratio tar.gz "entry .f00.bin." "compression ratio over 200:1"'
test_expect_success '12a compression bomb in a zip (inflated per entry, no filter sees it)' '
  refused bomb-ratio zip "entry .f00.bin." "compression ratio over 200:1"'
test_expect_success '12b bomb after an incompressible file, every container' '
  for s in zip tar.gz tar.zst; do refused bomb-padded $s "entry .bomb.bin." "compression ratio over 200:1" || return 1; done'
test_expect_success '12c bomb read by the first pass (manifest last), every container' '
  for s in zip tar.gz tar.zst; do refused bomb-padded-last $s "entry .bomb.bin." "compression ratio over 200:1" || return 1; done'
test_expect_success '13 size bomb (more bytes than the limit)' '
  FERRY_MAX_BYTES=4194304 refused bomb-size tar.zst "declares 8388608 payload bytes" "FERRY_MAX_BYTES"'
test_expect_success '14 too many entries' 'FERRY_MAX_ENTRIES=20 refused many-entries tar.gz "lists 40 files" "FERRY_MAX_ENTRIES"'
test_expect_success '15 wrong hash' 'refused wrong-hash tar.gz "entry .ok.txt." "SHA-256 mismatch"'
test_expect_success '16 wrong size' 'refused wrong-size tar.zst "entry .ok.txt." "differs from manifest.json"'
test_expect_success '17 extra file not in the manifest' 'refused unlisted tar.gz "entry .extra.sh." "not listed in manifest.json"'
test_expect_success '18 directory not in the manifest' 'refused unlisted-dir tar.gz "entry .etc." "not listed"'
test_expect_success '19 listed file missing' 'refused missing-file tar.gz "payload file .ok.txt." "missing from the archive"'
test_expect_success '20 manifest missing' 'refused no-manifest tar.gz "no manifest.json"'
test_expect_success '21 empty archive' 'refused empty tar.gz "empty"'
test_expect_success '22 manifest is not valid JSON' 'refused manifest-invalid-json tar.gz "manifest.json: invalid JSON"'
test_expect_success '23 manifest misses a required field' 'refused manifest-missing-field tar.zst "manifest.json: version: missing"'
test_expect_success '24 manifest lists an unsafe path' 'refused manifest-unsafe-path tar.gz "payload\[0\].path" "path traversal"'
test_expect_success '25 duplicate entry' 'refused duplicate tar.gz "entry .ok.txt." "duplicate entry"'
test_expect_success '26 duplicate manifest' 'refused duplicate-manifest tar.zst "entry .manifest.json." "duplicate entry"'
test_expect_success '27 bad signature' 'refused bad-signature tar.gz "manifest.sig" "does not match manifest.json"'
test_expect_success '28 garbage signature' 'refused garbage-signature tar.gz "manifest.sig" "not a signature document"'
test_expect_success '29 zip with traversal' 'refused traversal zip "entry .\.\./evil.txt." "path traversal"'
test_expect_success '30 zip with a symlink' 'refused symlink-out zip "symbolic link"'
test_expect_success '31 zip with a duplicate entry' 'refused duplicate zip "duplicate entry"'
test_expect_success '31a manifest.sig before manifest.json, every container' '
  for s in zip tar.gz tar.zst; do refused sig-first $s "entry .manifest.sig." "must directly follow a leading manifest.json" || return 1; done'
test_expect_success '31b manifest.sig after the payload, every container' '
  for s in zip tar.gz tar.zst; do refused sig-late $s "entry .manifest.sig." "must directly follow" || return 1; done'
test_expect_success '32 truncated archive' '
  head -c 180 corpus/good.tar.gz >corpus/truncated.tar.gz &&
  out=$(ferry package extract corpus/truncated.tar.gz jail/target 2>&1); test $? -eq 6 &&
  contains "$out" "truncated" && ! test -e jail/target && test -z "$(ls -A jail)"'
test_expect_success '33 not an archive, plain tar, bzip2 tar' '
  head -c 4096 /dev/urandom >corpus/random.tar.gz && "$GEN" good corpus/plain.tar && "$GEN" good corpus/b.tar.bz2 &&
  for f in random.tar.gz plain.tar b.tar.bz2; do
    out=$(ferry package extract corpus/$f jail/target 2>&1); test $? -eq 6 || return 1
    grep -Eq "not a package|Unrecognized" <<<"$out" || { echo "$out"; return 1; }
  done && test -z "$(ls -A jail)"'
test_expect_success '34 untrusted key (project policy)' '
  "$GEN" good corpus/g2.tar.gz && mkdir -p s && bsdtar -xf corpus/g2.tar.gz -C s && rm s/manifest.json &&
  jq -n "{format:1,name:\"s\",version:\"1.0\",type:\"isv\",product:\"p\"}" >s/manifest.json &&
  ferry key generate mallory >/dev/null && ferry package build s -o corpus/untrusted.tar.gz --sign mallory >/dev/null &&
  out=$(ferry package extract corpus/untrusted.tar.gz jail/target --project contoso 2>&1); test $? -eq 6 &&
  contains "$out" "does not trust" && ! test -e jail/target && test -z "$(ls -A jail)"'
test_expect_success '35 revoked key (project policy)' '
  ferry key trust mallory --project contoso >/dev/null && ferry key revoke mallory --project contoso >/dev/null &&
  out=$(ferry package extract corpus/untrusted.tar.gz jail/target --project contoso 2>&1); test $? -eq 6 &&
  contains "$out" "revoked" && ! test -e jail/target && test -z "$(ls -A jail)"'
test_expect_success '36 unsigned package in a project that refuses them' '
  out=$(ferry package extract corpus/good.tar.gz jail/target --project contoso 2>&1); test $? -eq 6 &&
  contains "$out" "unsigned" && contains "$out" "allow-unsigned" && ! test -e jail/target'
test_expect_success 'the corpus has at least 20 hostile archives' 'test $(ls corpus | wc -l) -ge 20'
test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make-packages.sh OUT: build a signed OUT/pkgs/<dir>.tar.zst from every OUT/packages/<dir>/
# with `$FERRY package build --sign`. The signing key is the build's own
# (OUT/signer/: a ferry home made once, key "mediawiki-build"); its public key document is
# OUT/pkgs/mediawiki-build.pub, which a project trusts with
# `ferry key trust OUT/pkgs/mediawiki-build.pub --project P`. OUT/pkgs/index.json maps each
# directory to its package: {"<dir>": {"name", "version", "type", "file", "ref"}}.
set -euo pipefail
out=$(cd "${1:?usage: FERRY=path/to/ferry make-packages.sh OUT}" && pwd)
: "${FERRY:?FERRY must name the ferry binary}"
signer="$out/signer"
ferry_b() { env -u FERRY_STORE FERRY_HOME="$signer" "$FERRY" --quiet "$@"; }
if [ ! -f "$signer/keys/mediawiki-build.key" ]; then
	rm -rf "$signer"
	ferry_b init >/dev/null
	ferry_b key generate mediawiki-build >/dev/null
fi
rm -rf "$out/pkgs.tmp"
mkdir -p "$out/pkgs.tmp"
ferry_b key export mediawiki-build >"$out/pkgs.tmp/mediawiki-build.pub"
index='{}'
for dir in "$out"/packages/*/; do
	name=$(basename "$dir")
	ferry_b package build "$dir" -o "$out/pkgs.tmp/$name.tar.zst" --sign mediawiki-build >/dev/null
	index=$(jq --arg d "$name" --slurpfile m "$dir/manifest.json" \
		'.[$d] = {name: $m[0].name, version: $m[0].version, type: $m[0].type,
		          file: ($d + ".tar.zst"), ref: ($m[0].name + "@" + $m[0].version)}' <<<"$index")
done
printf '%s\n' "$index" >"$out/pkgs.tmp/index.json"
rm -rf "$out/pkgs"
mv "$out/pkgs.tmp" "$out/pkgs"
touch "$out/pkgs/.stamp"
echo "  PACKAGE $(ls "$out/pkgs" | grep -c '\.tar\.zst$') MediaWiki archives in $out/pkgs (signed by mediawiki-build)"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make-packages.sh OUT: build OUT/pkgs/<dir>.zip from every OUT/packages/<dir>/ with
# `$FERRY package build`. Skips, with a note, while this ferry has no `package build`.
set -euo pipefail
out=$(cd "${1:?usage: FERRY=path/to/ferry make-packages.sh OUT}" && pwd)
: "${FERRY:?FERRY must name the ferry binary}"
probe=$("$FERRY" package build 2>&1 || true)
if [ ! -x "$FERRY" ] || grep -q "unknown command" <<<"$probe"; then
	echo "  SKIP    ledger archives: this ferry has no 'package build' yet" >&2
	exit 0
fi
rm -rf "$out/pkgs.tmp"
mkdir -p "$out/pkgs.tmp"
for dir in "$out"/packages/*/; do
	name=$(basename "$dir")
	"$FERRY" --quiet package build "$dir" -o "$out/pkgs.tmp/$name.zip" >/dev/null
done
rm -rf "$out/pkgs"
mv "$out/pkgs.tmp" "$out/pkgs"
touch "$out/pkgs/.stamp"
echo "  PACKAGE $(ls "$out/pkgs" | grep -c '\.zip$') ledger archives in $out/pkgs"

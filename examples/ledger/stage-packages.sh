#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# stage-packages.sh OUT: lay out the ledger's package source directories in OUT/packages/<dir>/
# (manifest.json without payload + payload files), ready for `ferry package build DIR -o FILE`.
# Sources: packages/<dir>/ (manifest and package-specific files), the binaries in OUT/bin, sql/,
# models/vendor/<release>/ (the model sources of the application packages that declare them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:?usage: stage-packages.sh OUT}" && pwd)
stage="$out/packages.tmp"
rm -rf "$stage"
mkdir -p "$stage"

put() { # put SRC DEST-IN-PACKAGE [mode]
	install -D -m "${3:-0644}" "$1" "$pkg/$2"
}

for src in "$here"/packages/*/; do
	name=$(basename "$src")
	pkg="$stage/$name"
	cp -r "$src" "$pkg"
	case "$name" in
	ledger-app-*)
		put "$out/bin/ledger" bin/ledger 0755
		put "$out/bin/ledgerctl" bin/ledgerctl 0755
		for f in "$here"/sql/scrub/*.sql; do put "$f" "scrub/$(basename "$f")"; done
		# the vendor's model sources of the release (manifest: "model_sources"), from
		# which `ferry code upgrade` builds its vendor/<release> bases
		src_dir=$(jq -r '.model_sources // empty' "$pkg/manifest.json")
		if [ -n "$src_dir" ]; then
			mkdir -p "$pkg/$src_dir"
			cp -R "$here/models/vendor/${name#ledger-app-}/." "$pkg/$src_dir/"
		fi ;;
	ledger-data-upgrade-*)
		put "$out/bin/ledgerctl" bin/ledgerctl 0755
		rel=${name#ledger-data-upgrade-}
		dirs=("$here/sql/upgrade/$rel")
		[ "$rel" = 8.1 ] && dirs=("$here/sql/upgrade/8.0" "$here/sql/upgrade/8.1")
		for d in "${dirs[@]}"; do
			for f in "$d"/*.sql; do put "$f" "upgrade/$(basename "$d")/$(basename "$f")"; done
		done
		# the reverse mappings back to 7.3 (a rollback that keeps the writes)
		for f in "$here"/sql/reverse/*.sql "$here/sql/reverse/$rel"/*.sql; do
			put "$f" "reverse/7.3/$(basename "$f")"
		done ;;
	fabrikam-tax-*) put "$here/sql/addons/fabrikam-tax.sql" sql/fabrikam-tax.sql ;;
	contoso-reports) put "$here/sql/addons/contoso-reports.sql" sql/contoso-reports.sql ;;
	esac
	# Every file a step names must be in the package.
	jq -e . "$pkg/manifest.json" >/dev/null
	missing=$(cd "$pkg" && jq -r '[.scripts[]?[]?, .data_upgrade[]?, .dvt[]?, .service?]
		| .[] | select(. != null) | (.sql // .exec[0]), (.exec // [] | .[] | select(endswith(".sql"))),
		(.reverse[]?.tables[] | .sql // empty)' manifest.json |
		while read -r f; do [ -e "$f" ] || echo "$f"; done)
	if [ -n "$missing" ]; then
		echo "stage-packages: $name: manifest names missing files: $missing" >&2
		exit 1
	fi
done
rm -rf "$out/packages"
mv "$stage" "$out/packages"
echo "  STAGE   $(ls "$out/packages" | wc -l) ledger packages in $out/packages"

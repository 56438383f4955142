#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# stage-packages.sh OUT: lay out MediaWiki's package source directories in
# OUT/packages/<dir>/ (manifest.json without payload + payload files), ready for
# `ferry package build DIR -o FILE`, from the files of the installed Debian package
# (apt-get install mediawiki; MW_SRC overrides /usr/share/mediawiki). No MediaWiki code is
# in ferry's tree: only the glue in app/ (LocalSettings.php, bin/, scrub/) and the manifests.
#
# What is taken from the Debian package (README.md says why):
#   the entry points (*.php), includes/, languages/, maintenance/, resources/, vendor/,
#   skins Vector, MonoBook, Timeless, and the extensions a release enables;
#   i18n: English only (every other <lang>.json and languages/messages/Messages<Lang>.php
#   is left out: 12,157 files and 120 MiB of the 23,501 files and 220 MiB Debian installs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:?usage: stage-packages.sh OUT}" && cd "$1" && pwd)
src=${MW_SRC:-/usr/share/mediawiki}
[ -f "$src/includes/Defines.php" ] || {
	echo "stage-packages: no MediaWiki in $src: install it with 'bash scripts/deps.sh' (Debian's mediawiki)" >&2
	exit 1
}
mwv=$(sed -n "s/^define( 'MW_VERSION', '\([0-9.]*\)' );/\1/p" "$src/includes/Defines.php")
case "$mwv" in 1.39.*) ;; *) echo "stage-packages: MediaWiki $mwv in $src, want 1.39.x" >&2; exit 1;; esac
stage="$out/packages.tmp"
rm -rf "$stage"
mkdir -p "$stage"

# The MediaWiki files a release needs, once: tree/ (the union), then hard links per package.
SKINS=(Vector MonoBook Timeless)
tree="$stage/.tree"
mkdir -p "$tree/skins" "$tree/extensions"
for f in "$src"/*.php "$src"/composer.json; do
	[ -f "$f" ] && [ ! -L "$f" ] && cp "$f" "$tree/"
done
for d in includes languages maintenance resources vendor; do cp -r "$src/$d" "$tree/"; done
for s in "${SKINS[@]}"; do cp -r "$src/skins/$s" "$tree/skins/"; done
exts() { jq -r '.extensions[]' "$here/packages/$1/ferry-release.json"; }
for e in $(exts mediawiki-1.39-core) $(exts mediawiki-1.39-moderation); do
	[ -d "$tree/extensions/$e" ] && continue
	cp -r "$(readlink -f "$src/extensions/$e")" "$tree/extensions/$e"
done
find "$tree" -path '*/i18n/*' -type f -name '*.json' ! -name en.json -delete
find "$tree/languages/messages" -type f -name 'Messages*.php' ! -name MessagesEn.php -delete
find "$tree" -type l -print -quit | grep -q . && { echo "stage-packages: symbolic links in $src" >&2; exit 1; }

# app_package DIR: MediaWiki, its enabled extensions, the glue, the release's files.
app_package() {
	local pkg="$stage/$1" e
	mkdir -p "$pkg/extensions"
	for f in "$tree"/*; do
		case "$(basename "$f")" in extensions) ;; *) cp -al "$f" "$pkg/";; esac
	done
	for e in $(exts "$1"); do cp -al "$tree/extensions/$e" "$pkg/extensions/"; done
	cp -r "$here/app/." "$pkg/"
	# One line: ferry logs the first line of service.version (this file) after a rollback.
	jq -c . "$here/packages/$1/ferry-release.json" >"$pkg/ferry-release.json"
}

for srcdir in "$here"/packages/*/; do
	name=$(basename "$srcdir")
	pkg="$stage/$name"
	case "$name" in
	mediawiki-1.39-*) app_package "$name" ;;
	mediawiki-data-upgrade-*)
		install -D -m 0755 "$here/app/bin/mwctl" "$pkg/bin/mwctl"
		[ ! -d "$srcdir/reverse" ] || cp -r "$srcdir/reverse" "$pkg/" ;;
	*) mkdir -p "$pkg"; cp -r "$srcdir/." "$pkg/" ;;
	esac
	sed "s/@MW_VERSION@/$mwv/g" "$srcdir/manifest.json" >"$pkg/manifest.json"
	jq -e . "$pkg/manifest.json" >/dev/null
	# Every file a step names must be in the package (bin/mwctl: in the release it lies over).
	missing=$(cd "$pkg" && jq -r '[.scripts[]?[]?, .data_upgrade[]?, .dvt[]?, .service?, .reverse[]?.tables[]?]
		| .[] | select(. != null) | (.sql // .exec[0]? // empty), (.exec // [] | .[] | select(startswith("bin/")))' manifest.json |
		while read -r f; do
			case "$f" in php|'${RELEASE_DIR}'*) continue;; esac
			[ -e "$f" ] || [ "$f" = bin/mwctl ] || echo "$f"
		done)
	if [ -n "$missing" ]; then
		echo "stage-packages: $name: manifest names missing files: $missing" >&2
		exit 1
	fi
done
rm -rf "$tree"
echo "$mwv" >"$stage/.mediawiki-version"
rm -rf "$out/packages"
mv "$stage" "$out/packages"
echo "  STAGE   $(ls "$out/packages" | wc -l) MediaWiki $mwv packages in $out/packages"

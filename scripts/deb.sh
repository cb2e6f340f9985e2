#!/bin/sh
# Build jmpflash's Debian packages with Debian's own tooling, from a copy of
# the tree (so dpkg-buildpackage's ../ outputs and debian/ build dirs land
# in OUTDIR, never beside the repository), then run lintian on them. Any
# lintian error or warning fails (exceptions go in debian/*.lintian-overrides).
# Usage: deb.sh OUTDIR   (docs/packaging.md)
set -eu
out=${1:-out/deb}
cd "$(dirname "$0")/.."
version=$(dpkg-parsechangelog -S Version)
rm -rf "$out"
mkdir -p "$out/jmpflash-$version"
# The tracked and the new (not ignored) files: what a release tarball holds.
git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf - | tar -xf - -C "$out/jmpflash-$version"
(cd "$out/jmpflash-$version" && dpkg-buildpackage -b -us -uc -j"$(nproc)")
rm -rf "$out/jmpflash-$version"
ls "$out"/*.deb
lintian --fail-on error,warning \
	"$out"/*.changes
echo "deb: packages in $out, lintian clean"

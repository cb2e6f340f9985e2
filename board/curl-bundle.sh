#!/bin/bash
# A variant of the virtual board's flasher bundle whose initramfs also has
# Debian's curl (curl:arm64 and the libraries it links), so the board can
# download https images itself and check them against a CA file (the
# busybox-only board cannot check certificates at all). Used by the e2e
# test of TLS on the board's side.
#
#   board/curl-bundle.sh OUT
# writes OUT/bundle (kernel and DTB hard-linked from board/out, or
# JF_BOARD_OUT). The packages are downloaded once into the board's cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:?usage: board/curl-bundle.sh OUT}" && cd "$1" && pwd)
board=${JF_BOARD_OUT:-$here/out}
"$here/build.sh" "$board" >&2
pkgs=$board/pkgs/curl
if [ ! -f "$pkgs/.done" ]; then
	rm -rf "$pkgs" && mkdir -p "$pkgs/deb" "$pkgs/root"
	list=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances curl:arm64 | grep '^[a-z]' | sort -u)
	echo "curl-bundle: downloading $(echo "$list" | wc -l) packages for curl:arm64" >&2
	(cd "$pkgs/deb" && apt-get download -q $list >/dev/null)
	for d in "$pkgs"/deb/*.deb; do dpkg-deb -x "$d" "$pkgs/root"; done
	touch "$pkgs/.done"
fi
tmp=$(mktemp -d "$out/curl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# a second cpio archive, appended: the kernel unpacks both, later files win
root=$tmp/root
mkdir -p "$root/usr/bin" "$root/lib/aarch64-linux-gnu" "$root/etc"
cp "$pkgs/root/usr/bin/curl" "$root/usr/bin/curl"
for dir in "$pkgs/root/lib/aarch64-linux-gnu" "$pkgs/root/usr/lib/aarch64-linux-gnu"; do
	find "$dir" -maxdepth 1 \( -name 'lib*.so*' -o -name 'ld-linux-*' \) \( -type f -o -type l \) \
		-exec cp -a {} "$root/lib/aarch64-linux-gnu/" \;
done
ln -sf /lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"
[ -f "$root/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" ] ||
	{ echo "curl-bundle: no dynamic loader in libc6:arm64" >&2; exit 1; }
printf 'export PS1="# "\nexport PATH=/bin:/sbin:/usr/bin\n' >"$root/etc/profile"
rm -rf "$out/bundle.tmp"
mkdir -p "$out/bundle.tmp/data/dtbs"
ln -f "$board/bundle/data/Image" "$out/bundle.tmp/data/Image" 2>/dev/null ||
	cp "$board/bundle/data/Image" "$out/bundle.tmp/data/Image"
cp "$board/bundle/data/dtbs/qemu-virt.dtb" "$out/bundle.tmp/data/dtbs/"
{
	cat "$board/bundle/data/initramfs.cpio.gz"
	(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --owner 0:0 --quiet) |
		gzip -6n
} >"$out/bundle.tmp/data/initramfs.cpio.gz"
old=$(printf '0x%x' "$(stat -c %s "$board/bundle/data/initramfs.cpio.gz")")
new=$(printf '0x%x' "$(stat -c %s "$out/bundle.tmp/data/initramfs.cpio.gz")")
sed "s/:$old /:$new /g" "$board/bundle/manifest.yaml" >"$out/bundle.tmp/manifest.yaml"
grep -q ":$new " "$out/bundle.tmp/manifest.yaml" || { echo "curl-bundle: size not patched" >&2; exit 1; }
rm -rf "$out/bundle"
mv "$out/bundle.tmp" "$out/bundle"
echo "curl-bundle: $out/bundle (initramfs $new bytes with curl)" >&2

#!/bin/bash
# Build the virtual board: a flasher bundle (kernel, initramfs, DTB, manifest)
# for QEMU's aarch64 `virt` machine with Debian's U-Boot, all from Debian
# packages. Output goes to OUT (default board/out); nothing is written
# elsewhere on the host except apt's own state. A second run with the same
# inputs is instant (a stamp holds the inputs' hash).
#
#   board/build.sh [OUT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-$here/out}" && cd "${1:-$here/out}" && pwd)
# shellcheck source=board/board.env
. "$here/board.env"

log() { printf 'board: %s\n' "$*" >&2; }

need_arm64() {
	dpkg --print-foreign-architectures | grep -qx arm64 && return 0
	log "enabling the arm64 architecture for apt (downloads only, nothing is installed)"
	dpkg --add-architecture arm64
	apt-get update -qq
}

# Which kernel and busybox packages are current (the metapackage points at it).
resolve() {
	kpkg=$(apt-cache depends linux-image-cloud-arm64:arm64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	kpkg=${kpkg%:arm64}
	if [ -z "$kpkg" ]; then
		apt-get update -qq
		kpkg=$(apt-cache depends linux-image-cloud-arm64:arm64 |
			awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
		kpkg=${kpkg%:arm64}
	fi
	[ -n "$kpkg" ] || { log "cannot find linux-image-cloud-arm64 in apt; run apt-get update"; exit 1; }
	kver=$(apt-cache policy "$kpkg:arm64" | awk '/Candidate:/ {print $2}')
	bbver=$(apt-cache policy busybox-static:arm64 | awk '/Candidate:/ {print $2}')
}

fetch() { # fetch PKG:arm64 -> unpacked under $out/pkgs/NAME
	local pkg=$1 name=${1%%:*} dir="$out/pkgs/${1%%:*}"
	[ -d "$dir" ] && return 0
	log "downloading $pkg"
	mkdir -p "$out/pkgs/deb"
	(cd "$out/pkgs/deb" && apt-get download -q "$pkg" >/dev/null 2>&1 ||
		apt-get download "$pkg")
	mkdir -p "$dir.tmp"
	dpkg-deb -x "$out/pkgs/deb/${name}"_*.deb "$dir.tmp"
	mv "$dir.tmp" "$dir"
}

build_initramfs() {
	local root="$out/initramfs.tmp" mods="$out/pkgs/$kpkg/lib/modules"
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,etc/udhcpc,proc,sys,dev,tmp,root,lib/modules,usr/share/udhcpc}
	cp "$out/pkgs/busybox-static/bin/busybox" "$root/bin/busybox"
	for m in $BOARD_MODULES; do
		find "$mods" -name "$m.ko" -exec cp {} "$root/lib/modules/" \;
		[ -f "$root/lib/modules/$m.ko" ] || { log "module $m.ko missing in $kpkg"; exit 1; }
	done
	sed "s/@MODULES@/$BOARD_MODULES/" "$here/initramfs/init" >"$root/init"
	# Debian's busybox looks in /etc/udhcpc, upstream's in /usr/share/udhcpc
	cp "$here/initramfs/udhcpc.script" "$root/etc/udhcpc/default.script"
	ln -s /etc/udhcpc/default.script "$root/usr/share/udhcpc/default.script"
	chmod 755 "$root/init" "$root/etc/udhcpc/default.script"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	# MD5-crypt: every busybox build verifies it.
	echo "root:$(openssl passwd -1 "$BOARD_PASSWORD"):19000:0:99999:7:::" >"$root/etc/shadow"
	chmod 600 "$root/etc/shadow"
	printf 'export PS1="# "\nexport PATH=/bin:/sbin\n' >"$root/etc/profile"
	echo "jmpflash virtual board" >"$root/etc/issue"
	(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --owner 0:0 --quiet) |
		gzip -9n >"$out/bundle.tmp/data/initramfs.cpio.gz"
	rm -rf "$root"
}

write_manifest() {
	local size
	size=$(printf '0x%x' "$(stat -c %s "$out/bundle.tmp/data/initramfs.cpio.gz")")
	# The initramfs size is written into the boot command, so it does not
	# depend on the order U-Boot loads the files in (${filesize}).
	sed -e "s/@INITRD_SIZE@/$size/g" -e "s/@PASSWORD@/$BOARD_PASSWORD/" \
		-e "s/@DISK2_PCI@/$BOARD_DISK2_PCI/" "$here/manifest.yaml.in" \
		>"$out/bundle.tmp/manifest.yaml"
}

main() {
	need_arm64
	command -v qemu-system-aarch64 >/dev/null ||
		{ log "qemu-system-aarch64 is missing: run scripts/install-deps.sh"; exit 1; }
	[ -f "$BOARD_UBOOT" ] || { log "$BOARD_UBOOT is missing: install u-boot-qemu"; exit 1; }
	key=$(cat "$0" "$here/board.env" "$here/qemu.sh" "$here/manifest.yaml.in" "$here"/initramfs/* |
		sha256sum | cut -c1-16)
	# Instant when nothing changed: the stamp is checked before asking apt.
	# JF_BOARD_REFRESH=1 looks for newer Debian packages.
	if [ -z "${JF_BOARD_REFRESH:-}" ] && [ -f "$out/stamp" ] && [ -d "$out/bundle" ] &&
		[ "$(cut -d' ' -f1 "$out/stamp")" = "$key" ]; then
		log "up to date: $out/bundle"
		return 0
	fi
	resolve
	key="$key $kpkg $kver $bbver"
	if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$key" ] && [ -d "$out/bundle" ]; then
		log "up to date: $out/bundle"
		return 0
	fi
	fetch "$kpkg:arm64"
	fetch busybox-static:arm64
	rm -rf "$out/bundle.tmp"
	mkdir -p "$out/bundle.tmp/data/dtbs"
	cp "$out/pkgs/$kpkg/boot/vmlinuz-"* "$out/bundle.tmp/data/Image"
	build_initramfs
	mkdir -p "$out/dtb-run"
	truncate -s 1M "$out/dtb-run/disk1.img" "$out/dtb-run/disk2.img"
	"$here/qemu.sh" "$out/dtb-run" -M "virt,dumpdtb=$out/bundle.tmp/data/dtbs/qemu-virt.dtb" \
		>/dev/null 2>&1
	rm -rf "$out/dtb-run"
	write_manifest
	rm -rf "$out/bundle"
	mv "$out/bundle.tmp" "$out/bundle"
	echo "$key" >"$out/stamp"
	log "built $out/bundle ($kpkg $kver, busybox $bbver)"
}

main

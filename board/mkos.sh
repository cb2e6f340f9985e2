#!/bin/bash
# Build the demo OS image the virtual board boots after a flash: an MBR disk
# with one bootable ext4 partition holding extlinux/extlinux.conf, Debian's
# arm64 kernel and a busybox initramfs whose /init prints a banner with the
# image's id and gives a login (root / $OS_PASSWORD from board.env). Debian's
# U-Boot (qemu_arm64) boots it by its own distro boot, with no help.
#
#   board/mkos.sh OUT [ID]
# writes OUT/os.img (raw), OUT/os.img.gz and OUT/os-id (ID, default random).
# The packages come from board/build.sh's cache (board/out unless
# JF_BOARD_OUT says otherwise); the image itself is rebuilt on every call
# (about a second), so each flash can carry its own id.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=board/board.env
. "$here/board.env"
out=$(mkdir -p "${1:?usage: board/mkos.sh OUT [ID]}" && cd "$1" && pwd)
id=${2:-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')}
board=${JF_BOARD_OUT:-$here/out}
"$here/build.sh" "$board" >&2
kernel=$(ls "$board"/pkgs/linux-image-*/boot/vmlinuz-* | head -1)
busybox=$board/pkgs/busybox-static/bin/busybox
[ -f "$kernel" ] && [ -f "$busybox" ] || { echo "mkos: $board has no kernel/busybox" >&2; exit 1; }

tmp=$(mktemp -d "$out/mkos.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# the initramfs: busybox, /init, a login, the id
root=$tmp/initramfs
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root}
cp "$busybox" "$root/bin/busybox"
cp "$here/os/init" "$root/init"
chmod 755 "$root/init"
echo "$id" >"$root/etc/jf-os-id"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
echo "root:$(openssl passwd -1 "$OS_PASSWORD"):19000:0:99999:7:::" >"$root/etc/shadow"
chmod 600 "$root/etc/shadow"
printf 'export PS1="os# "\nexport PATH=/bin:/sbin\n' >"$root/etc/profile"
printf 'jmpflash demo OS %s\n' "$id" >"$root/etc/issue"
fs=$tmp/fs
mkdir -p "$fs/extlinux"
(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --owner 0:0 --quiet) |
	gzip -9n >"$fs/initramfs.cpio.gz"
cp "$kernel" "$fs/Image"
# U-Boot's distro boot reads this; without an fdt line it passes its own
# device tree (the one QEMU made for this machine).
cat >"$fs/extlinux/extlinux.conf" <<CONF
default jfos
timeout 1
label jfos
	kernel /Image
	initrd /initramfs.cpio.gz
	append console=ttyAMA0,115200 rdinit=/init
CONF

# one bootable MBR partition from 1 MiB, just big enough
mib=$(( ($(du -sm "$fs" | cut -f1) * 11 / 10) + 4 ))
truncate -s "${mib}M" "$tmp/part.img"
mkfs.ext4 -q -F -L jf-os -d "$fs" "$tmp/part.img"
truncate -s $((mib + 1))M "$tmp/os.img"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk --quiet "$tmp/os.img"
dd if="$tmp/part.img" of="$tmp/os.img" bs=1M seek=1 conv=notrunc status=none
gzip -1n -c "$tmp/os.img" >"$tmp/os.img.gz"
mv "$tmp/os.img" "$out/os.img"
mv "$tmp/os.img.gz" "$out/os.img.gz"
echo "$id" >"$out/os-id"
echo "mkos: $out/os.img ($((mib + 1)) MiB, id $id)" >&2

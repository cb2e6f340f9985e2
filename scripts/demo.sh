#!/bin/bash
# `make demo`: build the virtual board, make a small real OS-like image (an
# ext4 filesystem, xz-compressed), flash it onto the board's first disk with
# jmpflash, and check the disk byte for byte. Runs in a network namespace of
# its own so the TFTP server can use port 69 without touching the machine's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
out=$repo/board/out
cd "$repo"

step() { printf '\n==> %s\n' "$*"; }

step "Building the virtual board (board/build.sh; cached after the first run)"
board/build.sh "$out"

step "Making the demo image: a 64 MiB ext4 filesystem, compressed with xz"
demo=$out/demo
rm -rf "$demo" && mkdir -p "$demo/root/etc"
echo "Flashed by jmpflash $("$build/jmpflash" --version | cut -d' ' -f2) on $(date -u +%F)" \
	>"$demo/root/etc/motd"
cp README.md "$demo/root/"
truncate -s 64M "$demo/rootfs.img"
mkfs.ext4 -q -F -L demo-root -d "$demo/root" "$demo/rootfs.img"
xz -T2 -3 -k "$demo/rootfs.img"
ls -l "$demo/rootfs.img.xz"

step "Fresh disks for the board (board/out/run)"
board/mkdisks.sh "$out/run" 256

step "jmpflash -c examples/virtual-board.yaml storage flash board/out/demo/rootfs.img.xz"
start=$(date +%s.%N)
tests/e2e/netns.sh "$build/jmpflash" -c examples/virtual-board.yaml storage flash \
	"$demo/rootfs.img.xz"
end=$(date +%s.%N)

step "Checking the board's disk on the host"
size=$(stat -c %s "$demo/rootfs.img")
cmp -n "$size" "$demo/rootfs.img" "$out/run/disk1.img"
echo "disk1.img holds the image byte for byte ($size bytes)"
echo "image sha256: $(sha256sum "$demo/rootfs.img" | cut -d' ' -f1)"
printf 'total time: %.1f s (power on, U-Boot, TFTP, boot, login, write, verify, power off)\n' \
	"$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"

#!/bin/bash
# `make demo`: build the virtual board, make a small bootable OS image
# (board/mkos.sh), flash it onto the board's first disk with jmpflash
# --no-power-off, check the disk byte for byte, log in to the OS the board
# rebooted into, and power the board off. Runs in a network namespace of
# its own so the TFTP server can use port 69 without touching the machine's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
out=$repo/board/out
cd "$repo"

step() { printf '\n==> %s\n' "$*"; }

step "Building the virtual board (board/build.sh; cached after the first run)"
board/build.sh "$out"

step "Making the demo OS image (board/mkos.sh): MBR + ext4 with extlinux, Debian's kernel, a busybox login"
demo=$out/demo
rm -rf "$demo"
board/mkos.sh "$demo"
id=$(cat "$demo/os-id")
ls -l "$demo/os.img.gz"

step "Fresh disks for the board (board/out/run)"
board/mkdisks.sh "$out/run" 256

step "jmpflash -c examples/virtual-board.yaml storage flash --no-power-off board/out/demo/os.img.gz"
start=$(date +%s.%N)
tests/e2e/netns.sh "$build/jmpflash" -c examples/virtual-board.yaml storage flash \
	--no-power-off "$demo/os.img.gz"
end=$(date +%s.%N)

step "Checking the board's disk on the host"
size=$(stat -c %s "$demo/os.img")
cmp -n "$size" "$demo/os.img" "$out/run/disk1.img"
echo "disk1.img holds the image byte for byte ($size bytes)"
echo "image sha256: $(sha256sum "$demo/os.img" | cut -d' ' -f1)"
printf 'flash time: %.1f s (power on, U-Boot, TFTP, boot, login, write, verify, reboot)\n' \
	"$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"

step "The board rebooted into the OS just flashed: logging in on its console"
# shellcheck source=board/board.env
. board/board.env
got=$(board/os-login.py "$out/run/console.sock" "$OS_PASSWORD" 180)
echo "the board runs demo OS $got (flashed: $id)"
[ "$got" = "$id" ]

step "jmpflash -c examples/virtual-board.yaml power off"
"$build/jmpflash" -c examples/virtual-board.yaml power off

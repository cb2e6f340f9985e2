#!/bin/bash
# Start the virtual board: QEMU virt aarch64 with Debian's U-Boot, one NIC
# (user networking: the host's loopback is reachable as 127.0.0.1 through the
# gateway for TFTP, and as 10.0.2.2 from Linux for HTTP) and two virtio disks,
# the serial console on RUNDIR/console.sock (QEMU waits for a client before
# the CPU starts, so no output is lost) and the monitor on RUNDIR/monitor.sock.
#
#   board/qemu.sh RUNDIR [extra qemu args...]
# RUNDIR must hold disk1.img and disk2.img (board/mkdisks.sh makes them).
# build.sh runs this with -M virt,dumpdtb=FILE so that the bundle's DTB is
# the one QEMU makes for exactly these options.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=board/board.env
. "$here/board.env"
run=${1:?usage: board/qemu.sh RUNDIR [qemu args]}
shift
machine=virt
for a in "$@"; do case $a in virt,*) machine=$a ;; esac; done
args=()
for a in "$@"; do case $a in virt,* | -M) ;; *) args+=("$a") ;; esac; done

# Dumping the DTB never starts the CPU: nobody will attach to the console.
wait=on
case $machine in *dumpdtb=*) wait=off ;; esac

slot() { printf '0x%s' "${1##*:00:}" | sed 's/\.0$//'; }

exec qemu-system-aarch64 -M "$machine" -cpu "$BOARD_CPU" -m "$BOARD_MEM" -smp "$BOARD_SMP" -nographic \
	-bios "$BOARD_UBOOT" \
	-netdev user,id=n0 -device "virtio-net-pci,netdev=n0,romfile=,addr=$(slot "$BOARD_NET_PCI")" \
	-drive "file=$run/disk1.img,if=none,format=raw,id=d1" \
	-device "virtio-blk-pci,drive=d1,addr=$(slot "$BOARD_DISK1_PCI")" \
	-drive "file=$run/disk2.img,if=none,format=raw,id=d2" \
	-device "virtio-blk-pci,drive=d2,addr=$(slot "$BOARD_DISK2_PCI")" \
	-chardev "socket,id=ser0,path=$run/console.sock,server=on,wait=$wait" -serial chardev:ser0 \
	-monitor "unix:$run/monitor.sock,server=on,wait=off" \
	"${args[@]}"

#!/bin/bash
# Create the virtual board's disks in RUNDIR: disk1.img blank, disk2.img with
# a GPT and named partitions (boot, rootfs) for partition-label flashing.
#   board/mkdisks.sh RUNDIR [SIZE_MIB]
set -euo pipefail
run=${1:?usage: board/mkdisks.sh RUNDIR [SIZE_MIB]}
size=${2:-256}
mkdir -p "$run"
rm -f "$run/disk1.img" "$run/disk2.img"
truncate -s "${size}M" "$run/disk1.img" "$run/disk2.img"
# 1 MiB aligned: boot 32 MiB, rootfs the rest.
sfdisk --quiet "$run/disk2.img" <<'GPT'
label: gpt
start=2048, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="boot"
start=67584, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="rootfs"
GPT

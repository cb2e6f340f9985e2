#!/bin/sh
# Two virtual boards on one host with one shared `jmpflash serve`: the wall
# time of flashing both at once against one after the other (the reference,
# measured in the same run). On 2 emulated-CPU-bound cores it may not halve.
#   bench/two_boards.sh BUILD_DIR    (JF_BENCH_MIB: image size, default 32)
set -eu
build=${1:-build}
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/board/build.sh" "$build/board" >/dev/null
exec "$repo/tests/e2e/netns.sh" "$repo/tests/e2e/lab.sh" bench "$build/jmpflash" "$repo" \
	"$build/board"

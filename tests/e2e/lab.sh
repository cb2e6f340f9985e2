#!/bin/bash
# Several boards on one host (docs/lab.md): two virtual boards, each with its
# own disks, console and QEMU, in one network namespace, served by one shared
# `jmpflash serve` that owns ports 69 and 8080. Run by tests/e2e/netns.sh.
#
#   lab.sh CASE JMPFLASH REPO_DIR BOARD_OUT_DIR
# CASE: two-boards (both flashed at once, different images, both disks
#       compared; a second flash of a busy board refused; nothing left staged)
#       kill9 (kill -9 of a flash leaves no lock: the next one starts at once)
#       bench (wall time of the two at once vs one after the other)
set -uo pipefail
case=$1 jf=$2 repo=$3 board=$4
# shellcheck source=tests/e2e/exporter.sh
. "$repo/tests/e2e/exporter.sh"
tmp=$(mktemp -d /tmp/jf-lab-XXXXXX)
srv=$tmp/srv
pids=()
export JMPFLASH_LOCK_DIR=$tmp/locks
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for b in a b; do pkill -f "$tmp/run-$b/console.sock" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL ($case): $*"
	for f in "$tmp"/out-* "$tmp/serve.log"; do
		[ -e "$f" ] && { echo "--- $(basename "$f") ---"; tail -25 "$f"; }
	done
	echo "0 passed, 1 failed"
	exit 1
}

# wait_grep FILE PATTERN [TENTHS]: bounded wait for a line in a log
wait_grep() {
	for _ in $(seq "${3:-600}"); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# board NAME: disks, console and an exporter that uses the shared server
board() {
	"$repo/board/mkdisks.sh" "$tmp/run-$1" 64 || fail "mkdisks $1"
	vb_exporter "$tmp/board-$1.yaml" "board-$1" "$srv" "$tmp/run-$1" "$board/bundle" \
		"[$repo/board/qemu.sh, $tmp/run-$1]" "shared_server: true"
}

image() { # NAME MIB: half random, half zeros, plus odd bytes
	head -c $(($2 * 512 * 1024)) /dev/urandom >"$tmp/$1"
	head -c $(($2 * 512 * 1024)) /dev/zero >>"$tmp/$1"
	head -c 777 /dev/urandom >>"$tmp/$1"
}

# same_bytes FILE BOARD: the board's first disk holds FILE
same_bytes() {
	cmp -n "$(stat -c %s "$1")" "$1" "$tmp/run-$2/disk1.img" >/dev/null ||
		fail "board $2's disk does not hold $(basename "$1")"
}

serve() {
	mkdir -p "$srv/tftp" "$srv/www"
	"$jf" serve --tftp-root "$srv/tftp" --http-root "$srv/www" >"$tmp/serve.log" 2>&1 &
	pids+=($!)
	wait_grep "$tmp/serve.log" '^ready$' 100 || fail "jmpflash serve did not start"
}

# start NAME IMAGE: a flash in the background; its pid in $started
start() {
	"$jf" -c "$tmp/board-$1.yaml" storage flash "$tmp/$2" >"$tmp/out-$1" 2>&1 &
	started=$!
	pids+=("$started")
}

finish() { # PID NAME
	wait "$1" || fail "the flash of board $2 failed (exit $?)"
	grep -q "Flashing completed in" "$tmp/out-$2" || fail "board $2: no completion line"
}

staged_left() { find "$srv/tftp" "$srv/www" -mindepth 1; }

serve
board a
board b
case $case in
two-boards)
	image a.img 12
	image b.img 10
	start a a.img
	pa=$started
	start b b.img
	pb=$started
	# a second flash of a busy board is refused at once, naming the holder
	wait_grep "$tmp/out-a" "Using the shared server" || fail "board a never started"
	"$jf" -c "$tmp/board-a.yaml" storage flash "$tmp/b.img" >"$tmp/out-second" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] || fail "second flash of busy board a: exit $rc, wanted 1"
	grep -q "board board-a is in use by pid $pa (jmpflash storage flash)" "$tmp/out-second" ||
		fail "second flash: no 'in use by pid $pa' message"
	# while both run, each board's files are under its own path only
	wait_grep "$tmp/serve.log" "sent 'board-a/Image'" 1200 || fail "board a's U-Boot got no board-a/Image"
	finish "$pa" a
	finish "$pb" b
	grep -q "sent 'board-b/Image'" "$tmp/serve.log" || fail "board b's U-Boot got no board-b/Image"
	grep -Eq "GET /board-a/[^ ]*a\.img" "$tmp/serve.log" || fail "board a's image not under /board-a/"
	grep -Eq "GET /board-b/[^ ]*b\.img" "$tmp/serve.log" || fail "board b's image not under /board-b/"
	! grep -Eq "GET /board-a/[^ ]*b\.img|GET /board-b/[^ ]*a\.img" "$tmp/serve.log" ||
		fail "an image was served under the other board's path"
	same_bytes "$tmp/a.img" a
	same_bytes "$tmp/b.img" b
	[ -z "$(staged_left)" ] || fail "staged files left behind: $(staged_left)"
	;;
kill9)
	image a.img 4
	start a a.img
	pa=$started
	wait_grep "$tmp/out-a" "Waiting for U-Boot prompt" || fail "the flash never reached U-Boot"
	kill -9 "$pa"
	wait "$pa" 2>/dev/null
	pkill -f "$tmp/run-a/console.sock" # its QEMU, orphaned by the kill
	# no lock left: the next flash of board a starts and completes
	start a a.img
	finish "$started" a
	! grep -q "in use by" "$tmp/out-a" || fail "a lock outlived its process"
	same_bytes "$tmp/a.img" a
	;;
bench)
	mib=${JF_BENCH_MIB:-32}
	image a.img "$mib"
	image b.img "$mib"
	t0=$(date +%s.%N)
	start a a.img
	finish "$started" a
	start b b.img
	finish "$started" b
	t1=$(date +%s.%N)
	start a b.img
	pa=$started
	start b a.img
	finish "$pa" a
	finish "$started" b
	t2=$(date +%s.%N)
	awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v m="$mib" 'BEGIN {
		s = t1 - t0; p = t2 - t1
		printf "two boards, %d MiB each: one after the other %.1f s, both at once %.1f s, ratio %.2f\n", m, s, p, s / p }'
	;;
*)
	fail "unknown case"
	;;
esac
echo "1 passed, 0 failed"

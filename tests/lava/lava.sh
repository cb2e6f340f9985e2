#!/bin/bash
# A real LAVA job on Debian's lava-dispatcher (lava-run, no server) against
# the virtual board, with the device type, dictionary and job of contrib/lava/
# (docs/lab.md). Run by tests/e2e/netns.sh: the flasher's ports 69/8080 are
# this namespace's.
#
#   lava.sh CASE JMPFLASH REPO_DIR BOARD_OUT_DIR LAVA_TEMPLATES_DIR
# CASE: job (flash the demo OS, boot it, log in, check it answers)
#       missing-image, no-uboot, timeout (the job fails, the log says why,
#       the board is off and no lock is left)
set -uo pipefail
case=$1 jf=$2 repo=$3 board=$4 lava=$5
# shellcheck source=tests/e2e/exporter.sh
. "$repo/tests/e2e/exporter.sh"
tmp=$(mktemp -d /tmp/jf-lava-XXXXXX)
run=$tmp/run
jobid=jf-$case-$$
export JMPFLASH_LOCK_DIR=$tmp/locks
cleanup() {
	# JF_LAVA_KEEP_LOG=FILE keeps the LAVA log (JSON lines) for a look after
	[ -n "${JF_LAVA_KEEP_LOG:-}" ] && cp "$tmp/lava.log" "$JF_LAVA_KEEP_LOG" 2>/dev/null
	pkill -f "$run/console.sock" 2>/dev/null
	rm -rf "$tmp" "/var/lib/lava/dispatcher/tmp/$jobid"
}
trap cleanup EXIT

fail() {
	echo "FAIL ($case): $*"
	echo "--- LAVA log (messages) ---"
	python3 -c 'import json,sys
for l in open(sys.argv[1], errors="replace"):
    try: m = json.loads(l).get("msg")
    except ValueError: m = l
    print(m if isinstance(m, str) else json.dumps(m))' "$tmp/lava.log" 2>/dev/null | tail -60
	echo "0 passed, 1 failed"
	exit 1
}

command -v lava-run >/dev/null || fail "lava-run is not installed (scripts/install-deps.sh installs lava-dispatcher)"
"$repo/board/mkdisks.sh" "$run" 64 || fail "mkdisks"

exporter() { # [power command list]
	vb_exporter "$tmp/exporter.yaml" virtual-board "$tmp" "$run" "$board/bundle" \
		"${1:-[$repo/board/qemu.sh, $run]}"
}

device() { # [flash options]
	python3 "$repo/tests/lava/render.py" "$repo/contrib/lava/devices/virtual-board.jinja2" \
		"$tmp/device.yaml" "$lava" "jmpflash=$jf" "jmpflash_exporter=$tmp/exporter.yaml" \
		"jmpflash_flash_options=${1:---retries 2}" || fail "cannot render the device dictionary"
}

job() { # IMAGE_URL [OS_ID] [DEPLOY_TIMEOUT_S]: the repository's job, pointed at the image
	python3 - "$repo/contrib/lava/jobs/virtual-board.yaml" "$tmp/job.yaml" "$@" <<'PY' || fail "job"
import sys, yaml
src, out, url = sys.argv[1:4]
os_id = sys.argv[4] if len(sys.argv) > 4 else ""
job = yaml.safe_load(open(src))
job["actions"][0]["deploy"]["images"]["image"]["url"] = url
if len(sys.argv) > 5:
    job["actions"][0]["deploy"]["timeout"] = {"seconds": int(sys.argv[5])}
for step in job["actions"][2]["test"]["interactive"][0]["script"]:
    for s in step.get("successes", []):
        s["message"] = s["message"].replace("OS_ID", os_id)
yaml.safe_dump(job, open(out, "w"))
PY
}

lava_run() {
	# the namespace has no default route for LAVA to guess its address from
	echo "dispatcher_ip: 127.0.0.1" >"$tmp/dispatcher.yaml"
	start=$(date +%s.%N)
	lava-run --job-id "$jobid" --output-dir "$tmp/out" --device "$tmp/device.yaml" \
		--dispatcher "$tmp/dispatcher.yaml" "$tmp/job.yaml" >"$tmp/lava.log" 2>&1
	lava_rc=$?
	took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

results() { python3 "$repo/tests/lava/results.py" "$tmp/lava.log" "$@"; }

# After any job: the board is off and no jmpflash lock is held.
board_off_and_unlocked() {
	for _ in $(seq 100); do
		pgrep -f "$run/console.sock" >/dev/null || break
		sleep 0.1
	done
	! pgrep -f "$run/console.sock" >/dev/null || fail "the board is still on after the job"
	python3 - "$JMPFLASH_LOCK_DIR" <<'PY' || fail "a jmpflash lock is still held after the job"
import fcntl, os, sys
d = sys.argv[1]
for name in (os.listdir(d) if os.path.isdir(d) else []):
    with open(os.path.join(d, name)) as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises when held
PY
	[ -z "$(find "$tmp/tftp" "$tmp/www" -type f 2>/dev/null)" ] || fail "staged files left behind"
}

exporter
device
case $case in
job)
	JF_BOARD_OUT=$board "$repo/board/mkos.sh" "$tmp/os" >/dev/null 2>&1 || fail "board/mkos.sh"
	job "file://$tmp/os/os.img.gz" "$(cat "$tmp/os/os-id")"
	lava_run
	results lava:job=pass lava:pdu-reboot=pass lava:login-action=pass lava:power-off=pass \
		0_flashed-os:os-id=pass 0_flashed-os:arch=pass \
		--log-has "Flashing completed in" --log-has "end: 1 deploy-flasher-retry" \
		--log-has "end: 2 minimal-boot" --log-has "jmpflash demo OS $(cat "$tmp/os/os-id")" ||
		fail "the job did not pass"
	[ "$lava_rc" -eq 0 ] || fail "lava-run exit $lava_rc"
	echo "lava job: deploy, boot and interactive test passed in $took s"
	board_off_and_unlocked
	;;
missing-image)
	job "file://$tmp/no-such-image.img.gz"
	lava_run
	results lava:job=fail --log-has "no-such-image.img.gz" || fail "the job did not fail on the missing image"
	board_off_and_unlocked
	;;
no-uboot)
	# a "board" whose console never says anything
	exporter "[socat, 'UNIX-LISTEN:$run/console.sock', 'SYSTEM:cat >/dev/null']"
	device "--retries 0 --uboot-timeout 5"
	head -c 1M /dev/urandom >"$tmp/a.img"
	job "file://$tmp/a.img"
	lava_run
	results lava:job=fail lava:power-off=pass \
		--log-has "U-Boot did not answer on the serial console within 5 s" \
		--log-has "Unable to flash the device" || fail "the job did not fail with jmpflash's message"
	board_off_and_unlocked
	;;
timeout)
	# the job's deploy timeout runs out while jmpflash waits for a board
	# whose console stays silent: LAVA stops jmpflash, which powers the
	# board off and frees it before it exits
	exporter "[socat, 'UNIX-LISTEN:$run/console.sock', 'SYSTEM:cat >/dev/null']"
	device "--retries 0 --uboot-timeout 300"
	head -c 1M /dev/urandom >"$tmp/a.img"
	job "file://$tmp/a.img" "" 15
	lava_run
	results lava:job=fail lava:power-off=pass \
		--log-has "deploy-flasher timed out after 15 seconds" \
		--log-has "Waiting for U-Boot prompt" || fail "the job did not fail on the timeout"
	board_off_and_unlocked
	;;
*)
	fail "unknown case"
	;;
esac
echo "1 passed, 0 failed"

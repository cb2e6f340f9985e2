#!/bin/bash
# Board locks through the binary: a second jmpflash on a busy board (same
# export, serial device or power port) is refused at once with the holder's
# pid, --wait-lock waits, and a lock dies with its process (kill -9).
# The "busy" jmpflash is a `power on` whose command blocks on a FIFO.
# Usage: test_lock.sh JMPFLASH
set -u
jf=$1
tmp=$(mktemp -d /tmp/jf-lock-XXXXXX)
bg=()
cleanup() {
	for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
	exec 9>&- 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export JMPFLASH_LOCK_DIR=$tmp/locks
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

mkfifo "$tmp/gate"
cat >"$tmp/exporter.yaml" <<YAML
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: lockboard, namespace: test}
export:
  storage:
    type: jumpstarter_driver_flashers.driver.BaseFlasher
    config:
      flasher_bundle: $tmp/no-bundle
      tftp_dir: $tmp/tftp
      http_dir: $tmp/www
    children:
      serial: {ref: serial}
      power: {ref: power}
  serial:
    type: jumpstarter_driver_pyserial.driver.PySerial
    config: {url: $tmp/console.sock}
  power:
    type: jmpflash.power.command
    config:
      on: "touch $tmp/on-started; cat $tmp/gate >/dev/null"
      off: "true"
      state: "echo off"
      timeout: 120
YAML

# wait_for FILE: bounded wait for a file to appear
wait_for() {
	for _ in $(seq 300); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# run CODE PATTERN ARGS...: run jmpflash, check exit code and output
run() {
	local code=$1 pattern=$2 out rc
	shift 2
	out=$("$jf" -c "$tmp/exporter.yaml" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$code" ] || ! grep -Eq -- "$pattern" <<<"$out"; then
		bad "jmpflash $* -> exit $rc (want $code, /$pattern/): $out"
	else
		ok
	fi
}

# hold: start a `power on` that blocks until the gate opens; sets $holder
hold() {
	rm -f "$tmp/on-started"
	"$jf" -c "$tmp/exporter.yaml" power on >"$tmp/holder.out" 2>&1 &
	holder=$!
	bg+=("$holder")
	wait_for "$tmp/on-started" || bad "the holding power on never ran its command"
}

hold
run 1 "board lockboard \(power power\) is in use by pid $holder \(jmpflash power on\)" power off
run 1 "is in use by pid $holder" power cycle
# a flash on the same board is refused before it touches anything
run 1 "board lockboard \(power power\) is in use by pid $holder" storage flash "$tmp/x.img"
[ ! -e "$tmp/tftp" ] || bad "a refused flash set up its TFTP root"
# power state only reads: never locked
run 0 "^off$" power state
# the serial line is a lock of its own: not held by a power command
"$jf" -c "$tmp/exporter.yaml" serial </dev/null >"$tmp/serial.out" 2>&1
grep -q "in use" "$tmp/serial.out" && bad "serial was refused by a power lock"
ok
# a bounded wait runs out
run 1 "still in use by pid $holder .* after waiting 1 s" --wait-lock=1 power off
run 2 "--wait-lock takes seconds" --wait-lock=soon power off
# a waiter gets the board once the holder ends
"$jf" -c "$tmp/exporter.yaml" --wait-lock power off >"$tmp/waiter.out" 2>&1 &
waiter=$!
bg+=("$waiter")
for _ in $(seq 100); do grep -q "Waiting: board" "$tmp/waiter.out" && break; sleep 0.1; done
grep -q "Waiting: board lockboard (power power) is in use by pid $holder" "$tmp/waiter.out" || bad "the waiter did not say what it waits for"
kill -0 "$waiter" 2>/dev/null || bad "the waiter did not wait"
exec 9>"$tmp/gate" # opens the gate: the holder's command ends
exec 9>&-
wait "$holder" || bad "the holder failed: $(cat "$tmp/holder.out")"
wait "$waiter" && ok || bad "the waiter failed: $(cat "$tmp/waiter.out")"

# kill -9 of the holder: the next jmpflash gets the board at once
hold
{
	kill -9 "$holder"
	wait "$holder"
} 2>/dev/null
run 0 "" power off
# its blocked command may still run; the lock went with jmpflash
pkill -f "cat $tmp/gate" 2>/dev/null

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

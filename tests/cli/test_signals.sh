#!/bin/bash
# The CLI's one signal scheme (src/cli/cancel.c), through `jmpflash serve`:
# each of SIGINT, SIGTERM, SIGHUP and SIGQUIT stops it cleanly (exit 0, the
# servers stopped, the log says which signal), even though a background job
# of a non-interactive shell starts with SIGINT and SIGQUIT ignored.
# `jmpflash serial` is covered by integration.serial_cli (SIGTERM restores
# the terminal). Usage: test_signals.sh PATH-TO-jmpflash
set -u
JMPFLASH=$1
. "$(dirname "$0")/../integration/lib.sh"

# wait_exit PID SECONDS: the exit code, or fail at the deadline.
wait_exit() {
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "pid $1 still running after $2 s"
		sleep 0.05
	done
	wait "$1"
}

mkdir -p "$T/root"
echo hello >"$T/root/f"
for sig in INT TERM HUP QUIT; do
	start_serve "s$sig" --tftp-root "$T/root" --tftp-port 0 --http-root "$T/root" \
		--http-port 0 --bind 127.0.0.1
	eval "pid=\$s${sig}_PID"
	kill -"$sig" "$pid"
	wait_exit "$pid" 20
	rc=$?
	[ $rc -eq 0 ] || fail "serve exited with $rc on SIG$sig"
	grep -q "stopping on SIG$sig" "$T/s$sig.err" || fail "no 'stopping on SIG$sig' in the log"
	ok "serve stops cleanly on SIG$sig"
done

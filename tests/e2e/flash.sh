#!/bin/bash
# End-to-end flashes of the virtual board with the jmpflash binary, one case
# per call, each in its own network namespace (tests/e2e/netns.sh runs it).
# The written disk image is compared with the source byte for byte.
#
#   flash.sh CASE JMPFLASH REPO_DIR BOARD_OUT_DIR
set -uo pipefail
case=$1 jf=$2 repo=$3 board=$4
# shellcheck source=tests/e2e/exporter.sh
. "$repo/tests/e2e/exporter.sh"
tmp=$(mktemp -d /tmp/jf-e2e-XXXXXX)
# board locks of this run only: another suite on the host cannot hold ours
export JMPFLASH_LOCK_DIR=$tmp/locks
run=$tmp/run
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	pkill -f "$run/console.sock" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL ($case): $*"
	echo "--- jmpflash output ---"
	tail -40 "$tmp/out" 2>/dev/null
	echo "0 passed, 1 failed"
	exit 1
}

"$repo/board/mkdisks.sh" "$run" 64 || fail "mkdisks"
power_cmd="[$repo/board/qemu.sh, $run]"
exporter() { # [power command list]
	vb_exporter "$tmp/exporter.yaml" e2e "$tmp" "$run" "${bundle_dir:-$board/bundle}" \
		"${1:-$power_cmd}"
}
exporter

flash() { # ARGS... ; sets $rc, output in $tmp/out
	"$jf" -c "$tmp/exporter.yaml" storage flash "$@" >"$tmp/out" 2>&1
	rc=$?
}

# same_bytes FILE DISK [OFFSET_BYTES]: the disk holds FILE at OFFSET
same_bytes() {
	local size
	size=$(stat -c %s "$1")
	cmp -n "$size" "$1" <(tail -c +$((${3:-0} + 1)) "$run/$2") >/dev/null ||
		fail "$2 does not hold $(basename "$1") at offset ${3:-0}"
}

expect_ok() {
	[ "$rc" -eq 0 ] || fail "exit $rc, wanted 0"
	grep -q "Flashing completed in" "$tmp/out" || fail "no completion line"
	grep -q "Rebooting the board" "$tmp/out" || fail "no reboot after the flash"
	grep -q "QEMU quit\|QEMU stopped" "$tmp/out" || fail "the board was not powered off"
	! pgrep -f "$run/console.sock" >/dev/null || fail "QEMU still runs after the flash"
}

expect_fail() { # CODE PATTERN
	[ "$rc" -eq "$1" ] || fail "exit $rc, wanted $1"
	grep -Eq -- "$2" "$tmp/out" || fail "output lacks /$2/"
	! grep -q "Flashing completed" "$tmp/out" || fail "a failed flash reported success"
	! pgrep -f "$run/console.sock" >/dev/null || fail "QEMU still runs after the failure"
}

image() { # NAME MIB: half random, half zeros, plus 1234 odd bytes
	head -c $(($2 * 512 * 1024)) /dev/urandom >"$tmp/$1"
	head -c $(($2 * 512 * 1024)) /dev/zero >>"$tmp/$1"
	head -c 1234 /dev/urandom >>"$tmp/$1"
}

http_server() { # DIR PORT: a separate web server the board fetches from directly
	python3 -m http.server "$2" --bind 127.0.0.1 --directory "$1" >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$2/" && return 0
		sleep 0.1
	done
	fail "http.server did not start"
}

start_helper() { # NAME CMD...: run CMD in the background, wait for its first line
	local name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids+=($!)
	for _ in $(seq 100); do
		[ -s "$tmp/$name.out" ] && return 0
		sleep 0.1
	done
	fail "$name did not start: $(cat "$tmp/$name.err")"
}

start_registry() {
	mkdir -p "$tmp/store"
	printf 'version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:5000}\n' \
		"$tmp/store" >"$tmp/registry.yml"
	docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
	registry_pid=$!
	pids+=($registry_pid)
	for _ in $(seq 100); do
		curl -sf -o /dev/null http://127.0.0.1:5000/v2/ && return 0
		sleep 0.1
	done
	fail "docker-registry did not start"
}

ports_free() { # the ports are free again (bounded wait: the kernel may lag the exit)
	for _ in $(seq 50); do
		python3 -c 'import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",69))
t=socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0",8080))' 2>/dev/null && return 0
		sleep 0.1
	done
	fail "ports 69/8080 still taken: $(ss -lntup 2>&1 | tr '\n' ' ')"
}

interrupt_at() { # PATTERN IMAGE: flash, Ctrl-C once PATTERN is in the output;
	# then: canceled, the board off, the ports free, nothing left staged.
	# The shell method: the agent writes 48 MiB before a progress event is seen.
	"$jf" -c "$tmp/exporter.yaml" storage flash --json --method shell "$2" >"$tmp/out" 2>&1 &
	local jpid=$!
	for _ in $(seq 600); do
		grep -q "$1" "$tmp/out" 2>/dev/null && break
		sleep 0.05
	done
	kill -INT $jpid
	wait $jpid
	rc=$?
	expect_fail 130 "canceled"
	ports_free
	[ -z "$(ls -A "$tmp/www" "$tmp/tftp" 2>/dev/null | grep -v ':$' | grep .)" ] ||
		fail "Ctrl-C at /$1/ left files staged"
}

power_command() { # ON OFF: a command power switch instead of QEMU (no board)
	head -n -5 "$tmp/exporter.yaml" >"$tmp/e.yaml"
	printf '  power:\n    type: jmpflash.power.command\n    config: {on: "%s", off: "%s", timeout: 2, off_time: 0}\n' \
		"$1" "$2" >>"$tmp/e.yaml"
	mv "$tmp/e.yaml" "$tmp/exporter.yaml"
}

https_server() { # DIR PORT CERT KEY: https on every address of this namespace
	python3 "$repo/tests/e2e/https_server.py" "$@" >/dev/null 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		curl -sf --cacert "$tmp/ca.pem" -o /dev/null "https://10.0.2.2:$2/" && return 0
		sleep 0.1
	done
	fail "https server did not start"
}

case $case in
https)
	# A test CA and a server certificate for 10.0.2.2 (how the board names
	# the host; the host has it on its loopback here, for its own fetches).
	ip addr add 10.0.2.2/32 dev lo || fail "cannot add 10.0.2.2 to lo"
	"$repo/tests/e2e/test_ca.sh" "$tmp" 10.0.2.2 127.0.0.1 || fail "test CA"
	image a.img 8
	mkdir -p "$tmp/web" && xz -T2 -1 -c "$tmp/a.img" >"$tmp/web/a.img.xz"
	https_server "$tmp/web" 8443 "$tmp/srv.pem" "$tmp/srv.key"
	# the agent (the default method) checks the certificate itself
	flash "https://10.0.2.2:8443/a.img.xz"
	expect_fail 1 "the board refused the server's TLS certificate"
	! grep -q "Attempt 1 failed" "$tmp/out" || fail "a refused certificate was retried"
	grep -q "checking its certificate against the board's CA store" "$tmp/out" ||
		fail "no TLS line"
	flash --cacert "$tmp/ca.pem" "https://10.0.2.2:8443/a.img.xz"
	expect_ok
	grep -q "GET /[^ ]*ca.pem 200" "$tmp/out" || fail "the CA file was not served"
	grep -q "with jmpflash-agent" "$tmp/out" || fail "the agent did not write"
	! grep -q "Downloading the image on the exporter" "$tmp/out" || fail "the host fetched"
	same_bytes "$tmp/a.img" disk1.img
	"$repo/board/mkdisks.sh" "$run" 64 || fail "mkdisks"
	flash -k "https://10.0.2.2:8443/a.img.xz"
	expect_ok
	grep -q "without checking its certificate (-k)" "$tmp/out" || fail "no -k line"
	same_bytes "$tmp/a.img" disk1.img
	# the shell method: busybox wget on the board cannot check certificates,
	# so the exporter fetches, and it does check
	flash --method shell "https://10.0.2.2:8443/a.img.xz"
	expect_fail 1 "certificate"
	grep -q "which does not check TLS certificates" "$tmp/out" || fail "no reason logged"
	# an agent that cannot run: the shell method's choice after all
	"$repo/board/mkdisks.sh" "$run" 64 || fail "mkdisks"
	mkdir -p "$tmp/no-agents"
	JMPFLASH_AGENT_DIR=$tmp/no-agents flash --cacert "$tmp/ca.pem" "https://10.0.2.2:8443/a.img.xz"
	expect_ok
	grep -q "falling back to --method shell" "$tmp/out" || fail "no fallback"
	grep -q "cannot check certificates against --cacert" "$tmp/out" || fail "no reason logged"
	same_bytes "$tmp/a.img" disk1.img
	# a board with curl: it fetches the CA file from the exporter and checks
	# the server itself; without the CA it refuses
	# (built by the e2e.board_curl fixture: board/curl-bundle.sh)
	[ -f "$board/curl/bundle/manifest.yaml" ] || fail "no $board/curl/bundle"
	bundle_dir=$board/curl/bundle exporter
	"$repo/board/mkdisks.sh" "$run" 64 || fail "mkdisks"
	flash --method shell "https://10.0.2.2:8443/a.img.xz"
	expect_fail 1 "refused the server's TLS certificate"
	grep -q "The board downloads .* with curl -fSsL$" "$tmp/out" || fail "the board did not fetch"
	flash --method shell --cacert "$tmp/ca.pem" "https://10.0.2.2:8443/a.img.xz"
	expect_ok
	grep -q "The board downloads .* with curl -fSsL --cacert /tmp/jf-ca.pem" "$tmp/out" ||
		fail "the board did not fetch with the CA"
	grep -q "GET /[^ ]*ca.pem 200" "$tmp/out" || fail "the CA file was not served"
	! grep -q "Downloading the image on the exporter" "$tmp/out" || fail "the host fetched"
	same_bytes "$tmp/a.img" disk1.img
	;;
no-power-off)
	# the demo OS: after the flash the board reboots into it and stays on
	id=e2e$RANDOM$RANDOM
	JF_BOARD_OUT=$board "$repo/board/mkos.sh" "$tmp/os" "$id" 2>"$tmp/mkos.log" ||
		fail "mkos: $(tail -3 "$tmp/mkos.log")"
	flash --no-power-off "$tmp/os/os.img.gz"
	[ "$rc" -eq 0 ] || fail "exit $rc, wanted 0"
	grep -q "Rebooting the board" "$tmp/out" || fail "no reboot after the flash"
	grep -q "Leaving the board powered on" "$tmp/out" || fail "no keep-on line"
	! grep -q "did not restart" "$tmp/out" || fail "the board's 'reboot' was not seen to take"
	# (a retried attempt power cycles the board before: only what follows counts)
	! sed -n '/Flashing completed/,$p' "$tmp/out" | grep -q "QEMU quit\|QEMU stopped" ||
		fail "the board was powered off after the flash"
	pgrep -f "$run/console.sock" >/dev/null || fail "QEMU did not outlive jmpflash"
	source "$repo/board/board.env"
	got=$("$repo/board/os-login.py" "$run/console.sock" "$OS_PASSWORD" 240 2>"$tmp/login.log") ||
		fail "no login on the flashed OS: $(cat "$tmp/login.log")"
	[ "$got" = "$id" ] || fail "the board booted image '$got', not the one flashed ($id)"
	"$jf" -c "$tmp/exporter.yaml" power state >"$tmp/out" 2>&1
	grep -qx on "$tmp/out" || fail "power state is not on: $(cat "$tmp/out")"
	"$jf" -c "$tmp/exporter.yaml" power off >"$tmp/out" 2>&1 || fail "power off failed"
	for _ in $(seq 100); do pgrep -f "$run/console.sock" >/dev/null || break; sleep 0.1; done
	! pgrep -f "$run/console.sock" >/dev/null || fail "QEMU still runs after power off"
	;;
raw)
	image a.img 16
	flash "$tmp/a.img"
	expect_ok
	same_bytes "$tmp/a.img" disk1.img
	;;
xz | gz | zst)
	image a.img 16
	case $case in
	xz) xz -T2 -1 -k "$tmp/a.img" ;;
	gz) gzip -1 -k "$tmp/a.img" ;;
	zst) zstd -q -1 "$tmp/a.img" ;;
	esac
	# a misleading name: compression is read from the magic bytes
	mv "$tmp/a.img.$case" "$tmp/compressed.bin"
	flash "$tmp/compressed.bin"
	expect_ok
	same_bytes "$tmp/a.img" disk1.img
	;;
url | url-exporter)
	image a.img 8
	mkdir -p "$tmp/web" && xz -T2 -1 -c "$tmp/a.img" >"$tmp/web/a.img.xz"
	http_server "$tmp/web" 8099
	extra=()
	[ "$case" = url-exporter ] && extra=(--force-exporter-http)

	# the board reaches the host's loopback as 10.0.2.2; the host itself
	# downloads from 127.0.0.1 with --force-exporter-http
	host=10.0.2.2
	[ "$case" = url-exporter ] && host=127.0.0.1
	flash "${extra[@]}" "http://$host:8099/a.img.xz"
	expect_ok
	same_bytes "$tmp/a.img" disk1.img
	;;
registry)
	# the board's bundle pushed to a real registry (htpasswd auth) and pulled
	# by the flasher with upstream's OCI_USERNAME/OCI_PASSWORD
	mkdir -p "$tmp/store"
	htpasswd -Bbn ci-bot 'Reg-pw-e2e' >"$tmp/htpasswd"
	printf 'version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:5000}\nauth: {htpasswd: {realm: jf, path: %s}}\n' \
		"$tmp/store" "$tmp/htpasswd" >"$tmp/registry.yml"
	docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5000/v2/)" = 401 ] && break
		sleep 0.1
	done
	"$jf" bundle push -u ci-bot -p 'Reg-pw-e2e' "$board/bundle" \
		127.0.0.1:5000/jf/virtual-board:v1 >"$tmp/out" 2>&1 || fail "bundle push"
	sed -i "s|flasher_bundle: .*|flasher_bundle: 127.0.0.1:5000/jf/virtual-board:v1|" \
		"$tmp/exporter.yaml"
	image a.img 4
	flash "$tmp/a.img"
	expect_fail 1 "needs a user name and password"
	export OCI_USERNAME=ci-bot OCI_PASSWORD=Reg-pw-e2e
	flash "$tmp/a.img"
	expect_ok
	! grep -q "Reg-pw-e2e" "$tmp/out" || fail "OCI_PASSWORD was printed"
	same_bytes "$tmp/a.img" disk1.img
	# an image published as an OCI artifact, pulled by the host
	mkdir -p "$tmp/art/data"
	image b.img 3
	xz -T2 -1 -c "$tmp/b.img" >"$tmp/art/data/b.img.xz"
	echo "# an image artifact" >"$tmp/art/manifest.yaml"
	"$jf" bundle push "$tmp/art" 127.0.0.1:5000/jf/os-image:v1 >"$tmp/out" 2>&1 ||
		fail "push of the image artifact (credentials from OCI_USERNAME)"
	flash oci://127.0.0.1:5000/jf/os-image:v1
	expect_ok
	same_bytes "$tmp/b.img" disk1.img
	# the bundle now lives in the verified cache
	ls "$tmp/cache"/blobs/sha256/* >/dev/null 2>&1 || fail "no verified blobs in the cache"
	;;
target2)
	image a.img 8
	flash --target disk2 "$tmp/a.img"
	expect_ok
	grep -q "Using target block device: /dev/vdb" "$tmp/out" || fail "not resolved to vdb"
	same_bytes "$tmp/a.img" disk2.img
	;;
partitions)
	image a.img 4
	image b.img 6
	flash --target disk2 -t "boot:$tmp/a.img" -t "rootfs:$tmp/b.img"
	expect_ok
	same_bytes "$tmp/a.img" disk2.img $((2048 * 512))
	same_bytes "$tmp/b.img" disk2.img $((67584 * 512))
	;;
checksum)
	image a.img 4
	sum=$(sha256sum "$tmp/a.img" | cut -d' ' -f1)
	flash --os-image-checksum 0000000000000000000000000000000000000000000000000000000000000000 "$tmp/a.img"
	expect_fail 1 "not the expected 0000.*refusing to flash it"
	grep -q "Powering on\|QEMU started" "$tmp/out" && fail "the board was powered for a bad checksum"
	echo "$sum  a.img" >"$tmp/a.img.sha256"
	flash --os-image-checksum-file "$tmp/a.img.sha256" "$tmp/a.img"
	expect_ok
	same_bytes "$tmp/a.img" disk1.img
	;;
truncated)
	image a.img 8
	xz -T2 -1 -c "$tmp/a.img" | head -c 2000000 >"$tmp/a.img.xz"
	flash --retries 0 "$tmp/a.img.xz"
	expect_fail 1 "truncated or corrupt"
	;;
no-uboot)
	# a "board" whose console never says anything
	exporter "[socat, 'UNIX-LISTEN:$run/console.sock', 'SYSTEM:sleep 600']"
	start=$(date +%s)
	flash --uboot-timeout 5 "$tmp/out" # any existing file as the image
	expect_fail 3 "U-Boot did not answer on the serial console within 5 s"
	[ $(($(date +%s) - start)) -lt 30 ] || fail "took longer than the timeout allows"
	;;
bad-kernel)
	image a.img 1
	head -c 65536 /dev/urandom >"$tmp/Image.bad"
	start=$(date +%s)
	flash --kernel "$tmp/Image.bad" "$tmp/a.img"
	expect_fail 1 "Bad Linux ARM64 Image magic"
	[ $(($(date +%s) - start)) -lt 60 ] || fail "fail-fast took too long"
	;;
kill-qemu)
	image a.img 48
	( # kill QEMU once the write has started
		for _ in $(seq 600); do
			grep -q '"event":"progress"' "$tmp/out" 2>/dev/null && break
			sleep 0.1
		done
		pkill -KILL -f "$run/console.sock"
	) &
	pids+=($!)
	# the shell method: the agent can finish 48 MiB before a progress event
	flash --json --retries 2 --method shell "$tmp/a.img"
	[ "$rc" -eq 0 ] || fail "exit $rc after QEMU was killed, wanted a successful retry"
	grep -q '"event":"retry"' "$tmp/out" || fail "no retry event"
	same_bytes "$tmp/a.img" disk1.img
	;;
ctrl-c)
	image a.img 48
	interrupt_at '"event":"progress"' "$tmp/a.img"
	;;
ctrl-c-steps)
	# Ctrl-C as each boot step starts (the write: case ctrl-c): canceled,
	# the board off, the ports free, nothing left staged
	image a.img 2
	for step in power uboot tftp boot target; do
		interrupt_at "\"step-start\",\"step\":\"$step\"" "$tmp/a.img"
	done
	;;
tftp-loss)
	# 5% of the TFTP packets lost each way (a userspace relay on port 69 in
	# front of the server on 6969; the kernel here has no netem). U-Boot
	# recovers each loss only by its own timeout and gives up after a few
	# ("Retry count exceeded"): its 27 MB kernel cannot load at this rate
	# (docs/reliability.md). What must hold: the smaller windows are tried in
	# the same boot, then a clear TFTP error, the board off, no success.
	sed -i "s|host: 127.0.0.1, port: 69}|host: 127.0.0.1, port: 6969}|" "$tmp/exporter.yaml"
	start_helper relay python3 "$repo/tests/integration/udp_loss_relay.py" 6969 0.05 13 69
	image a.img 1
	flash --retries 0 "$tmp/a.img"
	if [ "$rc" -eq 0 ]; then # the kernel got through the losses this time
		grep -q "retransmits" "$tmp/out" || fail "no TFTP transfer logged"
		same_bytes "$tmp/a.img" disk1.img
	else
		expect_fail 1 "TFTP timed out"
		grep -q "again with windowsize 4" "$tmp/out" || fail "no fallback to a smaller window"
		grep -q "again with windowsize 1" "$tmp/out" || fail "no fallback to window 1"
	fi
	;;
write-stall | write-cut)
	# the board downloads the image itself through a proxy that stalls 2 s
	# every MiB, or cuts the first download after 2 MB: the write verifies,
	# or fails and is retried; never a false success
	image a.img 8
	mkdir -p "$tmp/web" && xz -T2 -1 -c "$tmp/a.img" >"$tmp/web/a.img.xz"
	http_server "$tmp/web" 8099
	mode=(stall 1048576 2)
	[ "$case" = write-cut ] && mode=(cut 2000000)
	start_helper proxy python3 "$repo/tests/e2e/fault_proxy.py" tcp:8098 tcp:8099 "${mode[@]}"
	# the shell method's retry path (the agent resumes by itself: agent-restart)
	flash --json --method shell "http://10.0.2.2:8098/a.img.xz"
	[ "$rc" -eq 0 ] || fail "exit $rc, wanted 0"
	if [ "$case" = write-cut ]; then
		grep -q "cut after" "$tmp/proxy.err" || fail "the proxy never cut"
		grep -q '"event":"retry"' "$tmp/out" || fail "no retry after the cut download"
	fi
	same_bytes "$tmp/a.img" disk1.img
	;;
console-drop)
	# the console connection cut as the kernel starts, then as the write
	# ends (before its status is read): each costs an attempt, never a false
	# success
	sed -i "s|url: $run/console.sock|url: $tmp/proxy.sock|" "$tmp/exporter.yaml"
	start_helper proxy python3 "$repo/tests/e2e/fault_proxy.py" "unix:$tmp/proxy.sock" \
		"unix:$run/console.sock" cut-on "Starting kernel" "jf-done="
	image a.img 4 # (a write this size ends within dd's first progress report)
	# the shell method: its status is read after dd ends (the agent's: agent-*)
	flash --json --retries 5 --method shell "$tmp/a.img" # two cuts, room for a slow boot
	[ "$rc" -eq 0 ] || fail "exit $rc, wanted 0"
	[ "$(grep -c "cut at" "$tmp/proxy.err")" -eq 2 ] || fail "the proxy did not cut twice"
	# (at least: on a loaded machine a boot may time out besides)
	[ "$(grep -c '"event":"retry"' "$tmp/out")" -ge 2 ] || fail "wanted two retries"
	same_bytes "$tmp/a.img" disk1.img
	;;
power-fail | power-hang)
	# a power switch that fails (exit 1) or hangs past its 2 s timeout: a
	# clear error at once, no retries (no board needed)
	on=false
	[ "$case" = power-hang ] && on="sleep 613"
	power_command "$on" true
	socat "UNIX-LISTEN:$run/console.sock,fork" /dev/null & # a console that stays quiet
	socat_pid=$!
	pids+=($socat_pid)
	for _ in $(seq 100); do
		[ -S "$run/console.sock" ] && break
		sleep 0.1
	done
	image a.img 1
	start=$(date +%s)
	flash --retries 3 "$tmp/a.img"
	kill $socat_pid
	wait $socat_pid 2>/dev/null
	expect_fail 3 "power on command '$on' (failed|did not finish)"
	grep -q "retrying" "$tmp/out" && fail "a broken power switch was retried"
	[ $(($(date +%s) - start)) -lt 30 ] || fail "took longer than the timeout allows"
	! pgrep -f "sleep 613" >/dev/null || fail "the hung power command was left running"
	;;
offline)
	# the registry goes away: a cached bundle still flashes; an uncached one
	# fails naming the registry, before the board is powered
	start_registry
	"$jf" bundle push "$board/bundle" 127.0.0.1:5000/jf/virtual-board:v1 >"$tmp/out" 2>&1 ||
		fail "bundle push"
	"$jf" bundle pull --cache-dir "$tmp/cache" 127.0.0.1:5000/jf/virtual-board:v1 \
		>"$tmp/out" 2>&1 || fail "bundle pull"
	kill "$registry_pid"
	wait "$registry_pid" 2>/dev/null
	! curl -sf -o /dev/null http://127.0.0.1:5000/v2/ || fail "the registry still answers"
	sed -i "s|flasher_bundle: .*|flasher_bundle: 127.0.0.1:5000/jf/virtual-board:v1|" \
		"$tmp/exporter.yaml"
	image a.img 2
	flash "$tmp/a.img"
	expect_ok
	same_bytes "$tmp/a.img" disk1.img
	sed -i "s|virtual-board:v1|virtual-board:v2|" "$tmp/exporter.yaml"
	flash "$tmp/a.img"
	[ "$rc" -ne 0 ] || fail "an uncached bundle flashed with the registry down"
	grep -q "127.0.0.1:5000" "$tmp/out" || fail "the error does not name the registry"
	grep -q "Powering on\|QEMU started" "$tmp/out" && fail "the board was powered"
	;;
disk-full)
	# the HTTP root on a 2 MiB tmpfs (a mount namespace of this run only):
	# staging an 8 MiB image, and decompressing a zstd one on the host, fail
	# before the board is powered, and leave no partial file
	image a.img 8
	zstd -q -1 -k "$tmp/a.img" -o "$tmp/a.img.zst"
	mkdir -p "$tmp/www"
	for img in "$tmp/a.img" "$tmp/a.img.zst"; do
		unshare -m sh -c 'mount -t tmpfs -o size=2m jf-small "$1" || exit 99; shift
			"$@"; rc=$?; ls -A "$0/www" >"$0/left"; exit $rc' "$tmp" "$tmp/www" \
			"$jf" -c "$tmp/exporter.yaml" storage flash --retries 0 "$img" >"$tmp/out" 2>&1
		rc=$?
		[ "$rc" -ne 99 ] || fail "cannot mount a tmpfs here"
		expect_fail 1 "No space left on device"
		[ ! -s "$tmp/left" ] || fail "left in the full HTTP root: $(cat "$tmp/left")"
		grep -q "Powering on\|QEMU started" "$tmp/out" && fail "the board was powered"
	done
	;;
too-big)
	# an image larger than the 64 MiB target: refused from the size the
	# board reports, before anything is written, and not retried
	image a.img 80
	for method in shell agent; do
		flash --retries 2 --method $method "$tmp/a.img"
		expect_fail 2 "larger than .*nothing was written"
		grep -q "retrying" "$tmp/out" && fail "$method: retried"
		cmp -s -n 1048576 "$tmp/a.img" "$run/disk1.img" && fail "$method: the image was written"
	done
	true
	;;
agent-xz | agent-gz | agent-zst)
	image a.img 16
	c=${case#agent-}
	case $c in
	xz) xz -T2 -1 -k "$tmp/a.img" ;;
	gz) gzip -1 -k "$tmp/a.img" ;;
	zst) zstd -q -1 "$tmp/a.img" ;;
	esac
	flash --method agent "$tmp/a.img.$c"
	expect_ok
	grep -q "with jmpflash-agent" "$tmp/out" || fail "the agent did not write"
	grep -q "Sending jmpflash-agent for aarch64 (uname -m: aarch64)" "$tmp/out" ||
		fail "the board's uname -m did not pick the aarch64 agent"
	grep -q "falling back" "$tmp/out" && fail "fell back to the shell method"
	grep -q "Verified .* by reading back while writing" "$tmp/out" || fail "no overlapped verify"
	same_bytes "$tmp/a.img" disk1.img
	;;
agent-bmap)
	# 40 MiB, mostly holes; the first MiB mapped (it replaces disk2's GPT)
	truncate -s 40M "$tmp/s.img"
	for at in 0 9 23 31; do
		dd if=/dev/urandom of="$tmp/s.img" bs=1M count=1 seek=$at conv=notrunc 2>/dev/null
	done
	bmaptool create -o "$tmp/s.img.bmap" "$tmp/s.img" 2>/dev/null || fail "bmaptool create"
	xz -T2 -1 -k "$tmp/s.img"
	flash --method agent --target disk2 --bmap "$tmp/s.img.bmap" "$tmp/s.img.xz"
	expect_ok
	grep -q "Using the block map" "$tmp/out" || fail "the bmap was not used"
	grep -q "Wrote 4.00 MB" "$tmp/out" || fail "wrote more than the mapped blocks"
	same_bytes "$tmp/s.img" disk2.img
	;;
agent-restart)
	# the board downloads through a 6 MB/s proxy from a server that is
	# killed and restarted during the write: the agent resumes with Range
	head -c $((40 << 20)) /dev/urandom >"$tmp/a.img"
	mkdir -p "$tmp/web" && ln "$tmp/a.img" "$tmp/web/a.img"
	"$jf" serve --http-root "$tmp/web" --http-port 8098 --tftp-port 0 --bind 127.0.0.1 \
		>"$tmp/serve1.out" 2>&1 &
	spid=$!
	pids+=($spid)
	python3 "$repo/tests/integration/slow_proxy.py" 8099 8098 6000000 &
	pids+=($!)
	for _ in $(seq 100); do
		curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:8099/a.img" && break
		sleep 0.1
	done
	( # kill the server once 8 MB are on the disk, restart it a little later
		for _ in $(seq 1200); do
			grep -Eq '"bytes":([89][0-9]{6}|[0-9]{8})' "$tmp/out" 2>/dev/null && break
			sleep 0.1
		done
		kill $spid
		"$jf" serve --http-root "$tmp/web" --http-port 8098 --tftp-port 0 --bind 127.0.0.1 \
			>"$tmp/serve2.out" 2>&1 &
		echo $! >"$tmp/serve2.pid"
		wait
	) &
	pids+=($!)
	# retries allowed (a loaded host can stall U-Boot's TFTP), but the write
	# must not be one of them: the agent resumes within its one write step
	flash --json --method agent --retries 2 "http://10.0.2.2:8099/a.img"
	[ -f "$tmp/serve2.pid" ] && kill "$(cat "$tmp/serve2.pid")" 2>/dev/null
	expect_ok
	grep -q "download broke" "$tmp/out" || fail "no resume was reported"
	[ "$(grep -c '"step-start","step":"write"' "$tmp/out")" -eq 1 ] ||
		fail "the write was started again (a retry), not resumed"
	same_bytes "$tmp/a.img" disk1.img
	;;
agent-fls)
	# --method fls is the agent; --fls-binary-url runs the user's fls with
	# upstream's command line (here a stand-in script that checks it)
	image a.img 8
	flash --method fls --fls-version 0.3.0 "$tmp/a.img"
	expect_ok
	grep -q "with jmpflash-agent" "$tmp/out" || fail "--method fls did not run the agent"
	grep -q "fls-version 0.3.0: ignored" "$tmp/out" || fail "no --fls-version warning"
	same_bytes "$tmp/a.img" disk1.img
	mkdir -p "$tmp/web"
	cat >"$tmp/web/fls" <<'FLS'
#!/bin/sh
# stand-in for fls: from-url -i 1.0 -n [--header H]... --o-direct URL DEV
[ "$1 $2 $3 $4" = "from-url -i 1.0 -n" ] || { echo "bad fls command line: $*"; exit 2; }
shift 4
while [ "$1" = --header ]; do shift 2; done
[ "$1" = --o-direct ] || { echo "no --o-direct"; exit 2; }
echo "fls stand-in writing $2"
wget -q -O - "$2" | dd of="$3" bs=1M oflag=direct 2>/dev/null
FLS
	http_server "$tmp/web" 8099
	image b.img 4
	flash --fls-binary-url http://10.0.2.2:8099/fls "$tmp/b.img"
	expect_ok
	grep -q "fls stand-in writing" "$tmp/out" || fail "the fls binary did not run"
	same_bytes "$tmp/b.img" disk1.img
	;;
agent-fallback)
	# no agent for the board's architecture: a warning, then the shell method
	image a.img 8
	mkdir -p "$tmp/noagents"
	JMPFLASH_AGENT_DIR=$tmp/noagents "$jf" -c "$tmp/exporter.yaml" storage flash \
		--method agent "$tmp/a.img" >"$tmp/out" 2>&1
	rc=$?
	expect_ok
	grep -q "falling back to --method shell" "$tmp/out" || fail "no fallback warning"
	same_bytes "$tmp/a.img" disk1.img
	;;
shells)
	python3 "$repo/tests/e2e/shells.py" "$jf" "$tmp/exporter.yaml" "$run" || fail "shells"
	;;
*)
	fail "unknown case"
	;;
esac
echo "1 passed, 0 failed"

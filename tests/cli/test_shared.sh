#!/bin/bash
# shared_server through the binary, without a board: the flasher stages under
# ROOT/BOARD/ of both roots and nowhere else (seen from the power-on command,
# which runs after staging and fails on purpose), removes all of it after,
# and rejects a bad board_dir or a missing http host before touching anything.
# Usage: test_shared.sh JMPFLASH TEST_DATA_DIR
set -u
jf=$1 data=$2
tmp=$(mktemp -d /tmp/jf-shared-XXXXXX)
srv=$tmp/srv
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -- "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
export JMPFLASH_LOCK_DIR=$tmp/locks
pass=0 fail=0
bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

# a bundle with the test manifest's files
mkdir -p "$tmp/bundle/data/dtbs" "$srv/tftp" "$srv/www"
cp "$data/manifest-test.yaml" "$tmp/bundle/manifest.yaml"
head -c 4096 /dev/urandom >"$tmp/bundle/data/Image"
head -c 1024 /dev/urandom >"$tmp/bundle/data/initramfs.cpio.gz"
head -c 512 /dev/urandom >"$tmp/bundle/data/dtbs/qemu-virt.dtb"
head -c 65536 /dev/urandom >"$tmp/a.img"
# a console that accepts and stays silent
# (its own process group, output nowhere: its forked children go with it)
setsid socat "UNIX-LISTEN:$tmp/console.sock,fork" SYSTEM:'sleep 60' >/dev/null 2>&1 &
pids+=(-$!)
for _ in $(seq 100); do [ -S "$tmp/console.sock" ] && break; sleep 0.1; done

exporter() { # BOARD_DIR_LINE HTTP_HOST
	cat >"$tmp/exporter.yaml" <<YAML
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: shared-a, namespace: test}
export:
  storage:
    type: jumpstarter_driver_flashers.driver.BaseFlasher
    config:
      flasher_bundle: $tmp/bundle
      cache_dir: $tmp/cache
      tftp_dir: $srv/tftp
      http_dir: $srv/www
      shared_server: true
      $1
    children:
      serial: {ref: serial}
      power: {ref: power}
      tftp:
        type: jumpstarter_driver_tftp.driver.Tftp
        config: {host: 127.0.0.1}
      http:
        type: jumpstarter_driver_http.driver.HttpServer
        config: {$2}
  serial:
    type: jumpstarter_driver_pyserial.driver.PySerial
    config: {url: $tmp/console.sock}
  power:
    type: jmpflash.power.command
    config:
      on: "cd $srv && find . -type f | sort >$tmp/seen; exit 1"
      off: "true"
YAML
}

flash() {
	out=$("$jf" -c "$tmp/exporter.yaml" storage flash --retries 0 "$tmp/a.img" 2>&1)
	rc=$?
}

# staged per board, seen while the flash runs; gone after
exporter "board_dir: rack1-b3" "host: 10.0.2.2, port: 8080"
flash
[ "$rc" -ne 0 ] || bad "the flash succeeded with a failing power switch"
grep -q "Using the shared server: staging under $srv/tftp/rack1-b3/" <<<"$out" || bad "no shared-server line: $out"
for f in ./tftp/rack1-b3/Image ./tftp/rack1-b3/initramfs.cpio.gz ./tftp/rack1-b3/qemu-virt.dtb; do
	grep -qx "$f" "$tmp/seen" 2>/dev/null || bad "$f was not staged (seen: $(cat "$tmp/seen" 2>/dev/null))"
done
grep -Eqx '\./www/rack1-b3/[0-9a-f]+-a\.img' "$tmp/seen" || bad "the image was not staged under www/rack1-b3/"
! grep -v '/rack1-b3/' "$tmp/seen" | grep -q . || bad "files staged outside the board's path: $(cat "$tmp/seen")"
[ -z "$(find "$srv" -mindepth 2)" ] || bad "left behind: $(find "$srv" -mindepth 2)"
pass=$((pass + 1))

# the default board_dir is the exporter's name
exporter "" "host: 10.0.2.2"
flash
grep -q "staging under $srv/tftp/shared-a/" <<<"$out" && pass=$((pass + 1)) || bad "default board_dir: $out"

exporter "board_dir: ../evil" "host: 10.0.2.2"
flash
[ "$rc" -eq 2 ] && grep -q "board_dir '../evil' must be one directory name" <<<"$out" &&
	pass=$((pass + 1)) || bad "bad board_dir: exit $rc: $out"
exporter "" "port: 8080"
flash
[ "$rc" -eq 2 ] && grep -q "shared_server needs the http child's host" <<<"$out" &&
	pass=$((pass + 1)) || bad "no http host: exit $rc: $out"
[ -z "$(find "$srv" -mindepth 2)" ] || bad "a refused flash left: $(find "$srv" -mindepth 2)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

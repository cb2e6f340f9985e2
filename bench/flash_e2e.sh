#!/bin/bash
# End to end on the virtual board: a 512 MiB image (half zeros, half random,
# .xz) flashed by jmpflash with its defaults, and with the upstream shell
# method's settings (tftpd-hpa serving the boot files, blocksize 512, no
# windowsize), next to the board's raw write limit (dd of a tmpfs copy onto
# the disk with oflag=direct, in a busybox shell of the same board). Prints
# the time of each step and the effective MB/s.
#   bench/flash_e2e.sh [BUILD_DIR]      (root: runs in network namespaces)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
jf=$build/jmpflash
board=$build/board
mib=${JF_BENCH_FLASH_MIB:-512}
"$repo/board/build.sh" "$board" >/dev/null
if ! command -v in.tftpd >/dev/null || ! in.tftpd -V 2>&1 | grep -q tftp-hpa; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 tftpd-hpa >/dev/null
	systemctl disable --now tftpd-hpa >/dev/null 2>&1 || true
fi
tmp=$(mktemp -d /tmp/jf-bench-XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

echo "bench: making a $mib MiB image (half zeros, half random) and its .xz"
head -c $((mib * 512 * 1024)) /dev/zero >"$tmp/img.raw"
head -c $((mib * 512 * 1024)) /dev/urandom >>"$tmp/img.raw"
xz -T2 -0 -k "$tmp/img.raw"

exporter() { # NAME TFTP_PORT BLOCKSIZE WINDOW
	mkdir -p "$tmp/$1"
	cat >"$tmp/$1/exporter.yaml" <<YAML
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: bench, namespace: bench}
export:
  storage:
    type: jumpstarter_driver_flashers.driver.BaseFlasher
    config:
      flasher_bundle: $board/bundle
      cache_dir: $tmp/cache
      tftp_dir: $tmp/$1/tftp
      http_dir: $tmp/$1/www
      tftp_blocksize: $3
      tftp_windowsize: $4
    children:
      serial: {ref: serial}
      power: {ref: power}
      tftp:
        type: jumpstarter_driver_tftp.driver.Tftp
        config: {root_dir: $tmp/$1/tftp, host: 127.0.0.1, port: $2}
      http:
        type: jumpstarter_driver_http.driver.HttpServer
        config: {root_dir: $tmp/$1/www, host: 10.0.2.2, port: 8080}
  serial:
    type: jumpstarter_driver_pyserial.driver.PySerial
    config: {url: $tmp/$1/run/console.sock}
  power:
    type: jmpflash.power.qemu
    config:
      command: [$repo/board/qemu.sh, $tmp/$1/run]
      monitor: $tmp/$1/run/monitor.sock
YAML
	"$repo/board/mkdisks.sh" "$tmp/$1/run" $((mib + 64)) >/dev/null
	mkdir -p "$tmp/$1/tftp"
}

# Step times from the --json events: "step seconds" lines.
steps() {
	python3 - "$1" <<'PY'
import json, sys
start = {}
out = {}
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    e = json.loads(line)
    if e["event"] == "step-start":
        start[e["step"]] = e["t"]
    elif e["event"] == "step-end" and e["step"] in start:
        out[e["step"]] = out.get(e["step"], 0) + e["t"] - start[e["step"]]
    elif e["event"] == "result":
        out["total"] = e["t"]
        out["ok"] = e["ok"]
for k in ("power", "uboot", "tftp", "boot", "write", "verify", "total"):
    print(k, round(out.get(k, 0), 2))
print("ok", out.get("ok"))
PY
}

run_flash() { # NAME [setup command run in the namespace first]
	"$repo/tests/e2e/netns.sh" sh -c "$2 \"\$@\"" sh "$jf" -c "$tmp/$1/exporter.yaml" \
		storage flash --json "$tmp/img.raw.xz" >"$tmp/$1.json" 2>"$tmp/$1.log" || {
		tail -20 "$tmp/$1.log"
		exit 1
	}
	cmp -n $((mib * 1048576)) "$tmp/img.raw" "$tmp/$1/run/disk1.img" >/dev/null ||
		{ echo "bench: $1 did not write the image"; exit 1; }
	steps "$tmp/$1.json" >"$tmp/$1.steps"
}

echo "bench: jmpflash (blocksize 1468, windowsize 16)"
exporter jmpflash 69 1468 16
run_flash jmpflash ""

echo "bench: upstream settings (tftpd-hpa, blocksize 512, no windowsize)"
exporter upstream 6969 512 1
# tftpd-hpa on 69 serves the directory jmpflash stages the boot files into;
# jmpflash's own TFTP server listens, unused, on 6969.
run_flash upstream "in.tftpd -L -s -a :69 $tmp/upstream/tftp & "

# the copy must fit in the board's 1 GiB of RAM: measure with up to 256 MiB
raw_mib=$((mib < 256 ? mib : 256))
echo "bench: the board's raw write limit ($raw_mib MiB from RAM, dd oflag=direct)"
exporter raw 69 1468 16
mkdir -p "$tmp/raw/www" && head -c $((raw_mib * 1048576)) "$tmp/img.raw" >"$tmp/raw/www/img.raw"
raw_s=$("$repo/tests/e2e/netns.sh" python3 "$repo/bench/board_raw_write.py" "$jf" \
	"$tmp/raw/exporter.yaml" "$raw_mib" 2>"$tmp/raw.log") || { tail -20 "$tmp/raw.log"; exit 1; }

python3 - "$tmp/jmpflash.steps" "$tmp/upstream.steps" "$raw_s" "$mib" "$raw_mib" <<'PY'
import sys
def load(p):
    d = {}
    for line in open(p):
        k, v = line.split()
        d[k] = v
    return d
a, b, raw, mib = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
raw_mb = int(sys.argv[5]) * 1048576 / 1e6
mb = mib * 1048576 / 1e6
print(f"\n{mib} MiB image (.xz), virtual board, seconds per step")
print("| step | jmpflash | upstream settings |")
print("|---|---|---|")
for k, name in (("power", "power cycle"), ("uboot", "power on to '=>'"), ("tftp", "dhcp + TFTP (kernel, initramfs, dtb)"),
                ("boot", "boot + login"), ("write", "write (download, xz, dd)"), ("verify", "verify (read back, sha256)"),
                ("total", "total")):
    print(f"| {name} | {a[k]} | {b[k]} |")
wa, wb = float(a["write"]), float(b["write"])
print(f"| write rate | {mb / wa:.1f} MB/s | {mb / wb:.1f} MB/s |")
raw_rate = raw_mb / raw
print(f"\nraw write limit of the board (dd from RAM, oflag=direct): {raw_rate:.1f} MB/s")
print(f"jmpflash's write reaches {mb / wa / raw_rate * 100:.0f}% of the raw limit; its TFTP step is "
      f"{float(b['tftp']) / float(a['tftp']):.1f}x faster than with upstream settings")
PY

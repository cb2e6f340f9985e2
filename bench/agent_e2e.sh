#!/bin/bash
# --method shell against --method agent on the virtual board, same boot
# setup, same images, in the same run (docs/benchmarks.md):
#   A: 512 MiB, half zeros / half random, as .xz and as .zst
#   B: 1 GiB, 80% zeros (sparse), raw with its bmap (bmaptool create)
# plus the agent on A .xz over https (a test CA, --cacert), and the board's
# own limits measured here too: HTTP download of a raw image to /dev/null,
# and dd oflag=direct from tmpfs.
#   bench/agent_e2e.sh [BUILD_DIR]      (root: runs in network namespaces)
# JF_BENCH_AGENT_MIB scales A (B is twice A).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
jf=$build/jmpflash
board=$build/board
mib=${JF_BENCH_AGENT_MIB:-512}
"$repo/board/build.sh" "$board" >/dev/null
[ -x "$build/agent/aarch64/jmpflash-agent" ] || { echo "bench: no aarch64 agent built"; exit 1; }
command -v bmaptool >/dev/null || { echo "bench: bmaptool missing (install-deps.sh)"; exit 1; }
tmp=$(mktemp -d /tmp/jf-bench-agent-XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

echo "bench: images (A: $mib MiB half random .xz/.zst; B: $((2 * mib)) MiB 80% zeros + bmap)"
head -c $((mib * 512 * 1024)) /dev/zero >"$tmp/a.img"
head -c $((mib * 512 * 1024)) /dev/urandom >>"$tmp/a.img"
xz -T2 -0 -k "$tmp/a.img"
zstd -q -T2 -3 -k "$tmp/a.img"
truncate -s $((2 * mib))M "$tmp/b.img"
for ((i = 0; i < 2 * mib; i += 5)); do # 1 MiB of data in every 5
	dd if=/dev/urandom of="$tmp/b.img" bs=1M count=1 seek=$i conv=notrunc 2>/dev/null
done
bmaptool create -o "$tmp/b.img.bmap" "$tmp/b.img" 2>/dev/null

exporter() { # NAME DISK_MIB
	mkdir -p "$tmp/$1/tftp"
	sed -e "s|@TMP@|$tmp/$1|g" -e "s|@BOARD@|$board|g" -e "s|@REPO@|$repo|g" \
		-e "s|@CACHE@|$tmp/cache|g" >"$tmp/$1/exporter.yaml" <<'YAML'
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: bench, namespace: bench}
export:
  storage:
    type: jumpstarter_driver_flashers.driver.BaseFlasher
    config: {flasher_bundle: @BOARD@/bundle, cache_dir: @CACHE@, tftp_dir: @TMP@/tftp,
             http_dir: @TMP@/www}
    children:
      serial: {ref: serial}
      power: {ref: power}
      tftp:
        type: jumpstarter_driver_tftp.driver.Tftp
        config: {root_dir: @TMP@/tftp, host: 127.0.0.1, port: 69}
      http:
        type: jumpstarter_driver_http.driver.HttpServer
        config: {root_dir: @TMP@/www, host: 10.0.2.2, port: 8080}
  serial:
    type: jumpstarter_driver_pyserial.driver.PySerial
    config: {url: @TMP@/run/console.sock}
  power:
    type: jmpflash.power.qemu
    config: {command: [@REPO@/board/qemu.sh, @TMP@/run], monitor: @TMP@/run/monitor.sock}
YAML
	"$repo/board/mkdisks.sh" "$tmp/$1/run" "$2" >/dev/null
}

# With $https set, an https server for $tmp (the test CA's certificate for
# 10.0.2.2, how the board names the host) runs in the flash's namespace on
# port 8443 (QEMU's user networking takes the board's 10.0.2.2 to loopback).
tls_prelude='python3 "$0" "$1" 8443 "$1/srv.pem" "$1/srv.key" &
for _ in $(seq 100); do curl -sf --cacert "$1/ca.pem" --connect-to 10.0.2.2:8443:127.0.0.1:8443 \
-o /dev/null https://10.0.2.2:8443/ && break; sleep 0.1; done; shift'

# run NAME METHOD IMAGE RAW [ARGS]: flash, check the disk, print "write verify" seconds
run() {
	local pre=shift
	exporter "$1" $((2 * mib + 64))
	[ -z "${https:-}" ] || pre=$tls_prelude
	"$repo/tests/e2e/netns.sh" bash -c "$pre"'
exec "$@"' "$repo/tests/e2e/https_server.py" "$tmp" "$jf" -c "$tmp/$1/exporter.yaml" storage \
		flash --json --method "$2" "${@:5}" "$3" >"$tmp/$1.json" 2>"$tmp/$1.log" || {
		tail -20 "$tmp/$1.log" >&2
		exit 1
	}
	cmp -n "$(stat -c %s "$4")" "$4" "$tmp/$1/run/disk1.img" >/dev/null ||
		{ echo "bench: $1 did not write the image" >&2; exit 1; }
	python3 - "$tmp/$1.json" "$tmp/$1.log" <<'PY'
import json, re, sys
start, out = {}, {}
for line in open(sys.argv[1]):
    if line.startswith("{"):
        e = json.loads(line)
        if e["event"] == "step-start":
            start[e["step"]] = e["t"]
        elif e["event"] == "step-end" and e["step"] in start:
            out[e["step"]] = out.get(e["step"], 0) + e["t"] - start[e["step"]]
m = re.search(r"\((\d+) ms after the last write\)", open(sys.argv[2]).read())
tail = int(m.group(1)) / 1000 if m else 0.0
print(round(out.get("write", 0), 2), round(out.get("verify", 0) + tail, 2), round(tail, 2))
PY
	rm -rf "$tmp/$1/run"
}

declare -A res
for img in a.img.xz a.img.zst b.img; do
	raw=$tmp/${img%%.img*}.img
	for m in shell agent; do
		echo "bench: $img with --method $m"
		res[$img.$m]=$(run "${img//./-}-$m" "$m" "$tmp/$img" "$raw")
		echo "bench:   write, verify, verify after the last write (s): ${res[$img.$m]}"
	done
done

echo "bench: a.img.xz with --method agent over https (--cacert)"
"$repo/tests/e2e/test_ca.sh" "$tmp" 10.0.2.2
https=1 res[https]=$(run a-https agent https://10.0.2.2:8443/a.img.xz "$tmp/a.img" --cacert "$tmp/ca.pem")
echo "bench:   write, verify, verify after the last write (s): ${res[https]}"

echo "bench: the board's limits (HTTP download, dd oflag=direct from tmpfs; 256 MiB)"
exporter raw 320
mkdir -p "$tmp/raw/www" && head -c $((256 << 20)) "$tmp/a.img" >"$tmp/raw/www/img.raw"
for try in 1 2 3; do # a loaded host can stall the board's TFTP boot: boot again
	limits=$("$repo/tests/e2e/netns.sh" python3 "$repo/bench/board_raw_write.py" "$jf" \
		"$tmp/raw/exporter.yaml" 256 download 2>"$tmp/raw.log") && break
	[ "$try" -lt 3 ] || { tail -20 "$tmp/raw.log"; exit 1; }
done

python3 - "$mib" "$limits" "${res[a.img.xz.shell]}" "${res[a.img.xz.agent]}" \
	"${res[a.img.zst.shell]}" "${res[a.img.zst.agent]}" "${res[b.img.shell]}" \
	"${res[b.img.agent]}" "${res[https]}" <<'PY'
import sys
mib = int(sys.argv[1])
dd_s, dl_s = (float(x) for x in sys.argv[2].split())
lim_mb = 256 * 1048576 / 1e6
dl_rate, dd_rate = lim_mb / dl_s, lim_mb / dd_s
rows = [("A .xz", mib, sys.argv[3], sys.argv[4]), ("A .zst", mib, sys.argv[5], sys.argv[6]),
        ("B raw + bmap", 2 * mib, sys.argv[7], sys.argv[8])]
print(f"\nshell vs agent on the virtual board (A: {mib} MiB half random; B: {2 * mib} MiB 80% zeros), seconds")
print("| image | shell write | shell verify | shell total | agent write | agent verify (after the last write) | agent total | shell/agent | agent MB/s |")
print("|---|---|---|---|---|---|---|---|---|")
for name, size, s, a in rows:
    sw, sv, _ = (float(x) for x in s.split())
    aw, av, atail = (float(x) for x in a.split())
    mb = size * 1048576 / 1e6
    print(f"| {name} | {sw} | {sv} | {sw + sv:.2f} | {aw} | {av} | {aw + av:.2f} | "
          f"{(sw + sv) / (aw + av):.1f}x | {mb / (aw + av):.1f} |")
print(f"\nboard limits (same run): HTTP download {dl_rate:.1f} MB/s, dd oflag=direct {dd_rate:.1f} MB/s")
aw, av, _ = (float(x) for x in sys.argv[6].split())
print(f"agent on .zst: {mib * 1048576 / 1e6 / (aw + av):.1f} MB/s = "
      f"{mib * 1048576 / 1e6 / (aw + av) / dl_rate:.2f}x the download limit")
hw, hv, _ = (float(x) for x in sys.argv[9].split())
aw, av, _ = (float(x) for x in sys.argv[4].split())
print(f"agent on .xz over https (--cacert): {hw + hv:.2f} s against {aw + av:.2f} s over http "
      f"= {(hw + hv) / (aw + av):.2f}x the time")
PY

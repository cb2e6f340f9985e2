#!/bin/bash
# jmpflash-agent on the host (no QEMU): it downloads from `jmpflash serve`
# (a real server with Range) and writes a regular file (and a loop device
# when this machine allows one). Every compression, zero runs, bmap, a
# connection cut mid-transfer, a server restart, truncated/corrupt streams,
# 404, an image larger than the target, a bmap with a wrong checksum, https
# (a trusted, an unknown and a misnamed certificate, -k, cuts, a redirect
# to http), --header kept from another origin.
#   agent.sh JMPFLASH AGENT
set -uo pipefail
JMPFLASH=$1 AGENT=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"
need xz gzip zstd bzip2 lz4 bmaptool python3 curl socat openssl

W=$T/www
mkdir -p "$W"
# 24 MiB: 8 random, 12 zeros (a zero run), 4 random, plus 1234 odd bytes
{ head -c 8M /dev/urandom; head -c 12M /dev/zero; head -c 4M /dev/urandom; head -c 1234 /dev/urandom; } >"$W/img"
xz -T2 -1 -k "$W/img"
gzip -1 -k "$W/img"
zstd -q -1 -k "$W/img"
bzip2 -1 -k "$W/img"
lz4 -q -1 "$W/img" "$W/img.lz4"
start_serve srv --http-root "$W" --http-port 0 --tftp-port 0 --bind 127.0.0.1
URL=http://127.0.0.1:$HTTP_PORT

for f in img img.xz img.gz img.zst img.bz2 img.lz4; do
	: >"$T/out"
	agent out "$URL/$f"
	wrote "$f" "$W/img"
	[ "$(field verified)" = "$(field bytes)" ] || fail "$f: not everything verified"
	[ "$(field zeroed)" -ge $((12 << 20)) ] || fail "$f: the zero run was written"
	grep -q '^jf-agent progress written=' "$T/agent.out" || fail "$f: no progress line"
	ok "$f"
done

# buffered fallback and no zeroout: same bytes
: >"$T/out"
agent out --no-direct --no-zeroout --sha256 "$(sha "$W/img")" --size "$(stat -c %s "$W/img")" "$URL/img.xz"
[ "$rc" -eq 0 ] && [ "$(field zeroed)" = 0 ] && [ "$(field direct)" = 0 ] || fail "buffered: $(result)"
same "$W/img" "$T/out" "buffered"
ok "buffered, no zeroout, --sha256 and --size checked"
agent out --sha256 0000000000000000000000000000000000000000000000000000000000000000 "$URL/img.gz"
[ "$rc" -eq 4 ] || fail "a wrong --sha256 gave exit $rc"
ok "wrong --sha256: exit 4"

# a loop device, where this machine has them (root, /dev/loop-control)
if truncate -s 32M "$T/loop.img" && dev=$(losetup -f --show "$T/loop.img" 2>/dev/null); then
	"$AGENT" "$URL/img.zst" "$dev" >"$T/agent.out" 2>&1
	rc=$?
	losetup -d "$dev"
	[ "$rc" -eq 0 ] || fail "loop device: exit $rc: $(result)"
	cmp -n "$(stat -c %s "$W/img")" "$W/img" "$T/loop.img" || fail "loop device differs"
	ok "loop device $dev (BLKZEROOUT, O_DIRECT)"
else
	echo "note: no loop device here; the block device case is covered by the e2e tests"
fi

# a connection cut every 4 MB, three times: resumed with Range, byte-exact
slow_proxy cut "$HTTP_PORT" 0 4000000 3
: >"$T/out"
agent out "http://127.0.0.1:$PROXY_PORT/img.xz"
[ "$rc" -eq 0 ] || fail "cut connections: exit $rc: $(result)"
same "$W/img" "$T/out" "cut connections"
[ "$(grep -c '^jf-agent retry' "$T/agent.out")" -eq 3 ] || fail "wanted 3 retries"
[ "$(field downloaded)" = "$(stat -c %s "$W/img.xz")" ] || fail "resume downloaded bytes twice"
ok "connection cut 3 times: resumed, byte-exact, nothing downloaded twice"

# the server killed mid-transfer and restarted on the same port (64 MiB at
# 8 MB/s: far more than the socket buffers can hold when it dies)
head -c 64M /dev/urandom >"$W/big"
slow_proxy slow "$HTTP_PORT" 8000000
# (agent.out emptied first: the last run's lines would satisfy the wait)
: >"$T/out"
: >"$T/agent.out"
"$AGENT" --header "X-Token: s3cret-token" "http://127.0.0.1:$PROXY_PORT/big" "$T/out" \
	>"$T/agent.out" 2>&1 &
apid=$!
wait_for "$T/agent.out" "downloaded=([2-9][0-9]{6}|[0-9]{8})" 60
# meanwhile anyone's ps shows the header's name, never its value
tr '\0' ' ' <"/proc/$apid/cmdline" >"$T/cmdline"
grep -q "X-Token: xxxxxxxxxxxx " "$T/cmdline" && ! grep -q s3cret "$T/cmdline" ||
	fail "the agent's command line shows a header value: $(cat "$T/cmdline")"
stop_serve srv
start_serve srv --http-root "$W" --http-port "$HTTP_PORT" --tftp-port 0 --bind 127.0.0.1
wait "$apid"
rc=$?
[ "$rc" -eq 0 ] || fail "server restart: exit $rc: $(result)"
same "$W/big" "$T/out" "server restart"
grep -q '^jf-agent retry' "$T/agent.out" || fail "server restart: no retry"
ok "server killed and restarted: resumed, byte-exact; ps showed no header value"

# failures: what they say and their exit codes
head -c 3000000 "$W/img.xz" >"$W/trunc.xz"
agent out "$URL/trunc.xz"
[ "$rc" -eq 4 ] && result | grep -q "truncated or corrupt" || fail "truncated: exit $rc: $(result)"
ok "truncated xz: exit 4"
cp "$W/img.gz" "$W/bad.gz"
printf 'XXXXXXXX' | dd of="$W/bad.gz" bs=1 seek=100000 conv=notrunc 2>/dev/null
agent out "$URL/bad.gz"
[ "$rc" -eq 4 ] || fail "corrupt gz: exit $rc: $(result)"
ok "corrupt gzip: exit 4"
agent out "$URL/missing.img"
[ "$rc" -eq 3 ] && result | grep -q "404" || fail "404: exit $rc: $(result)"
ok "404: exit 3"
agent out --retries 1 "http://127.0.0.1:1/img"
[ "$rc" -eq 1 ] || fail "unreachable: exit $rc (wanted retryable 1)"
ok "unreachable: exit 1 (retryable)"

# https: socat's OpenSSL in front of `jmpflash serve` (agent_lib.sh)
FRONT_PORT=$(free_port)
tls_front $FRONT_PORT img
: >"$T/out"
agent out --cacert "$T/ca.pem" "$HTTPS/img.xz"
[ "$rc" -eq 0 ] || fail "https with --cacert: exit $rc: $(result)"
same "$W/img" "$T/out" "https"
ok "https with --cacert: byte-exact"
agent out "$HTTPS/img.xz"
[ "$rc" -eq 9 ] && result | grep -q "refused the TLS certificate of 127.0.0.1" ||
	fail "https, CA not trusted: exit $rc: $(result)"
ok "https, unknown CA: exit 9, says why"
agent out --cacert "$T/ca.pem" "https://localhost:$TLS_PORT/img.xz"
[ "$rc" -eq 9 ] && result | grep -q "hostname mismatch" ||
	fail "https, wrong name: exit $rc: $(result)"
ok "https, certificate for another name: exit 9"
agent out --cacert "$T/missing.pem" "$HTTPS/img.xz"
[ "$rc" -eq 2 ] && result | grep -q "cannot load the CA file" || fail "missing CA file: exit $rc: $(result)"
ok "missing CA file: exit 2"
: >"$T/out"
agent out -k "$HTTPS/img.gz"
[ "$rc" -eq 0 ] || fail "https -k: exit $rc: $(result)"
same "$W/img" "$T/out" "https -k"
ok "https -k: no check, byte-exact"
slow_proxy cut2 "$TLS_PORT" 0 4000000 2
: >"$T/out"
agent out --cacert "$T/ca.pem" "https://127.0.0.1:$PROXY_PORT/img.xz"
[ "$rc" -eq 0 ] && [ "$(grep -c '^jf-agent retry' "$T/agent.out")" -eq 2 ] ||
	fail "https cut twice: exit $rc: $(result)"
same "$W/img" "$T/out" "https cut twice"
ok "https cut twice: new TLS sessions, resumed with Range, byte-exact"

# chunked transfer encoding: exit 8, the host falls back to the shell method
CHUNKED_PORT=$(free_port)
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"4\r\nabcd\r\n0\r\n\r\n")
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()' $CHUNKED_PORT >"$T/chunked.out" 2>&1 &
PIDS+=($!)
wait_for "$T/chunked.out" "^ready"
agent out "http://127.0.0.1:$CHUNKED_PORT/img"
[ "$rc" -eq 8 ] && result | grep -q "chunked" || fail "chunked: exit $rc: $(result)"
ok "chunked transfer encoding: exit 8 (the host uses the shell method)"

# --header goes to the URL's origin only, never to the one a redirect names
ORIGIN_PORT=$(free_port) OTHER_PORT=$(free_port)
python3 "$(dirname "$0")/header_origin.py" $ORIGIN_PORT $OTHER_PORT "$W/img.gz" \
	"X-Token: s3cret-token" >"$T/origin.out" 2>"$T/origin.err" &
PIDS+=($!)
wait_for "$T/origin.out" "^ready"
: >"$T/out"
agent out --header "X-Token: s3cret-token" "http://127.0.0.1:$ORIGIN_PORT/img.gz"
[ "$rc" -eq 0 ] || fail "header across a redirect: exit $rc: $(result)"
same "$W/img" "$T/out" "header origin"
ok "--header sent to its origin, not to the redirect's"
# https redirecting to http (socat's TLS in front of the same first origin)
ORIGIN_TLS_PORT=$(free_port)
tls_proxy $ORIGIN_TLS_PORT $ORIGIN_PORT img.gz
agent out --cacert "$T/ca.pem" --header "X-Token: s3cret-token" "https://127.0.0.1:$ORIGIN_TLS_PORT/img.gz"
[ "$rc" -eq 9 ] && result | grep -q "refused a redirect from https to http" ||
	fail "https -> http: exit $rc: $(result)"
ok "a redirect from https to http: refused (exit 9)"

# an image larger than the target (a 4 MiB file): refused before writing
for f in img img.zst; do
	head -c 4M /dev/urandom >"$T/small"
	before=$(sha "$T/small")
	agent small "$URL/$f"
	[ "$rc" -eq 5 ] || fail "too large ($f): exit $rc: $(result)"
	result | grep -q "larger than .*4194304 bytes" || fail "too large: no sizes: $(result)"
	[ "$(sha "$T/small")" = "$before" ] || fail "too large ($f): the target was written"
done
ok "larger than the target: exit 5, both sizes named, target untouched"

# bmap: only mapped blocks written and, for a raw image, downloaded
truncate -s 48M "$W/sp"
for at in 0 17 30; do dd if=/dev/urandom of="$W/sp" bs=1M count=2 seek=$at conv=notrunc 2>/dev/null; done
dd if=/dev/urandom of="$W/sp" bs=4096 count=3 seek=9000 conv=notrunc 2>/dev/null
bmaptool create -o "$W/sp.bmap" "$W/sp" 2>/dev/null || fail "bmaptool create"
xz -T2 -1 -k "$W/sp"
mapped=$((6 * 1048576 + 3 * 4096))
for src in sp sp.xz; do
	head -c 48M /dev/urandom >"$T/bm"
	cp "$T/bm" "$T/bm.before"
	agent bm --bmap "$URL/sp.bmap" "$URL/$src"
	[ "$rc" -eq 0 ] || fail "bmap $src: exit $rc: $(result)"
	[ "$(field bytes)" = "$mapped" ] || fail "bmap $src: wrote $(field bytes), not $mapped"
	python3 - "$W/sp" "$T/bm" "$T/bm.before" <<'PY' || fail "bmap $src: wrong blocks"
import sys
img, out, before = (open(p, "rb").read() for p in sys.argv[1:4])
mapped = [(0, 2 << 20), (17 << 20, 19 << 20), (30 << 20, 32 << 20), (9000 * 4096, 9003 * 4096)]
for a, b in mapped:
    assert out[a:b] == img[a:b], (a, b)
holes = [(2 << 20, 17 << 20), (32 << 20, 9000 * 4096)]
for a, b in holes:
    assert out[a:b] == before[a:b], ("unmapped block written", a, b)
PY
	ok "bmap with $src: only mapped blocks written"
done
agent bm --bmap "$W/sp.bmap" "$URL/sp"
[ "$(field downloaded)" -le $((8 << 20)) ] || fail "raw+bmap downloaded $(field downloaded) bytes"
ok "raw image + bmap over HTTP: only mapped ranges downloaded ($(field downloaded) bytes)"
cp "$W/sp" "$W/sp.bad"
# one mapped byte flipped (not set: a random byte may already be that value)
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(17 << 20); b = f.read(1)[0]
f.seek(17 << 20); f.write(bytes([b ^ 0xff]))' "$W/sp.bad"
cmp -s "$W/sp" "$W/sp.bad" && fail "sp.bad equals sp"
agent bm --bmap "$W/sp.bmap" "$URL/sp.bad"
[ "$rc" -eq 4 ] && result | grep -q "bmap checksum mismatch" || fail "bad data vs bmap: exit $rc: $(result)"
ok "data not matching its bmap: exit 4"
sed 's/<ImageSize> *[0-9]*/<ImageSize> 1234/' "$W/sp.bmap" >"$T/damaged.bmap"
agent bm --bmap "$T/damaged.bmap" "$URL/sp"
[ "$rc" -eq 4 ] || fail "damaged bmap: exit $rc: $(result)"
ok "a bmap whose own checksum fails: exit 4"
agent bm --bmap-optional "$URL/none.bmap" "$URL/img.gz"
[ "$rc" -eq 0 ] || fail "--bmap-optional with no bmap: exit $rc"
ok "--bmap-optional: absent bmap ignored"
agent bm --cacert "$T/ca.pem" --bmap "$HTTPS/sp.bmap" "$HTTPS/sp"
[ "$rc" -eq 0 ] && [ "$(field bytes)" = "$mapped" ] && [ "$(field downloaded)" -le $((8 << 20)) ] ||
	fail "bmap over https: exit $rc: $(result)"
ok "bmap and raw image over https: only mapped ranges downloaded"
agent bm --bmap "$HTTPS/sp.bmap" "$HTTPS/sp"
[ "$rc" -eq 9 ] && result | grep -q "refused the TLS certificate" ||
	fail "bmap over https, CA not trusted: exit $rc: $(result)"
ok "bmap from an untrusted https server: exit 9"
echo "all agent cases passed"

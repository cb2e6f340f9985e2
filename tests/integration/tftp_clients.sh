#!/bin/bash
# TFTP with real clients: curl, atftp and tftp-hpa's tftp against
# `jmpflash serve`, over the sizes that matter, sha256 compared every time;
# confinement escapes; port in use; port reuse after shutdown.
set -euo pipefail
JMPFLASH=$1
. "$(dirname "$0")/lib.sh"
need curl atftp tftp sha256sum

R=$T/root
mkdir -p "$R/sub" "$T/get"
: >"$R/empty"
printf x >"$R/one"
head -c 512 /dev/urandom >"$R/b512"
head -c 1468 /dev/urandom >"$R/b1468"
head -c $((512 * 8)) /dev/urandom >"$R/m512"
head -c $((1468 * 10)) /dev/urandom >"$R/m1468"
head -c $((512 * 65536 + 1000)) /dev/urandom >"$R/rollover" # > 65535 blocks of 512
printf 'one\ntwo\r\nthree\n' >"$R/text.txt"
head -c 300000 /dev/urandom >"$R/sub/mid"

start_serve srv --tftp-root "$R" --tftp-port 0 --bind 127.0.0.1
P=$TFTP_PORT

n=0
get_atftp() { # FILE OPTIONS...
	local f=$1 out
	shift
	n=$((n + 1))
	out=$T/get/$n
	local args=()
	for o in "$@"; do args+=(--option "$o"); done
	atftp "${args[@]}" -g -r "$f" -l "$out" 127.0.0.1 "$P" >"$T/atftp.log" 2>&1 ||
		fail "atftp $f $*: $(cat "$T/atftp.log")"
	same "$R/$f" "$out" "atftp $f $*"
}
get_curl() { # FILE [BLKSIZE]
	n=$((n + 1))
	curl -sS ${2:+--tftp-blksize $2} -o "$T/get/$n" "tftp://127.0.0.1:$P/$1" ||
		fail "curl $1 ${2:-}"
	same "$R/$1" "$T/get/$n" "curl $1 ${2:-}"
}
get_hpa() { # FILE [MODE]
	n=$((n + 1))
	printf 'mode %s\nget %s %s\nquit\n' "${2:-octet}" "$1" "$T/get/$n" |
		tftp 127.0.0.1 "$P" >"$T/hpa.log" 2>&1
	grep -qi error "$T/hpa.log" && fail "tftp-hpa $1: $(cat "$T/hpa.log")"
	same "$R/$1" "$T/get/$n" "tftp-hpa $1 ${2:-octet}"
}

# atftp: every size, with and without options (curl cannot fetch empty files)
for f in empty one b512 m512 sub/mid; do get_atftp $f; done
for f in empty one b1468 m1468 sub/mid; do
	get_atftp $f "blksize 1468" "tsize 0"
	get_atftp $f "blksize 1468" "windowsize 16"
done
get_atftp m512 "blksize 512" "windowsize 8" "tsize 0"
get_atftp sub/mid "blksize 8192" "windowsize 32"
get_atftp rollover "blksize 512" "windowsize 16" "tsize 0"
atftp --trace --option "tsize 0" -g -r m1468 -l "$T/get/ts" 127.0.0.1 "$P" >"$T/atftp.log" 2>&1
grep -q "received OACK <tsize: 14680" "$T/atftp.log" || fail "tsize: $(cat "$T/atftp.log")"
ok "atftp"

for f in one b512 m512 sub/mid; do get_curl $f; done
for f in one b1468 m1468 sub/mid; do get_curl $f 1468; done
get_curl rollover
ok "curl"

for f in empty one b512 m512 sub/mid rollover; do get_hpa $f; done
# netascii: the client turns CR LF back into LF, so the file comes back as is
get_hpa text.txt ascii
ok "tftp-hpa"

# 16 clients at once
for i in $(seq 16); do
	curl -sS -o "$T/get/par$i" "tftp://127.0.0.1:$P/sub/mid" &
	PIDS+=($!)
done
for i in $(seq 16); do wait "${PIDS[-1]}" || fail "parallel curl"; unset 'PIDS[-1]'; done
for i in $(seq 16); do same "$R/sub/mid" "$T/get/par$i" "parallel $i"; done
ok "16 parallel transfers"

# confinement: each escape gets an error and a log line, never a file
ln -s /etc/passwd "$R/outlink"
ln -s ../.. "$R/sub/up"
mkfifo "$R/fifo"
mknod "$R/null" c 1 3 2>/dev/null || true
for bad in ../etc/passwd /etc/passwd sub/../../etc/passwd outlink sub/up/etc/passwd fifo sub \
	null; do
	rm -f "$T/get/bad"
	if atftp -g -r "$bad" -l "$T/get/bad" 127.0.0.1 "$P" >"$T/atftp.log" 2>&1; then
		fail "atftp read '$bad' outside the rules"
	fi
	[ -s "$T/get/bad" ] && fail "'$bad' produced data"
	# the server logs after it answered: wait (bounded) for the line
	logged=false
	for _ in $(seq 50); do
		grep -q "refused RRQ '$bad'" "$T/srv.err" && { logged=true; break; }
		sleep 0.1
	done
	$logged || [ "$bad" = null ] || fail "no log line for '$bad'"
done
ok "confinement escapes refused"

# uploads are refused unless enabled
atftp -p -r up.bin -l "$R/one" 127.0.0.1 "$P" >"$T/atftp.log" 2>&1 && fail "WRQ accepted"
[ -e "$R/up.bin" ] && fail "refused WRQ left a file"
ok "WRQ refused"

# the port is taken: a clear error
if "$JMPFLASH" serve --tftp-root "$R" --tftp-port "$P" --bind 127.0.0.1 >"$T/dup.out" \
	2>"$T/dup.err"; then
	fail "second server on port $P started"
fi
grep -q "already in use" "$T/dup.err" || fail "port-in-use message: $(cat "$T/dup.err")"
ok "port in use: $(cat "$T/dup.err")"

# clean stop frees the port: a new server takes it at once
stop_serve srv
start_serve srv2 --tftp-root "$R" --tftp-port "$P" --bind 127.0.0.1 --allow-upload
get_curl one
atftp -p -r up.bin -l "$R/b1468" 127.0.0.1 "$P" >"$T/atftp.log" 2>&1 || fail "WRQ enabled"
same "$R/b1468" "$R/up.bin" "upload"
stop_serve srv2
ok "port reused after shutdown; upload when enabled"

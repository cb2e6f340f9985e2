#!/bin/bash
# HTTP with real clients: curl and wget against `jmpflash serve` for full,
# ranged, HEAD, conditional and upload requests; concurrent downloads; an
# aborted upload leaves nothing; confinement; port in use; port reuse.
set -euo pipefail
JMPFLASH=$1
. "$(dirname "$0")/lib.sh"
need curl wget sha256sum

R=$T/root
mkdir -p "$R/sub" "$T/get"
: >"$R/empty"
head -c 3000000 /dev/urandom >"$R/img"
head -c 8000000 /dev/urandom >"$T/upload"
printf 'hello\n' >"$R/sub/hello.txt"
start_serve srv --http-root "$R" --http-port 0 --bind 127.0.0.1 --allow-upload \
	--http-token s3cr3t-token --max-upload 10000000
U=http://127.0.0.1:$HTTP_PORT
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# full downloads
curl -sSf -o "$T/get/c1" "$U/img" && same "$R/img" "$T/get/c1" "curl GET"
curl -sSf -o "$T/get/c0" "$U/empty" && same "$R/empty" "$T/get/c0" "curl GET empty"
wget -q -O "$T/get/w1" "$U/img" && same "$R/img" "$T/get/w1" "wget GET"
wget -q -O "$T/get/w2" "$U/sub/hello.txt" && same "$R/sub/hello.txt" "$T/get/w2" "wget GET sub"
ok "full GET (curl, wget)"

# HEAD
curl -sSfI "$U/img" >"$T/head"
grep -qi '^Content-Length: 3000000' "$T/head" || fail "HEAD Content-Length: $(cat "$T/head")"
grep -qi '^Accept-Ranges: bytes' "$T/head" || fail "HEAD Accept-Ranges"
grep -qi '^ETag: "' "$T/head" || fail "HEAD ETag"
grep -qi '^Last-Modified: ' "$T/head" || fail "HEAD Last-Modified"
wget -q --spider "$U/img" || fail "wget --spider"
[ "$(code -I "$U/nope")" = 404 ] || fail "HEAD of a missing file"
ok "HEAD"

# ranges: a-b, a-, -n, unsatisfiable, several (whole file)
curl -sSf -r 100-199 -o "$T/get/r1" "$U/img"
tail -c +101 "$R/img" | head -c 100 >"$T/get/r1.want" && same "$T/get/r1.want" "$T/get/r1" "range a-b"
curl -sSf -r 2999000- -o "$T/get/r2" "$U/img"
tail -c 1000 "$R/img" >"$T/get/r2.want" && same "$T/get/r2.want" "$T/get/r2" "range a-"
curl -sSf -r -500 -o "$T/get/r3" "$U/img"
tail -c 500 "$R/img" >"$T/get/r3.want" && same "$T/get/r3.want" "$T/get/r3" "range -n"
[ "$(code -r 100-199 "$U/img")" = 206 ] || fail "range status"
[ "$(code -r 3000000- "$U/img")" = 416 ] || fail "unsatisfiable range"
curl -s -r 3000000- -D "$T/h416" -o /dev/null "$U/img"
grep -qi '^Content-Range: bytes \*/3000000' "$T/h416" || fail "416 Content-Range"
[ "$(code -r 0-1,5-6 "$U/img")" = 200 ] || fail "several ranges: whole file"
head -c 1000000 "$R/img" >"$T/get/w3" # wget -c resumes with a range
wget -q -c -O "$T/get/w3" "$U/img" && same "$R/img" "$T/get/w3" "wget -c resume"
ok "ranges (curl, wget -c)"

# conditional requests
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: \(.*\)\r$/\1/p' "$T/head")
lm=$(sed -n 's/^[Ll]ast-[Mm]odified: \(.*\)\r$/\1/p' "$T/head")
[ "$(code -H "If-None-Match: $etag" "$U/img")" = 304 ] || fail "If-None-Match"
[ "$(code -H 'If-None-Match: "other"' "$U/img")" = 200 ] || fail "If-None-Match other"
[ "$(code -H "If-Modified-Since: $lm" "$U/img")" = 304 ] || fail "If-Modified-Since"
[ "$(code -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT' "$U/img")" = 200 ] ||
	fail "If-Modified-Since old"
[ "$(code -r 0-9 -H 'If-Range: "stale"' "$U/img")" = 200 ] || fail "If-Range stale"
cp "$R/img" "$T/get/w4" && touch -r "$R/img" "$T/get/w4"
wget -q -N -P "$T/get/n" "$U/img" && same "$R/img" "$T/get/n/img" "wget -N"
wget -N -P "$T/get/n" "$U/img" >"$T/wgetN.log" 2>&1 || true
grep -qiE "not modified|not retrieving" "$T/wgetN.log" ||
	fail "wget -N did not get 304: $(cat "$T/wgetN.log")"
ok "conditional (curl, wget -N)"

# uploads: token, size limit, curl and wget, nothing left behind
[ "$(code -T "$T/upload" "$U/up1")" = 401 ] || fail "PUT without token"
[ "$(code -T "$T/upload" -H 'Authorization: Bearer wrong' "$U/up1")" = 401 ] || fail "bad token"
[ "$(code -T "$T/upload" -H 'Authorization: Bearer s3cr3t-token' "$U/up1")" = 201 ] ||
	fail "PUT with token"
same "$T/upload" "$R/up1" "curl PUT"
wget -q --method=PUT --body-file="$T/upload" --header 'Authorization: Bearer s3cr3t-token' \
	-O /dev/null "$U/sub/up2" || fail "wget PUT"
same "$T/upload" "$R/sub/up2" "wget PUT"
head -c 12000000 /dev/zero >"$T/big"
[ "$(code -T "$T/big" -H 'Authorization: Bearer s3cr3t-token' "$U/big")" = 413 ] ||
	fail "oversized PUT"
[ "$(code --path-as-is -T "$T/upload" -H "Authorization: Bearer s3cr3t-token" "$U/../escape")" = 403 ] ||
	fail "PUT outside the root"
grep -q s3cr3t-token "$T/srv.err" && fail "the token reached the log"
ok "uploads (curl, wget), token, limit"

# an aborted upload leaves nothing
curl -s --limit-rate 200K -T "$T/upload" -H 'Authorization: Bearer s3cr3t-token' \
	"$U/aborted" >/dev/null 2>&1 &
cpid=$!
deadline=$((SECONDS + 10))
until compgen -G "$R/.aborted.*.part" >/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "no temp file during the upload"
	sleep 0.05
done
kill "$cpid"
wait "$cpid" 2>/dev/null || true
deadline=$((SECONDS + 10))
while compgen -G "$R/.*.part" >/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "aborted upload left $(ls -a "$R")"
	sleep 0.05
done
[ -e "$R/aborted" ] && fail "aborted upload created the file"
ok "aborted upload removed"

# no listings, confinement, methods
ln -s /etc/passwd "$R/outlink"
[ "$(code "$U/")" = 403 ] || fail "listing of /"
[ "$(code "$U/sub/")" = 403 ] || fail "listing of /sub/"
[ "$(code --path-as-is "$U/../etc/passwd")" = 403 ] || fail "dotdot"
[ "$(code --path-as-is "$U/sub/%2e%2e/%2e%2e/etc/passwd")" = 403 ] || fail "escaped dotdot"
[ "$(code "$U/outlink")" = 403 ] || fail "symlink out"
[ "$(code "$U//etc/passwd")" = 403 ] || fail "absolute"
[ "$(code -X DELETE "$U/img")" = 405 ] || fail "DELETE"
[ "$(code -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' a)" "$U/img")" = 431 ] ||
	fail "70 kB of headers accepted"
ok "no listings, confinement, header limit"

# 8 downloads at once
for i in $(seq 8); do
	curl -sSf -o "$T/get/p$i" "$U/img" &
	PIDS+=($!)
done
for i in $(seq 8); do wait "${PIDS[-1]}" || fail "parallel curl"; unset 'PIDS[-1]'; done
for i in $(seq 8); do same "$R/img" "$T/get/p$i" "parallel $i"; done
ok "8 parallel downloads"
# access lines are written when a request completes: wait (bounded) for them
for _ in $(seq 50); do
	[ "$(grep -c ' GET /img ' "$T/srv.err")" -ge 10 ] && break
	sleep 0.1
done
[ "$(grep -c ' GET /img ' "$T/srv.err")" -ge 10 ] || fail "access log lines"

# port in use; clean stop frees the port at once
if "$JMPFLASH" serve --http-root "$R" --http-port "$HTTP_PORT" --bind 127.0.0.1 \
	>"$T/dup.out" 2>"$T/dup.err"; then
	fail "second server started"
fi
grep -q "already in use" "$T/dup.err" || fail "port-in-use message: $(cat "$T/dup.err")"
ok "port in use: $(cat "$T/dup.err")"
curl -s -o /dev/null "$U/img" # leaves a TIME_WAIT connection
stop_serve srv
start_serve srv2 --http-root "$R" --http-port "$HTTP_PORT" --bind 127.0.0.1
curl -sSf -o "$T/get/again" "$U/img" && same "$R/img" "$T/get/again" "after restart"
stop_serve srv2
ok "port reused after shutdown"

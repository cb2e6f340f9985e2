#!/bin/bash
# Benchmarks of jmpflash's servers against the reference daemons, measured in
# the same run on the same file, over loopback in a private network namespace
# (so dnsmasq can have port 69 and nothing else on the machine interferes).
#
#   bench/run.sh BUILD_DIR        (make bench)
#   JF_BENCH_TFTP_MB=256 JF_BENCH_HTTP_MB=1024 JF_BENCH_RUNS=2
#   JF_BENCH_ONLY=tftp|http   (one table only)
#
# Each cell is the best of JF_BENCH_RUNS runs: on a shared 2-core machine a
# lock-step transfer swings between ~25 and ~90 MB/s with where the
# scheduler puts client and server, whatever the server.
#
# TFTP: atftp as the client, blksize 512/1468/8192 x windowsize 1/8/32, for
# jmpflash, tftpd-hpa, atftpd (unpacked from its .deb: it conflicts with
# tftpd-hpa as a package) and dnsmasq. A server that does not support an
# option is run without it and marked with '*'. HTTP: curl, one download and
# 8 parallel ones, jmpflash vs nginx, with CPU seconds per GB of each server.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${JF_BENCH_NETNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (network namespace, port 69)" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	missing=""
	for p in atftp curl tftpd-hpa nginx-light dnsmasq-base; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	# shellcheck disable=SC2086
	[ -z "$missing" ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; }
	CACHE=${JF_BENCH_CACHE:-/var/tmp/jf-bench}
	if [ ! -x "$CACHE/atftpd/usr/sbin/atftpd" ]; then
		mkdir -p "$CACHE/dl" && (cd "$CACHE/dl" && apt-get download atftpd >/dev/null 2>&1)
		dpkg-deb -x "$CACHE"/dl/atftpd_*.deb "$CACHE/atftpd"
	fi
	export ATFTPD=$CACHE/atftpd/usr/sbin/atftpd JF_BENCH_NETNS=1
	exec unshare -n "$0" "$BUILD"
fi

ip link set lo up
JMPFLASH=$BUILD/jmpflash
TFTP_MB=${JF_BENCH_TFTP_MB:-256}
HTTP_MB=${JF_BENCH_HTTP_MB:-1024}
RUNS=${JF_BENCH_RUNS:-2}
T=$(mktemp -d /tmp/jf-bench-XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/root"
chmod 755 "$T/root"
head -c $((TFTP_MB << 20)) /dev/urandom >"$T/root/tftp.img"
head -c $((HTTP_MB << 20)) /dev/urandom >"$T/root/http.img"
chmod 644 "$T/root/"*
cat "$T/root/"* >/dev/null # page cache: measure the servers, not the disk

wait_udp() { # PORT
	local deadline=$((SECONDS + 10))
	until ss -lun | grep -q "127.0.0.1:$1 \|\*:$1 \|0.0.0.0:$1 \|\[::\]:$1 "; do
		[ $SECONDS -lt $deadline ] || { echo "bench: nothing listens on udp $1" >&2; exit 1; }
		sleep 0.05
	done
}
wait_tcp() { # PORT
	local deadline=$((SECONDS + 10))
	until ss -ltn | grep -q ":$1 "; do
		[ $SECONDS -lt $deadline ] || { echo "bench: nothing listens on tcp $1" >&2; exit 1; }
		sleep 0.05
	done
}
now() { date +%s.%N; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }

ONLY=${JF_BENCH_ONLY:-}
# --- TFTP ---
if [ "$ONLY" != http ]; then
"$JMPFLASH" -q serve --tftp-root "$T/root" --tftp-port 6901 --bind 127.0.0.1 >"$T/jf.out" 2>&1 &
PIDS+=($!)
in.tftpd -L -s "$T/root" -a :6902 &
PIDS+=($!)
"$ATFTPD" --daemon --no-fork --port 6903 --bind-address 127.0.0.1 --user root --group root \
	--logfile /dev/null --maxthread 100 "$T/root" &
PIDS+=($!)
dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --enable-tftp \
	--tftp-root="$T/root" --listen-address=127.0.0.1 --bind-interfaces --user=root \
	--pid-file= --log-facility=/dev/null &
PIDS+=($!)
for p in 6901 6902 6903 69; do wait_udp $p; done

declare -A PORT=([jmpflash]=6901 [tftpd-hpa]=6902 [atftpd]=6903 [dnsmasq]=69)
declare -A HAS_WINDOW=([jmpflash]=1 [tftpd-hpa]=0 [atftpd]=1 [dnsmasq]=0)
SERVERS="jmpflash tftpd-hpa atftpd dnsmasq"
size=$((TFTP_MB << 20))

# one correctness check per server before timing anything
for s in $SERVERS; do
	atftp --option "blksize 1468" -g -r tftp.img -l "$T/check" 127.0.0.1 "${PORT[$s]}" >/dev/null 2>&1
	cmp -s "$T/check" "$T/root/tftp.img" || { echo "bench: $s served a wrong file" >&2; exit 1; }
done
rm -f "$T/check"

tftp_once() { # SERVER BLKSIZE WINDOW -> MB/s, or 0 when not done in 120 s
	local s=$1 b=$2 w=$3 args=(--option "blksize $b") t0 t1
	[ "$w" -gt 1 ] && args+=(--option "windowsize $w")
	t0=$(now)
	timeout 120 atftp "${args[@]}" -g -r tftp.img -l /dev/null 127.0.0.1 "${PORT[$s]}" \
		>/dev/null 2>&1 || { echo 0; return; }
	t1=$(now)
	mbps "$size" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}
declare -A SEEN=()

echo "## TFTP: ${TFTP_MB} MiB via atftp, loopback, MB/s, best of $RUNS (* = windowsize not supported: run without it)"
echo
printf '| blksize | window | jmpflash | tftpd-hpa | atftpd | dnsmasq | jmpflash / best reference |\n'
printf '|---|---|---|---|---|---|---|\n'
cell() { # SERVER -> the table cell
	local v=${R[$1]} mark=""
	[ "$w" -gt 1 ] && [ "${HAS_WINDOW[$1]}" = 0 ] && mark="*"
	[ "$v" = 0 ] && v="t/o"
	echo "$v$mark"
}
for b in 512 1468 8192; do
	for w in 1 8 32; do
		declare -A R=()
		for s in $SERVERS; do R[$s]=0; done
		# runs interleaved across servers, so that a busy moment of the
		# machine does not land on one server only; best of RUNS
		for i in $(seq "$RUNS"); do
			for s in $SERVERS; do
				ew=$w
				[ "${HAS_WINDOW[$s]}" = 0 ] && ew=1 # the same measurement as w=1
				if [ -n "${SEEN[$s/$b/$ew]:-}" ]; then
					R[$s]=${SEEN[$s/$b/$ew]}
					continue
				fi
				r=$(tftp_once "$s" "$b" "$ew")
				[ "$r" -gt "${R[$s]}" ] && R[$s]=$r
			done
		done
		best=0
		for s in $SERVERS; do
			ew=$w
			[ "${HAS_WINDOW[$s]}" = 0 ] && ew=1
			SEEN[$s/$b/$ew]=${R[$s]}
			[ "$s" != jmpflash ] && [ "${R[$s]}" -gt "$best" ] && best=${R[$s]}
		done
		row="| $b | $w |"
		for s in $SERVERS; do row="$row $(cell "$s") |"; done
		ratio=$(awk -v a="${R[jmpflash]}" -v b="$best" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
		echo "$row $ratio |"
	done
done
echo
echo "(t/o: did not finish ${TFTP_MB} MiB within 120 s)"
echo
fi
[ "$ONLY" = tftp ] && exit 0

# --- HTTP ---
cat >"$T/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	server { listen 127.0.0.1:6981; root $T/root; }
}
NGINX
nginx -c "$T/nginx.conf" &
NGINX_PID=$!
PIDS+=($NGINX_PID)
"$JMPFLASH" -q serve --http-root "$T/root" --http-port 6980 --bind 127.0.0.1 >"$T/jfh.out" 2>&1 &
JF_PID=$!
PIDS+=($JF_PID)
wait_tcp 6980
wait_tcp 6981

# CPU seconds (user + system) of processes; /proc/PID/stat counts the
# threads that already exited too (jmpflash: one thread per connection)
cpu_of() { # PID...
	local total=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo "$total"
}
nginx_pids() { echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; }
hz=$(getconf CLK_TCK)
hsize=$((HTTP_MB << 20))

http_once() { # PORT PARALLEL PIDS... -> "MB/s cpu-s/GB"
	local port=$1 n=$2 t0 t1 c0 c1 i pids=()
	shift 2
	c0=$(cpu_of "$@")
	t0=$(now)
	for i in $(seq "$n"); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/http.img" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	t1=$(now)
	c1=$(cpu_of "$@")
	awk -v b=$((hsize * n)) -v a="$t0" -v z="$t1" -v c=$((c1 - c0)) -v hz="$hz" \
		'BEGIN { printf "%.0f %.2f", b / (z - a) / 1e6, (c / hz) / (b / 1e9) }'
}
echo "## HTTP: ${HTTP_MB} MiB via curl, loopback, best of $RUNS"
echo
printf '| download | jmpflash MB/s | nginx MB/s | ratio | jmpflash CPU s/GB | nginx CPU s/GB |\n'
printf '|---|---|---|---|---|---|\n'
better() { [ "${1%% *}" -gt "${2%% *}" ] && echo "$1" || echo "$2"; }
for n in 1 8; do
	jbest="0 0"
	nbest="0 0"
	for i in $(seq "$RUNS"); do # interleaved, best of RUNS
		jbest=$(better "$(http_once 6980 "$n" "$JF_PID")" "$jbest")
		# shellcheck disable=SC2046
		nbest=$(better "$(http_once 6981 "$n" $(nginx_pids))" "$nbest")
	done
	read -r jm jc <<<"$jbest"
	read -r nm nc <<<"$nbest"
	label="single"
	[ "$n" -gt 1 ] && label="$n parallel (aggregate)"
	ratio=$(awk -v a="$jm" -v b="$nm" 'BEGIN { printf "%.2fx", a / b }')
	echo "| $label | $jm | $nm | $ratio | $jc | $nc |"
done

#!/bin/bash
# TFTP through a relay that drops 10% of the packets both ways: every client
# still gets the file intact (sha256), with and without windows.
set -euo pipefail
JMPFLASH=$1
. "$(dirname "$0")/lib.sh"
need curl atftp tftp python3 sha256sum

R=$T/root
mkdir -p "$R" "$T/get"
head -c 60000 /dev/urandom >"$R/f"
start_serve srv --tftp-root "$R" --tftp-port 0 --bind 127.0.0.1

seed=${JF_LOSS_SEED:-$RANDOM}
echo "relay seed $seed (JF_LOSS_SEED=$seed reproduces it)"
python3 "$(dirname "$0")/udp_loss_relay.py" "$TFTP_PORT" 0.10 "$seed" >"$T/relay.out" 2>"$T/relay.err" &
PIDS+=($!)
wait_for "$T/relay.out" "^relay [0-9]+"
RP=$(sed -n 's/^relay //p' "$T/relay.out")

i=0
# atftp re-ACKs a repeated block only once and then waits 5 s for silence
# before it ACKs again: a lost ACK can cost 5 s, whatever the server does.
for opts in "" "timeout 1|blksize 1468" "blksize 1468|windowsize 8" \
	"blksize 512|windowsize 4|tsize 0"; do
	i=$((i + 1))
	args=()
	IFS='|' read -ra os <<<"$opts"
	for o in "${os[@]}"; do args+=(--option "$o"); done
	timeout 120 atftp "${args[@]}" -g -r f -l "$T/get/a$i" 127.0.0.1 "$RP" >"$T/atftp.log" 2>&1 ||
		fail "atftp [$opts] through the lossy relay: $(tail -15 "$T/atftp.log")"
	same "$R/f" "$T/get/a$i" "atftp [$opts] with loss"
done
ok "atftp through 10% loss"
timeout 120 curl -sS --tftp-blksize 1468 -o "$T/get/c" "tftp://127.0.0.1:$RP/f" || fail "curl with loss"
same "$R/f" "$T/get/c" "curl with loss"
ok "curl through 10% loss"
printf 'rexmt 1\nget f %s\nquit\n' "$T/get/h" | timeout 120 tftp 127.0.0.1 "$RP" >"$T/hpa.log" 2>&1 ||
	true
same "$R/f" "$T/get/h" "tftp-hpa with loss"
ok "tftp-hpa through 10% loss"
grep -c retransmits "$T/srv.err" | sed 's/^/transfers logged: /'
grep -o '[0-9]* retransmits' "$T/srv.err" | tr '\n' ' '
echo

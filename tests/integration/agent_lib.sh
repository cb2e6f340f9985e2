# shellcheck shell=bash
# Helpers for the scripts that run jmpflash-agent (sourced after lib.sh):
# $AGENT is the binary; set $EMU after sourcing to run it under a qemu-user
# emulator.
EMU=""

# agent OUT_NAME ARGS...: run it onto $T/OUT_NAME; $rc, output in $T/agent.out
agent() {
	local out=$1
	shift
	${EMU:+"$EMU"} "$AGENT" "$@" "$T/$out" >"$T/agent.out" 2>"$T/agent.err"
	rc=$?
}
result() { grep '^jf-agent result' "$T/agent.out" | tail -1; }
field() { result | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# wrote WHAT IMAGE: the last run exited 0 and wrote $T/out equal to IMAGE,
# and its result line names IMAGE's size and sha256.
wrote() {
	[ "$rc" -eq 0 ] || fail "$1: exit $rc: $(result)"
	same "$2" "$T/out" "$1"
	[ "$(field sha256)" = "$(sha "$2")" ] || fail "$1: result sha256 $(field sha256) differs"
	[ "$(field bytes)" = "$(stat -c %s "$2")" ] || fail "$1: result bytes $(field bytes)"
}

# tls_front PORT PROBE: socat's OpenSSL on 127.0.0.1:PORT in front of
# `jmpflash serve` on $HTTP_PORT (which keeps Range), with a test CA
# ($T/ca.pem) and a certificate for 127.0.0.1 only; waits until PROBE (a
# file the server has) comes through, sets TLS_PORT and HTTPS.
tls_front() {
	TLS_PORT=$1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 1 \
		-subj /CN=jf-test-ca 2>/dev/null || fail "openssl ca"
	openssl req -newkey rsa:2048 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" \
		-subj /CN=127.0.0.1 2>/dev/null || fail "openssl csr"
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san.ext"
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/srv.pem" -days 1 -extfile "$T/san.ext" 2>/dev/null || fail "openssl sign"
	socat "OPENSSL-LISTEN:$TLS_PORT,bind=127.0.0.1,reuseaddr,fork,cert=$T/srv.pem,key=$T/srv.key,verify=0" \
		"TCP:127.0.0.1:$HTTP_PORT" 2>"$T/socat.err" &
	PIDS+=($!)
	for _ in $(seq 200); do
		curl -sf --cacert "$T/ca.pem" -o /dev/null "https://127.0.0.1:$TLS_PORT/$2" && break
		sleep 0.05
	done
	HTTPS=https://127.0.0.1:$TLS_PORT
}

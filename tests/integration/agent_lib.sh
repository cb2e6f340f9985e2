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

# slow_proxy NAME BACKEND RATE [CUT CUTS]: tests/integration/slow_proxy.py on
# a free port in front of port BACKEND (RATE bytes/s, 0: unlimited; each of
# the first CUTS connections cut after CUT bytes), output in $T/NAME.out;
# waits until it listens and sets PROXY_PORT.
slow_proxy() {
	local name=$1 backend=$2
	shift 2
	PROXY_PORT=$(free_port)
	python3 "$(dirname "${BASH_SOURCE[0]}")/slow_proxy.py" "$PROXY_PORT" "$backend" "$@" \
		>"$T/$name.out" 2>&1 &
	PIDS+=($!)
	wait_for "$T/$name.out" "^ready"
}

# tls_proxy PORT BACKEND PATH: socat's OpenSSL on 127.0.0.1:PORT in front
# of the HTTP server on BACKEND, with the certificate of tls_front's test CA;
# waits until a request for PATH gets an answer through it.
tls_proxy() {
	local pid deadline=$((SECONDS + 30))
	socat "OPENSSL-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork,cert=$T/srv.pem,key=$T/srv.key,verify=0" \
		"TCP:127.0.0.1:$2" 2>"$T/socat-$1.err" &
	pid=$!
	PIDS+=($pid)
	until curl -s --cacert "$T/ca.pem" -o /dev/null "https://127.0.0.1:$1/$3"; do
		kill -0 "$pid" 2>/dev/null || fail "the TLS front on port $1 exited"
		[ $SECONDS -lt $deadline ] || fail "no TLS front on port $1 after 30 s"
		sleep 0.05
	done
}

# tls_front PORT PROBE: a test CA ($T/ca.pem) and a certificate for
# 127.0.0.1 only (tests/e2e/test_ca.sh), then tls_proxy in front of
# `jmpflash serve` on $HTTP_PORT (which keeps Range), probed with PROBE (a
# file the server has); sets TLS_PORT and HTTPS.
tls_front() {
	TLS_PORT=$1
	"$(dirname "${BASH_SOURCE[0]}")/../e2e/test_ca.sh" "$T" 127.0.0.1 || fail "test CA"
	tls_proxy "$TLS_PORT" "$HTTP_PORT" "$2"
	HTTPS=https://127.0.0.1:$TLS_PORT
}

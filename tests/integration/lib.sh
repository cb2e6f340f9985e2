# Shared helpers for the net/ integration scripts (sourced, bash).
# Every test makes its own temp dir, starts its own peers on ephemeral ports,
# waits for readiness with a deadline and cleans up on any exit.

T=$(mktemp -d /tmp/jf-it-XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; for f in "$T"/*.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }
ok() { echo "ok: $*"; }

# A missing tool fails in CI (CI installs it) and skips (77) elsewhere.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		echo "missing tool: $t (scripts/install-deps.sh installs it)" >&2
		[ -n "${CI:-}" ] && exit 1
		exit 77
	done
}

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches, or fail.
wait_for() {
	local deadline=$((SECONDS + ${3:-10}))
	until grep -qE "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || fail "timed out waiting for /$2/ in $1: $(tail -3 "$1" 2>&1)"
		sleep 0.05
	done
}

# free_port: a TCP port of 127.0.0.1 that is free now (the kernel's pick), for
# a helper server; never "a known port plus N", which may be some client's
# ephemeral port by the time the helper binds it.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

sha() { sha256sum "$1" | cut -d' ' -f1; }
same() { [ -f "$2" ] && [ "$(sha "$1")" = "$(sha "$2")" ] || fail "$3: $2 differs from $1"; }

# start_serve NAME ARGS...: run `jmpflash serve ARGS` as NAME, wait until it
# listens, set TFTP_PORT / HTTP_PORT from what it prints.
start_serve() {
	local name=$1
	shift
	# emptied here, not only by the child's redirection: a restart under
	# the same NAME must not read the last run's "ready" and ports
	: >"$T/$name.out"
	"$JMPFLASH" serve "$@" >"$T/$name.out" 2>"$T/$name.err" &
	PIDS+=($!)
	eval "${name}_PID=$!"
	wait_for "$T/$name.out" "^ready"
	TFTP_PORT=$(sed -n 's/^tftp: listening on port \([0-9]*\).*/\1/p' "$T/$name.out")
	HTTP_PORT=$(sed -n 's/^http: listening on port \([0-9]*\).*/\1/p' "$T/$name.out")
}

# stop_serve NAME: SIGTERM and wait for a clean exit (code 0).
stop_serve() {
	local pid
	eval "pid=\$${1}_PID"
	kill -TERM "$pid"
	wait "$pid" || fail "jmpflash serve ($1) exited with $?"
}

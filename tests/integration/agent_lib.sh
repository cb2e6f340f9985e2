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

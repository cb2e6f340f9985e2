#!/bin/sh
# The man page cannot drift from the binary or the sources: every command and
# every option that any --help prints, every config key of the driver schema
# (src/config/), every environment variable the sources read and every exit
# code the CLI returns appear in it, and man renders it without a warning.
# Usage: man.sh BINARY MANPAGE SOURCE_DIR
set -u
bin=$1 page=$2 src=$3
failed=0
fail() { echo "FAIL: $*"; failed=1; }
has() { grep -q -- "$1" "$page"; }

commands_of() { awk '/^Commands:$/ { c = 1; next } /^$/ { c = 0 } c && /^  [a-z]/ { print $1 }'; }
options_of() { sed -n 's/^ *\(-[A-Za-z0-9], \)\{0,1\}\(--[a-z0-9-]*\).*/\1\2/p' | tr -d ',' | tr ' ' '\n'; }

# check_help "storage flash": its heading and each of its options.
check_help() {
	# shellcheck disable=SC2086
	h=$("$bin" $1 --help) || { fail "jmpflash $1 --help failed"; return; }
	[ -z "$1" ] || has "^\.SS \"jmpflash $(echo "$1" | sed 's/-/\\\\-/g') " ||
		fail "no section for 'jmpflash $1'"
	opts=$(printf '%s\n' "$h" | options_of)
	[ -n "$opts" ] || fail "no options parsed from 'jmpflash $1 --help'"
	for o in $opts; do
		# shellcheck disable=SC2059
		has "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" || fail "'jmpflash $1' option $o is not in the man page"
	done
	nopts=$((nopts + $(printf '%s\n' "$opts" | wc -l)))
}

nopts=0 ncmds=0
check_help ""
for c in $("$bin" --help | commands_of); do
	subs=$("$bin" "$c" --help | commands_of)
	for s in ${subs:-""}; do
		check_help "$c${s:+ $s}"
		ncmds=$((ncmds + 1))
	done
done
[ "$ncmds" -ge 10 ] || fail "only $ncmds commands found in --help"

# Config keys: every {"key", JF_PARAM_...} of the schema.
keys=$(sed -n 's/^[[:space:]]*{"\([a-z_]*\)", JF_PARAM_.*/\1/p' "$src/src/config/"*.c | sort -u)
[ "$(printf '%s\n' "$keys" | wc -l)" -ge 20 ] || fail "the config key scan found too few keys: $keys"
for k in $keys; do
	grep -Eq "^\.BR? $(echo "$k" | sed 's/_/\\_/g')( |$)" "$page" || fail "config key '$k' is not in the man page"
done

# Environment variables: every getenv("NAME") under src/.
vars=$(grep -rho 'getenv("[A-Z_]*")' "$src/src" | sed 's/getenv("\(.*\)")/\1/' | sort -u)
[ -n "$vars" ] || fail "no getenv() found under $src/src"
for v in $vars; do
	has "^\.BR\{0,1\} .*$v" || fail "environment variable $v is not in the man page"
done

# Exit codes: the CLI's JF_EXIT_* values, and 130.
for code in $(sed -n 's/^[[:space:]]*JF_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$src/src/cli/cli.h") 130; do
	has "^\.B $code\$" || fail "exit code $code is not in EXIT STATUS"
done

warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "man warns: $warnings"

[ $failed -eq 0 ] && echo "ok: the man page has $ncmds commands, $nopts options, $(echo $keys | wc -w) config keys, $(echo $vars | wc -w) environment variables"
exit $failed

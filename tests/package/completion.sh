#!/bin/bash
# The bash completion, loaded into a real bash and driven as readline would:
# commands, subcommands, options (from --help), option values (choices,
# export names from -c FILE, target names from the flasher bundle).
# Runs twice: alone, and after Debian's bash-completion (its _init_completion
# splits words its own way), which scripts/install-deps.sh installs.
# Usage: completion.sh BINARY COMPLETION_FILE DATA_DIR
set -u
bin=$1 file=$2 data=$3
bc=/usr/share/bash-completion/bash_completion
if [ -z "${JF_COMPLETION_PASS:-}" ]; then
	JF_COMPLETION_PASS=plain "$0" "$@" || exit 1
	[ -r "$bc" ] || { echo "FAIL: $bc missing (install-deps.sh installs bash-completion)"; exit 1; }
	JF_COMPLETION_PASS=bash-completion exec "$0" "$@"
fi
# shellcheck disable=SC1090
[ "$JF_COMPLETION_PASS" = bash-completion ] && . "$bc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# shellcheck disable=SC1090
. "$file" || { echo "FAIL: $file does not load"; exit 1; }
complete -p jmpflash >/dev/null || { echo "FAIL: no completion registered for jmpflash"; exit 1; }

# expect "WANT" WORD...: completing the last word gives exactly WANT (sorted).
expect() {
	local want=$1 got
	shift
	COMP_WORDS=("$bin" "$@") COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}" COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_jmpflash
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" != "$want" ]; then
		echo "FAIL: jmpflash $*<TAB>: got '$got', want '$want'"
		failed=1
	fi
}

# A bundle directory and an exporter whose flasher uses it.
mkdir "$tmp/bundle"
cp "$data/manifest-test.yaml" "$tmp/bundle/manifest.yaml"
sed "s|flasher_bundle: .*|flasher_bundle: $tmp/bundle|" "$data/../../examples/virtual-board.yaml" \
	>"$tmp/exporter.yaml"

expect "bundle config power serial serve storage" ""
expect "serial serve" se
expect "bootloader-shell busybox-shell flash" storage ""
expect "cycle off on state" power ""
expect "--target --target-file" storage flash --targ
expect "--config" --con
expect "--tftp-port --tftp-root" serve --tftp-
expect "debug error info warn" --log-level ""
# The choices as --help names them ("--method a|b"): completion offers them.
methods=$("$bin" storage flash --help | sed -n 's/^ *--method \([^ ]*\) .*/\1/p' | tr '|' '\n' | sort |
	tr '\n' ' ' | sed 's/ $//')
case "$methods" in *shell*) ;; *) echo "FAIL: no --method choices in 'storage flash --help'"; failed=1 ;; esac
expect "$methods" storage flash --method ""
expect "power serial storage" -c "$tmp/exporter.yaml" -e ""
expect "power serial storage" -c "$tmp/exporter.yaml" power on --export ""
expect "second vda" -c "$tmp/exporter.yaml" storage flash --target ""
expect "second vda" -c "$tmp/exporter.yaml" -v storage flash -k --target ""
expect "emmc usd" storage flash --force-flash-bundle "$data/manifest-ti-j784s4.yaml" --target ""
expect "emmc usd" storage flash -t boot:a.img --force-flash-bundle "$data/manifest-ti-j784s4.yaml" --target ""
expect "" -c "$tmp/nonexistent.yaml" storage flash --target ""
[ $failed -eq 0 ] && echo "ok: bash completion ($JF_COMPLETION_PASS)"
exit $failed

#!/bin/sh
# Install the packages `make deb` built (apt resolves their Depends), then
# use them as a user would: the installed tool, its man page and bash
# completion, and a C program built against libjmpflash-dev with pkg-config.
# CI runs this on a fresh machine as root (.ci/run). Packages that were not
# installed before are purged again at the end (JF_DEB_KEEP=1 keeps them).
# Usage: deb-check.sh OUTDIR
set -eu
out=${1:-out/deb}
cd "$(dirname "$0")/.."
fail() { echo "deb-check: FAIL: $*"; exit 1; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

fresh=""
for p in jmpflash libjmpflash0 libjmpflash-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fresh="$fresh $p"
done
tmp=$(mktemp -d)
cleanup() {
	rm -rf "$tmp"
	if [ -n "$fresh" ] && [ -z "${JF_DEB_KEEP:-}" ]; then
		# shellcheck disable=SC2086
		$SUDO apt-get purge -y -qq $fresh >/dev/null
	fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2046
$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
	$(ls "$out"/jmpflash_*.deb "$out"/libjmpflash0_*.deb "$out"/libjmpflash-dev_*.deb | sed 's|^|./|') >/dev/null

# The tool from the package, not from a build tree.
[ "$(command -v jmpflash)" = /usr/bin/jmpflash ] || fail "jmpflash is not /usr/bin/jmpflash"
/usr/bin/jmpflash --version | grep -q "^jmpflash $(dpkg-parsechangelog -S Version | sed 's/-.*//')\$" ||
	fail "jmpflash --version: $(/usr/bin/jmpflash --version)"
page=$(man -w jmpflash) ||
	fail "man -w jmpflash (is /usr/share/man excluded by /etc/dpkg/dpkg.cfg.d?)"
[ "$(man -P cat jmpflash 2>/dev/null | grep -c 'storage flash')" -gt 0 ] || fail "man jmpflash shows no 'storage flash'"
bash -c '. /usr/share/bash-completion/completions/jmpflash && complete -p jmpflash' >/dev/null ||
	fail "the bash completion does not load"
got=$(bash -c '. /usr/share/bash-completion/completions/jmpflash
	COMP_WORDS=(jmpflash sto) COMP_CWORD=1; _jmpflash; echo "${COMPREPLY[*]}"')
[ "$got" = storage ] || fail "completing 'jmpflash sto' gave '$got'"
/usr/bin/jmpflash -c examples/virtual-board.yaml config check >"$tmp/check.out" ||
	fail "jmpflash -c examples/virtual-board.yaml config check"
grep -q '^ok$' "$tmp/check.out" || fail "config check did not say ok"

# libjmpflash-dev: a pkg-config client, run against libjmpflash0.
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/print_bundle" tests/package/print_bundle.c \
	$(pkg-config --cflags --libs jmpflash) || fail "build against libjmpflash-dev"
ldd "$tmp/print_bundle" | grep -Eq 'libjmpflash.so.0 => (/usr)?/lib/' || fail "not linked to libjmpflash0"
[ "$("$tmp/print_bundle" examples/virtual-board.yaml)" = board/out/bundle ] ||
	fail "print_bundle against the installed library"
echo "deb-check: installed $(ls "$out"/*.deb | grep -vc dbgsym) packages; tool, man page ($page), completion, config check and a pkg-config client work"

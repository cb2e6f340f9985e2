#!/bin/sh
# Install what jmpflash needs to build and test, on Debian 12, as root.
# Idempotent: only packages that are missing are installed. Each later module
# adds its packages to the list below (and says why in a comment).
set -eu

PACKAGES="
build-essential cmake pkg-config git
libyaml-dev libssl-dev libcmocka-dev
cppcheck
xz-utils
libpcre2-dev libhidapi-dev libsnmp-dev
snmpd socat ser2net
"
# Planned with later modules (bundle/, net/, console/, power/, image/):
# libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev
# liblzma-dev libzstd-dev zlib1g-dev
# console/ (PCRE2 expect patterns) and power/ (hidapi for YKUSH, net-snmp for
# PDUs) are above, with snmpd, socat and ser2net: the peers their tests start.

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "install-deps: all packages present"; exit 0; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing

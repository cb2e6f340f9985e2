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
libmicrohttpd-dev
curl wget atftp tftp-hpa python3
"
# net/: libmicrohttpd for the HTTP server; curl, wget, atftp, tftp-hpa (the
# clients) and python3 (the lossy UDP relay) for tests/integration/{tftp,http}*.
# `make bench` also wants tftpd-hpa, nginx-light and dnsmasq-base (installed
# by bench/run.sh itself, not needed by the tests).
# Planned with later modules (bundle/, net/, console/, power/, image/):
# libcurl4-openssl-dev libjansson-dev libpcre2-dev
# libhidapi-dev libsnmp-dev liblzma-dev libzstd-dev zlib1g-dev

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

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
libcurl4-openssl-dev libjansson-dev
docker-registry skopeo apache2-utils curl openssl python3
qemu-system-arm u-boot-qemu fdisk cpio gzip
zlib1g-dev liblzma-dev libzstd-dev libbz2-dev liblz4-dev zstd bzip2 lz4
libmicrohttpd-dev wget atftp tftp-hpa
e2fsprogs iproute2 procps util-linux
libexpat1-dev bmap-tools
gcc-aarch64-linux-gnu libc6-dev-arm64-cross
gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user-static file
lava-dispatcher python3-jinja2 python3-yaml
debhelper dpkg-dev lintian man-db bash-completion
clang-format
clang libclang-rt-14-dev
"
# Why each group is here:
# console/ (PCRE2 expect patterns) and power/ (hidapi for YKUSH, net-snmp for
#   PDUs), with snmpd, socat and ser2net: the peers their tests start.
# bundle/: libcurl + jansson for the OCI client; its integration tests run
#   docker-registry (CNCF distribution), skopeo (reads what we push, writes OCI
#   layouts), htpasswd (bcrypt for Basic auth), openssl + python3 (token server).
# board/: QEMU aarch64 and Debian's U-Boot run the virtual board; sfdisk
#   (fdisk) makes its GPT disk, cpio+gzip its initramfs. board/build.sh fetches
#   the arm64 kernel and busybox itself (apt-get download, never installed);
#   `make demo` makes an ext4 demo image (e2fsprogs); tests/e2e/netns.sh needs
#   unshare (util-linux) and ip (iproute2); the e2e scripts use pgrep/pkill.
# contrib/lava/ (tests/lava/, label lava): Debian's lava-dispatcher runs a
#   real job with lava-run (no server; about 140 packages, ~1 min to install);
#   python3-jinja2 renders the device dictionary over lava-server's templates,
#   which tests/lava/templates.sh unpacks from the lava-server .deb (apt-get
#   download, never installed).
# image/: zlib, liblzma, libzstd, libbz2, liblz4 decode images; its tests make
#   their inputs with the real gzip, xz, zstd, bzip2 and lz4 tools.
# packaging: debhelper + dpkg-dev build the .deb (`make deb`), lintian checks
#   it, man-db renders and finds the man page (tests/package/, deb-check.sh);
#   package.completion also runs under bash-completion's _init_completion;
#   g++ (build-essential) compiles the public headers as C++.
# clang-format: `make format`, and `make lint` with JF_LINT_FORMAT=1.
# tests/fuzz/: clang and its libFuzzer runtime (libclang-rt-14-dev) for
#   `make fuzz`; the replay tests build with gcc.
# net/: libmicrohttpd for the HTTP server; curl, wget, atftp, tftp-hpa (the
#   clients) and python3 (the lossy UDP relay) for tests/integration/{tftp,http}*.
#   `make bench` also wants tftpd-hpa, nginx-light and dnsmasq-base (installed
#   by bench/run.sh itself, not needed by the tests).
# agent/: the board-side writer links the same decoders plus expat (bmap
#   XML), libssl (https) and libcrypto (sha256/sha1); bmap-tools makes the
#   bmap files its tests and the benchmark use. It is cross-built statically
#   for aarch64 and armhf with Debian's cross compilers against those
#   architectures' static libraries, which scripts/cross-sysroot.sh unpacks
#   (not installs) into $JF_AGENT_SYSROOT (agent/CMakeLists.txt's table).
#   qemu-user-static runs each cross-built agent in tests/integration/
#   (agent_cross.sh, which also asks `file` what it is).

# The boards' static libraries for the agent: <dir>:<Debian architecture>,
# one per row of agent/CMakeLists.txt's JF_AGENT_CROSS, unpacked under the
# same JF_AGENT_SYSROOT it reads. aarch64 is the virtual board's (required);
# the others are best effort: a mirror that cannot deliver one leaves that
# agent unbuilt (CMake names what is missing, its test skips), never the
# whole install failed.
JF_AGENT_SYSROOT=/var/cache/jmpflash-cross
CROSS_ARCHES="aarch64:arm64"
CROSS_ARCHES_OPTIONAL="armhf:armhf"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	# board/ downloads the virtual board's arm64 packages through this apt
	dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
	echo "install-deps: installing$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends $missing
else
	echo "install-deps: all packages present"
fi
# shellcheck disable=SC2086
$SUDO "$(dirname "$0")/cross-sysroot.sh" "$JF_AGENT_SYSROOT" $CROSS_ARCHES
for pair in $CROSS_ARCHES_OPTIONAL; do
	$SUDO "$(dirname "$0")/cross-sysroot.sh" "$JF_AGENT_SYSROOT" "$pair" ||
		echo "install-deps: warning: no libraries for ${pair%%:*}: its agent is not built" >&2
done

#!/bin/sh
# `cmake --install` into a temp DESTDIR, then what a user of the library
# does: build a C program against the installed headers with
# `pkg-config --cflags --libs jmpflash` (shared, and --static) and run it on
# an exporter YAML. Also checks the installed file list.
# Usage: install.sh BUILD_DIR SOURCE_DIR [EXTRA_CFLAGS]
set -eu
build=$1 src=$2 extra=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
fail() { echo "FAIL: $*"; exit 1; }

DESTDIR=$dest cmake --install "$build" --prefix /usr >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; fail "cmake --install"; }
pc=$(find "$dest" -name jmpflash.pc)
[ -n "$pc" ] || fail "no jmpflash.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in usr/bin/jmpflash usr/include/jmpflash/flasher.h usr/include/jmpflash/config.h \
	usr/share/man/man1/jmpflash.1 usr/share/bash-completion/completions/jmpflash \
	usr/share/doc/jmpflash/examples/virtual-board.yaml; do
	[ -e "$dest/$f" ] || fail "$f not installed"
done
for f in libjmpflash.a libjmpflash.so libjmpflash.so.0; do
	[ -e "$libdir/$f" ] || fail "$libdir/$f not installed"
done
soname=$(readelf -d "$libdir/libjmpflash.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libjmpflash.so.0 ] || fail "SONAME is '$soname', want libjmpflash.so.0"

# pkg-config as a user of the staged tree sees it.
export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
cflags=$(pkg-config --cflags jmpflash) libs=$(pkg-config --libs jmpflash)
case "$libs" in *yaml* | *snmp* | *hidapi* | *curl*) fail "third-party libs leak into --libs: $libs" ;; esac
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $extra $cflags -o "$tmp/print_bundle" \
	"$src/tests/package/print_bundle.c" $libs || fail "build against the installed library"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/print_bundle" "$src/examples/virtual-board.yaml")
[ "$out" = board/out/bundle ] || fail "shared: printed '$out', want board/out/bundle"
LD_LIBRARY_PATH="$libdir" ldd "$tmp/print_bundle" | grep -q "libjmpflash.so.0 => $libdir" ||
	fail "the program does not use the installed libjmpflash.so.0"

# Static: libjmpflash.a plus its Requires.private, each linked as a shared
# library (Debian's libcurl.pc --static names libraries that only ship .so
# files without -dev packages, so a fully static link is not the test).
deps=$(pkg-config --print-requires-private jmpflash | tr '\n' ' ')
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $extra $cflags -o "$tmp/print_bundle_static" \
	"$src/tests/package/print_bundle.c" "$libdir/libjmpflash.a" \
	$(pkg-config --libs $deps) -lbz2 -lpthread ||
	fail "static build with libjmpflash.a and pkg-config --print-requires-private"
out=$("$tmp/print_bundle_static" "$src/examples/exporter-ti-j784s4.yaml")
case "$out" in quay.io/*) ;; *) fail "static: printed '$out', want a quay.io reference" ;; esac
"$dest/usr/bin/jmpflash" --version | grep -q '^jmpflash [0-9]' || fail "installed jmpflash --version"
echo "ok: installed to DESTDIR, built and ran a pkg-config client (shared and static)"

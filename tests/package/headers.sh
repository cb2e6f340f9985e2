#!/bin/sh
# Every public header compiles on its own, as C11 and as C++ (extern "C"),
# with the project's warnings: what a program embedding libjmpflash includes.
# Usage: headers.sh INCLUDE_DIR
set -eu
inc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$inc"/jmpflash/*.h; do
	name=jmpflash/$(basename "$h")
	printf '#include "%s"\nint main(void) { return 0; }\n' "$name" >"$tmp/c.c"
	cc -std=c11 -Wall -Wextra -Werror -Wpedantic -I "$inc" -c "$tmp/c.c" -o "$tmp/c.o" ||
		{ echo "FAIL: $name does not compile as C11 on its own"; exit 1; }
	printf '#include "%s"\nint main() { return 0; }\n' "$name" >"$tmp/x.cc"
	g++ -std=c++11 -Wall -Wextra -Werror -I "$inc" -c "$tmp/x.cc" -o "$tmp/x.o" ||
		{ echo "FAIL: $name does not compile as C++11"; exit 1; }
	# extern "C": a declared function keeps its C name when called from C++.
	if ! grep -q 'extern "C"' "$h"; then
		echo "FAIL: $name has no extern \"C\" block"
		exit 1
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no headers in $inc/jmpflash"; exit 1; }
# One C++ program calling into the C library by its C names.
cat >"$tmp/all.cc" <<'CC'
#include "jmpflash/error.h"
#include "jmpflash/flasher.h"
int main() { jf_err err = JF_ERR_INIT; return jf_err_set(&err, JF_EINVAL, "x") == JF_EINVAL ? 0 : 1; }
CC
g++ -std=c++11 -Wall -Wextra -Werror -I "$inc" -c "$tmp/all.cc" -o "$tmp/all.o"
nm "$tmp/all.o" | grep -q ' U jf_err_set$' ||
	{ echo "FAIL: C++ refers to a mangled jf_err_set, not the C symbol"; exit 1; }
echo "ok: $n headers compile as C11 and C++11 with C linkage"

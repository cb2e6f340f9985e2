#!/bin/sh
# Static analysis for `make test`: cppcheck over src/ with the build's
# compile_commands.json. Any finding fails the run.
# It also runs `clang-format --dry-run -Werror` on every
# tracked C file (.clang-format; JF_LINT_FORMAT=0 skips it): `make format`
# fixes what it finds.
set -eu
build=${1:-build}
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem --std=c11 \
	-I include -I src src
echo "lint: cppcheck clean"
if [ "${JF_LINT_FORMAT:-1}" = 1 ]; then
	git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror
	echo "lint: clang-format clean"
fi

#!/bin/sh
# Static analysis for `make test`: cppcheck over src/ with the build's
# compile_commands.json. Any finding fails the run.
set -eu
build=${1:-build}
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem --std=c11 \
	-I include -I src src
echo "lint: cppcheck clean"

#!/bin/bash
# Run every libFuzzer harness built in BUILD (make fuzz) for SECONDS each,
# JOBS at a time, starting from its committed corpus (tests/fuzz/corpus/<name>,
# read only: new inputs go to BUILD/fuzz-work/<name>) with its dictionary.
# Prints a table (harness, runs, coverage, result) and writes it to
# BUILD/fuzz-report.txt; fails when any harness found a crash, a leak, a
# timeout or a failed oracle (the input is in BUILD/fuzz-artifacts/).
#   scripts/fuzz.sh BUILD [SECONDS=300] [JOBS=2] [harness...]
set -euo pipefail
BUILD=$1
SECONDS_EACH=${2:-300}
JOBS=${3:-2}
shift $(($# < 3 ? $# : 3))
SRC=$(cd "$(dirname "$0")/.." && pwd)/tests/fuzz
cd "$BUILD"
BUILD=$(pwd)
mkdir -p fuzz-work fuzz-artifacts fuzz-logs

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for b in tests/fuzz/fuzz_*; do names+=("${b##*/fuzz_}"); done
fi

run_one() {
	local name=$1 dict=()
	[ -f "$SRC/dict/$name.dict" ] && dict=(-dict="$SRC/dict/$name.dict")
	mkdir -p "fuzz-work/$name"
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a leak or a
	# blow-up, not the fuzzer's own growth.
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"tests/fuzz/fuzz_$name" -max_total_time="$SECONDS_EACH" -timeout=10 \
		-rss_limit_mb=1024 -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="fuzz-artifacts/$name-" "${dict[@]}" \
		"fuzz-work/$name" "$SRC/corpus/$name" >"fuzz-logs/$name.log" 2>&1
	echo "$name $?"
}
export -f run_one
export SRC SECONDS_EACH

echo "fuzz: ${#names[@]} harnesses, ${SECONDS_EACH} s each, $JOBS at a time"
printf '%s\n' "${names[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}' >fuzz-results.txt

fail=0
{
	printf '%-12s %12s %8s %8s  %s\n' harness runs cov ft result
	sort fuzz-results.txt | while read -r name rc; do
		log=fuzz-logs/$name.log
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
		ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
		res=ok
		[ "$rc" = 0 ] || res="FAILED (exit $rc): $(ls fuzz-artifacts/"$name"-* 2>/dev/null | head -1)"
		printf '%-12s %12s %8s %8s  %s\n' "$name" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$res"
	done
} | tee fuzz-report.txt
grep -q FAILED fuzz-report.txt && fail=1
if [ $fail -ne 0 ]; then
	echo "fuzz: a harness failed; its log is in $BUILD/fuzz-logs/, the input in" \
		"$BUILD/fuzz-artifacts/ (replay: tests/fuzz/fuzz_<name> <input>)" >&2
	for f in $(grep -l -E 'ERROR|oracle failed' fuzz-logs/*.log); do
		echo "== $f" >&2
		grep -m1 -A25 -E 'ERROR|oracle failed' "$f" >&2
	done
fi
exit $fail

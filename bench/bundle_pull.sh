#!/bin/bash
# Benchmark: pull a 256 MiB bundle from a local docker-registry with jmpflash
# and with `skopeo copy docker://... dir:...` in the same run; print MB/s, the
# ratio, and the time of a fully cached pull. Usage: bundle_pull.sh BUILD_DIR
set -eu
BUILD=$(realpath "${1:-build}")
J=$BUILD/jmpflash
MIB=${BENCH_MIB:-256}
ROUNDS=${BENCH_ROUNDS:-3}
T=$(mktemp -d /tmp/jf-bench.XXXXXX)
REGPID=""
cleanup() {
	if [ -n "$REGPID" ]; then kill "$REGPID" 2>/dev/null || true; wait "$REGPID" 2>/dev/null || true; fi
	rm -rf "$T"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REG=127.0.0.1:$PORT
printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s/store}}\nhttp: {addr: %s}\n' \
	"$T" "$REG" >"$T/registry.yml"
docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
REGPID=$!
deadline=$((SECONDS + 20))
until curl -s -o /dev/null "http://$REG/v2/"; do
	[ $SECONDS -lt $deadline ] || { echo "registry did not start"; exit 1; }
	sleep 0.05
done

mkdir -p "$T/b/data"
printf 'apiVersion: jumpstarter.dev/v1alpha1\nkind: FlashBundleManifest\n' >"$T/b/manifest.yaml"
head -c $((MIB * 1048576)) /dev/urandom >"$T/b/data/image.img"
"$J" bundle push --no-progress "$T/b" "$REG/bench/bundle:v1" >/dev/null

now() { date +%s.%N; }
best_j=999999 best_s=999999
for i in $(seq "$ROUNDS"); do
	rm -rf "$T/cache" "$T/skopeo"
	t0=$(now)
	"$J" -q bundle pull --no-progress --cache-dir "$T/cache" "$REG/bench/bundle:v1" >/dev/null
	t1=$(now)
	skopeo copy -q --src-tls-verify=false "docker://$REG/bench/bundle:v1" "dir:$T/skopeo"
	t2=$(now)
	best_j=$(awk -v a="$t0" -v z="$t1" -v b="$best_j" 'BEGIN {d = z - a; print (d < b ? d : b)}')
	best_s=$(awk -v a="$t1" -v z="$t2" -v b="$best_s" 'BEGIN {d = z - a; print (d < b ? d : b)}')
done
t0=$(now)
"$J" -q bundle pull --no-progress --cache-dir "$T/cache" "$REG/bench/bundle:v1" >/dev/null
t1=$(now)
"$J" -q bundle pull --no-progress --plain-http --cache-dir "$T/cache" "$REG/bench/bundle:v1" >/dev/null
t2=$(now)
cached=$(awk -v a="$t0" -v z="$t1" 'BEGIN {print z - a}')
cached_plain=$(awk -v a="$t1" -v z="$t2" 'BEGIN {print z - a}')
cmp "$T/b/data/image.img" "$T/skopeo/$(sha256sum "$T/b/data/image.img" | cut -c1-64)" ||
	{ echo "skopeo copy differs"; exit 1; }
awk -v mib="$MIB" -v j="$best_j" -v s="$best_s" -v c="$cached" -v cp="$cached_plain" \
	-v r="$ROUNDS" 'BEGIN {
	mb = mib * 1048576 / 1e6
	printf "bundle pull of %d MiB from a local registry (best of %d):\n", mib, r
	printf "  jmpflash bundle pull   %7.3f s  %8.1f MB/s\n", j, mb / j
	printf "  skopeo copy dir:       %7.3f s  %8.1f MB/s\n", s, mb / s
	printf "  ratio jmpflash/skopeo  %7.2fx\n", s / j
	printf "  fully cached pull      %7.3f s  (%.3f s with --plain-http: no https probe)\n", c, cp
}'

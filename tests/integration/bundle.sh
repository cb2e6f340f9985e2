#!/bin/bash
# Integration tests of `jmpflash bundle` against Debian's docker-registry (the
# CNCF distribution registry), started here on a free loopback port with its
# own temp storage. Usage: bundle.sh SCENARIO JMPFLASH TESTDATA
# Scenarios: roundtrip basic token corrupt dotdot concurrent resume redirect tls
#            hostile
set -eu
scenario=$1
J=$(realpath "$2")
DATA=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)

for tool in docker-registry skopeo htpasswd curl openssl python3 script; do
	if ! command -v "$tool" >/dev/null; then
		echo "bundle.sh: $tool is missing: run scripts/install-deps.sh"
		# a developer may skip; CI installs everything and must not
		[ "${JF_ALLOW_SKIP:-0}" = 1 ] && exit 77
		exit 1
	fi
done

T=$(mktemp -d /tmp/jf-bundle-test.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	chmod -R u+w "$T" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL ($scenario): $*" >&2
	for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done >&2
	exit 1
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: until it answers anything but a connection error, 20 s at most
wait_http() {
	local deadline=$((SECONDS + 20))
	until curl -s -o /dev/null "$1"; do
		[ $SECONDS -lt $deadline ] || fail "$1 did not come up"
		sleep 0.05
	done
}

# start_registry [EXTRA_YAML]: sets PORT and REG, storage in $T/store
start_registry() {
	PORT=$(free_port)
	REG=127.0.0.1:$PORT
	{
		echo "version: 0.1"
		echo "log: {level: warn}"
		echo "storage: {filesystem: {rootdirectory: $T/store}, delete: {enabled: true}}"
		if [ $# -gt 0 ] && [ "${1#  }" != "$1" ]; then
			printf 'http:\n  addr: %s\n%s\n' "$REG" "$1" # an http: sub-key
		else
			echo "http: {addr: $REG}"
			[ $# -gt 0 ] && echo "$1"
		fi
	} >"$T/registry.yml"
	docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
	REGPID=$!
	PIDS="$PIDS $REGPID"
	wait_http "http://$REG/v2/"
}

stop_registry() {
	kill "$REGPID"
	wait "$REGPID" 2>/dev/null || true
}

# make_bundle DIR MIB: the TI manifest with an image of MIB MiB and a dtb
make_bundle() {
	mkdir -p "$1/data/dtbs"
	cp "$DATA/manifest-ti-j784s4.yaml" "$1/manifest.yaml"
	head -c $(($2 * 1048576)) /dev/urandom >"$1/data/J784S4XEVM.flasher.img"
	head -c 4321 /dev/urandom >"$1/data/dtbs/k3-j784s4-evm.dtb"
}

blob_hex() { # blob_hex FILE
	sha256sum "$1" | cut -c1-64
}

CACHE=$T/cache
pull() { "$J" bundle pull --cache-dir "$CACHE" "$@"; }

scenario_roundtrip() {
	start_registry
	make_bundle "$T/b" 3
	touch "$T/b/data/.gitkeep" "$T/b/.hidden.yaml" "$T/b/README"
	"$J" bundle push "$T/b" "$REG/test/bundle:v1" >"$T/push.out" 2>"$T/push.err" ||
		fail "push: $(cat "$T/push.err")"
	grep -q "application/vnd.oci.bundle.v1" "$T/push.out" || fail "push printed no artifactType"
	# skopeo reads what we pushed; the structure is oras's
	skopeo inspect --raw --tls-verify=false "docker://$REG/test/bundle:v1" >"$T/raw.json" ||
		fail "skopeo inspect --raw failed"
	python3 - "$T/raw.json" <<'PY' || fail "the pushed manifest is not oras-shaped"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["schemaVersion"] == 2
assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
assert m["artifactType"] == "application/vnd.oci.bundle.v1"
assert m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
assert m["config"]["size"] == 2
titles = {l["annotations"]["org.opencontainers.image.title"]: l["mediaType"] for l in m["layers"]}
assert titles == {"manifest.yaml": "application/yaml",
                  "data/J784S4XEVM.flasher.img": "application/octet-stream",
                  "data/dtbs/k3-j784s4-evm.dtb": "application/octet-stream"}, titles
PY
	# pull into a directory: bit-exact; no progress bar off a terminal
	rm "$T/b/data/.gitkeep" "$T/b/.hidden.yaml" "$T/b/README" # not pushed
	pull "$REG/test/bundle:v1" "$T/out" >"$T/pull.out" 2>"$T/pull.err" ||
		fail "pull: $(cat "$T/pull.err")"
	diff -r "$T/b" "$T/out" || fail "pulled files differ"
	grep -q $'\r' "$T/pull.err" && fail "progress bar drawn without a terminal"
	# the cache holds the view and each blob once
	view=$(pull "$REG/test/bundle:v1")
	diff -r "$T/b" "$view" || fail "cached view differs"
	[ -f "$CACHE/blobs/sha256/$(blob_hex "$T/b/data/J784S4XEVM.flasher.img")" ] ||
		fail "blob not in the cache"
	# inspect REF: digests, sizes and the manifest summary
	"$J" bundle inspect --cache-dir "$CACHE" "$REG/test/bundle:v1" >"$T/inspect.out" ||
		fail "inspect REF failed"
	grep -q "sha256:$(blob_hex "$T/b/data/J784S4XEVM.flasher.img") *3145728 " "$T/inspect.out" ||
		fail "inspect shows no digest and size: $(cat "$T/inspect.out")"
	grep -q "name: *ti-j784s4" "$T/inspect.out" || fail "inspect shows no manifest summary"
	# a progress bar on a terminal, with rate and ETA
	script -qec "'$J' bundle pull --cache-dir '$T/cache-tty' '$REG/test/bundle:v1'" /dev/null \
		>"$T/tty.out" 2>&1 || fail "pull on a pty failed: $(cat "$T/tty.out")"
	grep -q "MiB/s  ETA" "$T/tty.out" || fail "no progress bar on a terminal"
	# a second bundle sharing the image: the blob is stored once, linked twice
	cp -r "$T/b" "$T/b2"
	echo "# second bundle" >>"$T/b2/manifest.yaml"
	"$J" bundle push "$T/b2" "$REG/test/bundle2:v1" >/dev/null || fail "push of b2"
	view2=$(pull "$REG/test/bundle2:v1") || fail "pull of b2"
	[ "$view2" != "$view" ] || fail "two bundles share a view"
	diff -r "$T/b2" "$view2" || fail "b2 view differs"
	img=$CACHE/blobs/sha256/$(blob_hex "$T/b/data/J784S4XEVM.flasher.img")
	[ "$(stat -c %h "$img")" = 3 ] || fail "the shared image is not one blob in two views"
	[ "$(find "$CACHE/blobs" -type f | wc -l)" = 6 ] ||
		fail "blobs not deduplicated: $(ls "$CACHE/blobs/sha256")"
	# an index with one manifest is followed, and so is a platform match
	md=$(sed -n 's/^manifest: *\(sha256:[0-9a-f]*\) (\([0-9]*\) bytes)$/\1 \2/p' "$T/push.out")
	[ -n "$md" ] || fail "push printed no manifest digest"
	set -- $md
	for arches in '"amd64"' '"s390x","ppc64le","amd64","arm64","riscv64"'; do
		python3 - "$1" "$2" "$arches" >"$T/index.json" <<'PY'
import json, sys
digest, size, arches = sys.argv[1], int(sys.argv[2]), json.loads("[" + sys.argv[3] + "]")
print(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                  "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                 "digest": digest, "size": size,
                                 "platform": {"os": "linux", "architecture": a}}
                                for a in arches]}))
PY
		curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
			--data-binary "@$T/index.json" "http://$REG/v2/test/bundle/manifests/idx" >/dev/null ||
			fail "index upload failed"
		iv=$(pull "$REG/test/bundle:idx" 2>"$T/idx.err") || fail "index pull: $(cat "$T/idx.err")"
		[ "$iv" = "$view" ] || fail "the index led to another view ($iv)"
	done
	# an OCI image layout directory (written by skopeo) is a source too
	skopeo copy -q --src-tls-verify=false "docker://$REG/test/bundle:v1" "oci:$T/layout:v1" ||
		fail "skopeo copy to a layout failed"
	lv=$("$J" bundle pull --cache-dir "$T/cache-layout" "$T/layout") || fail "layout pull"
	diff -r "$T/b" "$lv" || fail "layout view differs"
	# offline: registry gone, the tag resolves through the cache
	stop_registry
	v2=$(pull --offline "$REG/test/bundle:v1") || fail "offline pull failed"
	[ "$v2" = "$view" ] || fail "offline pull gave another view"
	v3=$(pull "$REG/test/bundle:v1" 2>"$T/down.err") || fail "pull with the registry down failed"
	grep -q "unreachable; using the cached" "$T/down.err" || fail "no warning about the cache"
	[ "$v3" = "$view" ] || fail "fallback gave another view"
	pull --offline "$REG/test/other:v1" 2>"$T/off.err" && fail "offline pull of an uncached tag worked"
	grep -q "never pulled" "$T/off.err" || fail "unclear offline error: $(cat "$T/off.err")"
}

scenario_basic() {
	htpasswd -Bbn alice 'S3cret-pw' >"$T/htpasswd"
	start_registry "auth: {htpasswd: {realm: jf-test, path: $T/htpasswd}}"
	make_bundle "$T/b" 1
	"$J" bundle push -u alice -p 'Wr0ng-pw' "$T/b" "$REG/t/b:1" 2>"$T/wrong.err" &&
		fail "push with a wrong password worked"
	grep -q "refused the user name and password" "$T/wrong.err" ||
		fail "unclear error for a wrong password: $(cat "$T/wrong.err")"
	grep -q "Wr0ng-pw" "$T/wrong.err" && fail "the password was printed"
	"$J" -v bundle push -u alice -p 'S3cret-pw' "$T/b" "$REG/t/b:1" >"$T/push.out" 2>&1 ||
		fail "push with the right password failed: $(cat "$T/push.out")"
	grep -q "S3cret-pw" "$T/push.out" && fail "the password was logged"
	pull "$REG/t/b:1" 2>"$T/anon.err" && fail "anonymous pull worked"
	grep -q "needs a user name and password" "$T/anon.err" || fail "unclear anonymous error"
	# the password on stdin, and from the environment
	echo 'S3cret-pw' | "$J" bundle push --password-stdin -u alice "$T/b" "$REG/t/b:2" >/dev/null ||
		fail "push with --password-stdin failed"
	JMPFLASH_REGISTRY_USER=alice JMPFLASH_REGISTRY_PASSWORD=S3cret-pw pull "$REG/t/b:2" >/dev/null ||
		fail "pull with credentials from the environment failed"
	rm -rf "$CACHE"
	# credentials from a docker config.json, then a containers auth.json
	mkdir -p "$T/docker"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf alice:S3cret-pw | base64)" \
		>"$T/docker/config.json"
	DOCKER_CONFIG=$T/docker pull "$REG/t/b:1" "$T/out1" >/dev/null || fail "pull with config.json"
	diff -r "$T/b" "$T/out1" || fail "files differ"
	printf '{"auths":{"%s/t":{"auth":"%s"}}}' "$REG" "$(printf alice:S3cret-pw | base64)" \
		>"$T/auth.json"
	rm -rf "$CACHE"
	REGISTRY_AUTH_FILE=$T/auth.json HOME=$T pull "$REG/t/b:1" "$T/out2" >/dev/null ||
		fail "pull with auth.json"
	diff -r "$T/b" "$T/out2" || fail "files differ"
	# upstream's OCI_USERNAME/OCI_PASSWORD win over auth files (here a wrong one)
	mkdir -p "$T/wrong"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf alice:Wr0ng-pw | base64)" \
		>"$T/wrong/config.json"
	rm -rf "$CACHE"
	DOCKER_CONFIG=$T/wrong pull "$REG/t/b:1" >/dev/null 2>&1 && fail "the wrong auth file worked"
	rm -rf "$CACHE"
	OCI_USERNAME=alice OCI_PASSWORD=S3cret-pw DOCKER_CONFIG=$T/wrong "$J" -v bundle pull \
		--cache-dir "$CACHE" "$REG/t/b:1" "$T/out3" >"$T/oci.out" 2>&1 ||
		fail "pull with OCI_USERNAME/OCI_PASSWORD failed: $(cat "$T/oci.out")"
	grep -q "S3cret-pw" "$T/oci.out" && fail "OCI_PASSWORD was logged"
	diff -r "$T/b" "$T/out3" || fail "files differ"
	# upstream's file order: ~/.config/containers/auth.json before ~/.docker/config.json
	mkdir -p "$T/home/.config/containers" "$T/home/.docker"
	cp "$T/wrong/config.json" "$T/home/.docker/config.json"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf alice:S3cret-pw | base64)" \
		>"$T/home/.config/containers/auth.json"
	rm -rf "$CACHE"
	HOME=$T/home XDG_RUNTIME_DIR= pull "$REG/t/b:1" "$T/out4" >/dev/null ||
		fail "~/.config/containers/auth.json was not used before ~/.docker/config.json"
}

scenario_token() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/token.key" -out "$T/token.crt" \
		-days 1 -subj /CN=jf-token 2>/dev/null
	TPORT=$(free_port)
	python3 "$HERE/token_server.py" "$TPORT" "$T/token.key" "$T/token.crt" jf-issuer alice \
		'T0ken-pw' >"$T/token.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$TPORT/"
	start_registry "auth: {token: {realm: http://127.0.0.1:$TPORT/token, service: jf-test, issuer: jf-issuer, rootcertbundle: $T/token.crt}}"
	make_bundle "$T/b" 1
	"$J" bundle push "$T/b" "$REG/t/b:1" 2>"$T/anon.err" && fail "anonymous push worked"
	grep -q "needs credentials" "$T/anon.err" || fail "unclear error: $(cat "$T/anon.err")"
	"$J" bundle push -u alice -p 'bad-pw' "$T/b" "$REG/t/b:1" 2>"$T/bad.err" &&
		fail "push with a wrong password worked"
	grep -q "refused the credentials" "$T/bad.err" || fail "unclear error: $(cat "$T/bad.err")"
	"$J" -v bundle push -u alice -p 'T0ken-pw' "$T/b" "$REG/t/b:1" >"$T/push.out" 2>&1 ||
		fail "credentialed push failed: $(cat "$T/push.out")"
	grep -q "T0ken-pw" "$T/push.out" && fail "the password was logged"
	# anonymous pull: the token server grants pull to anyone
	pull "$REG/t/b:1" "$T/out" >/dev/null 2>"$T/pull.err" || fail "pull: $(cat "$T/pull.err")"
	diff -r "$T/b" "$T/out" || fail "files differ"
}

scenario_corrupt() {
	start_registry
	make_bundle "$T/b" 1
	"$J" bundle push "$T/b" "$REG/t/b:1" >/dev/null || fail "push"
	hex=$(blob_hex "$T/b/data/J784S4XEVM.flasher.img")
	data=$T/store/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
	[ -f "$data" ] || fail "no blob in the registry storage at $data"
	head -c 64 /dev/zero | dd of="$data" bs=64 seek=1 conv=notrunc status=none
	pull "$REG/t/b:1" "$T/out" 2>"$T/pull.err" && fail "a corrupt blob was accepted"
	grep -q "corrupt" "$T/pull.err" || fail "unclear error: $(cat "$T/pull.err")"
	ls "$CACHE/blobs/sha256/$hex"* 2>/dev/null && fail "the corrupt blob left files in the cache"
	[ -z "$(ls -A "$CACHE/bundles/sha256" 2>/dev/null)" ] || fail "a view was made"
	[ ! -e "$T/out" ] || [ -z "$(ls -A "$T/out")" ] || fail "files were written to DIR"
	# a blob whose size differs from the manifest's is refused too
	head -c 100 /dev/urandom >>"$data"
	pull "$REG/t/b:1" 2>"$T/size.err" && fail "a longer blob was accepted"
	grep -q "more than the .* bytes\|got .* bytes" "$T/size.err" ||
		fail "unclear size error: $(cat "$T/size.err")"
	ls "$CACHE/blobs/sha256/$hex"* 2>/dev/null && fail "the long blob left files in the cache"
	return 0
}

# upload BLOBFILE: push a blob with curl, print its digest
upload() {
	local d="sha256:$(blob_hex "$1")" loc
	loc=$(curl -sf -X POST -D - -o /dev/null "http://$REG/v2/t/evil/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	case $loc in http*) ;; *) loc="http://$REG$loc" ;; esac
	case $loc in *\?*) loc="$loc&digest=$d" ;; *) loc="$loc?digest=$d" ;; esac
	curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" "$loc" ||
		fail "blob upload failed"
	echo "$d"
}

scenario_dotdot() {
	start_registry
	make_bundle "$T/b" 1
	echo evil >"$T/evil"
	m=$(upload "$T/b/manifest.yaml")
	e=$(upload "$T/evil")
	printf '{}' >"$T/empty"
	c=$(upload "$T/empty")
	for title in "../evil" "/tmp/evil" "data/../../evil"; do
		cat >"$T/m.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.oci.bundle.v1","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"$c","size":2},"layers":[{"mediaType":"application/yaml","digest":"$m","size":$(stat -c %s "$T/b/manifest.yaml"),"annotations":{"org.opencontainers.image.title":"manifest.yaml"}},{"mediaType":"application/octet-stream","digest":"$e","size":5,"annotations":{"org.opencontainers.image.title":"$title"}}]}
JSON
		curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
			--data-binary "@$T/m.json" "http://$REG/v2/t/evil/manifests/x" >/dev/null ||
			fail "manifest upload failed"
		mkdir -p "$T/w/sub"
		(cd "$T/w/sub" && "$J" bundle pull --cache-dir "$CACHE" "$REG/t/evil:x" out) \
			2>"$T/pull.err" && fail "title '$title' was accepted"
		grep -q "not a relative path inside the bundle" "$T/pull.err" ||
			fail "unclear error: $(cat "$T/pull.err")"
		[ ! -e "$T/w/evil" ] && [ ! -e "$T/w/sub/evil" ] && [ ! -e /tmp/evil ] ||
			fail "a file escaped the bundle"
	done
}

scenario_concurrent() {
	start_registry
	make_bundle "$T/b" 24
	"$J" bundle push "$T/b" "$REG/t/b:1" >/dev/null || fail "push"
	pids=""
	for i in 1 2 3; do
		pull --limit-rate 24M "$REG/t/b:1" "$T/out$i" >"$T/p$i.out" 2>"$T/p$i.log" &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p" || fail "a concurrent pull failed"; done
	for i in 1 2 3; do diff -r "$T/b" "$T/out$i" || fail "pull $i differs"; done
	[ "$(ls "$CACHE/bundles/sha256" | grep -vc tmp)" = 1 ] || fail "not exactly one view"
	ls "$CACHE/bundles/sha256" | grep -q tmp && fail "temp dirs left in the cache"
	ls "$CACHE/blobs/sha256/" | grep -q partial && fail "partial files left"
	return 0
}

scenario_resume() {
	start_registry
	make_bundle "$T/b" 16
	"$J" bundle push "$T/b" "$REG/t/b:1" >/dev/null || fail "push"
	hex=$(blob_hex "$T/b/data/J784S4XEVM.flasher.img")
	part=$CACHE/blobs/sha256/$hex.partial
	# a proxy that passes 2 MiB/s: the pull is killed half-way
	PPORT=$(free_port)
	python3 "$HERE/slow_proxy.py" "$PPORT" "$PORT" 2097152 >"$T/proxy.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$PPORT/v2/"
	"$J" bundle pull --cache-dir "$CACHE" "127.0.0.1:$PPORT/t/b:1" >/dev/null 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	deadline=$((SECONDS + 30))
	until [ -f "$part" ] && [ "$(stat -c %s "$part")" -ge 2097152 ]; do
		[ $SECONDS -lt $deadline ] || fail "the download never got 2 MiB far"
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	have=$(stat -c %s "$part")
	[ "$have" -lt 16777216 ] || fail "the pull finished before it was interrupted"
	[ -e "$CACHE/blobs/sha256/$hex" ] && fail "an interrupted blob is in the cache"
	"$J" -v bundle pull --cache-dir "$CACHE" "$REG/t/b:1" "$T/out" >/dev/null 2>"$T/resume.log" ||
		fail "resumed pull failed: $(cat "$T/resume.log")"
	grep -q "resuming data/J784S4XEVM.flasher.img at [1-9][0-9]* of 16777216" "$T/resume.log" ||
		fail "the pull did not resume: $(cat "$T/resume.log")"
	diff -r "$T/b" "$T/out" || fail "resumed files differ"
	[ ! -e "$part" ] || fail "the partial file is still there"
	# a partial file that is not a prefix of the blob: refused, then a clean retry
	rm -rf "$CACHE"
	mkdir -p "$CACHE/blobs/sha256"
	head -c 1048576 /dev/urandom >"$part"
	pull "$REG/t/b:1" 2>"$T/bad.err" && fail "a garbage partial was accepted"
	grep -q corrupt "$T/bad.err" || fail "unclear error: $(cat "$T/bad.err")"
	[ ! -e "$part" ] && [ ! -e "$CACHE/blobs/sha256/$hex" ] || fail "garbage kept in the cache"
	pull "$REG/t/b:1" "$T/out2" >/dev/null || fail "retry after a garbage partial"
	diff -r "$T/b" "$T/out2" || fail "retried files differ"
}

scenario_redirect() {
	start_registry
	make_bundle "$T/b" 2
	"$J" bundle push "$T/b" "$REG/t/b:1" >/dev/null || fail "push"
	FPORT=$(free_port)
	BPORT=$(free_port)
	python3 "$HERE/redirect_front.py" "$FPORT" "$BPORT" "$PORT" bob 'R3dir-pw' \
		>"$T/front.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$FPORT/v2/"
	"$J" -v bundle pull --cache-dir "$CACHE" -u bob -p 'R3dir-pw' "127.0.0.1:$FPORT/t/b:1" \
		"$T/out" >/dev/null 2>"$T/pull.log" || fail "pull through redirects failed: $(cat "$T/pull.log")"
	diff -r "$T/b" "$T/out" || fail "files differ"
	grep -q "307" "$T/front.log" || fail "the front never redirected"
	grep -q "LEAKED" "$T/front.log" && fail "credentials followed the redirect"
	grep -q "R3dir-pw" "$T/pull.log" && fail "the password was logged"
	# a redirect to file:// (a local file with the announced digest) is refused
	python3 "$HERE/file_redirect.py" "$J" "$T/cache-hostile" >"$T/hostile.log" 2>&1 ||
		fail "$(cat "$T/hostile.log")"
	return 0
}

# A registry's error message is outside text: shown escaped, on one line.
scenario_hostile() {
	local port
	port=$(free_port)
	python3 "$HERE/hostile_registry.py" "$port" 2>"$T/hostile.log" &
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$port/v2/"
	pull "127.0.0.1:$port/t/b:1" "$T/out" >/dev/null 2>"$T/pull.err" && fail "pulled from a 404"
	[ "$(wc -l <"$T/pull.err")" = 1 ] || fail "the error is not one line: $(cat -v "$T/pull.err")"
	LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/pull.err" &&
		fail "control bytes reached the terminal: $(cat -v "$T/pull.err")"
	grep -qF 'NAME_UNKNOWN: \x1b[2J\x1b]0;pwned\x07\nINFO  flasher' "$T/pull.err" ||
		fail "the registry's message is not shown escaped: $(cat -v "$T/pull.err")"
	[ ! -e "$T/out" ] || fail "an output directory was left"
}

scenario_tls() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.crt" -days 1 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
	# indented: a key under http:, so the registry speaks only TLS
	start_registry "  tls: {certificate: $T/tls.crt, key: $T/tls.key}"
	make_bundle "$T/b" 1
	"$J" bundle push "$T/b" "$REG/t/b:1" 2>"$T/untrusted.err" && fail "an untrusted cert was accepted"
	grep -q "TLS certificate is not trusted.*--cacert" "$T/untrusted.err" ||
		fail "unclear error: $(cat "$T/untrusted.err")"
	"$J" bundle push --cacert "$T/tls.crt" "$T/b" "$REG/t/b:1" >/dev/null 2>"$T/push.err" ||
		fail "push with --cacert failed: $(cat "$T/push.err")"
	pull -k "$REG/t/b:1" "$T/out" >/dev/null 2>"$T/pull.err" || fail "pull -k: $(cat "$T/pull.err")"
	diff -r "$T/b" "$T/out" || fail "files differ"
	skopeo inspect --raw --tls-verify=false "docker://$REG/t/b:1" |
		grep -q '"artifactType":"application/vnd.oci.bundle.v1"' || fail "skopeo over TLS"
	# --plain-http forces http: refused by a TLS-only registry
	pull --plain-http "$REG/t/b:1" 2>/dev/null && fail "--plain-http reached a TLS registry"
	return 0
}

"scenario_$scenario"
echo "ok: bundle $scenario"

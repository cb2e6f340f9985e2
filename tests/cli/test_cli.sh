#!/bin/bash
# Run the jmpflash binary the way a user does and check exit codes and output.
# Usage: test_cli.sh JMPFLASH TEST_DATA_DIR
set -u
jf=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# expect CODE PATTERN -- ARGS... : run, check exit code and that stdout+stderr
# match the extended regex PATTERN.
expect() {
	local code=$1 pattern=$2 out rc
	shift 3
	out=$("$jf" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$code" ] || ! grep -Eq -- "$pattern" <<<"$out"; then
		echo "FAIL: jmpflash $* -> exit $rc (want $code), output:"
		sed 's/^/    /' <<<"$out"
		echo "    (wanted /$pattern/)"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# refute PATTERN -- ARGS... : the output must not match PATTERN
refute() {
	local pattern=$1 out
	shift 2
	out=$("$jf" "$@" 2>&1)
	if grep -Eq -- "$pattern" <<<"$out"; then
		echo "FAIL: jmpflash $* printed /$pattern/"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

expect 0 '^jmpflash [0-9]+\.[0-9]+\.[0-9]+$' -- --version
expect 0 'Usage: jmpflash' -- --help
expect 2 'Usage: jmpflash' --
expect 2 "'frobnicate' is not a jmpflash command" -- frobnicate
expect 2 "unknown or incomplete option '--nope'" -- --nope config check
expect 2 "log-level takes debug, info, warn or error" -- --log-level loud config check

# config check: the seed's example prints its tree, secrets masked
ti="$data/exporter-ti-j784s4.yaml"
expect 0 'storage: flasher \[jumpstarter_driver_flashers.driver.TIJ784S4Flasher\]' -- -c "$ti" config check
expect 0 'flasher_bundle: quay.io/jumpstarter-dev/jumpstarter-flasher-ti-j784s4:latest' -- -c "$ti" config check
expect 0 'tftp: tftp server \[jmpflash.tftp\] \(auto-created\)' -- -c "$ti" config check
expect 0 '^token: \*\*\*$' -- -c "$ti" config check
expect 0 '^ok$' -- config check "$ti"
refute 'example-token-not-a-secret' -- -c "$ti" config check
snmp="$data/exporter-snmp-socket.yaml"
refute 'SECRET' -- -c "$snmp" config check
expect 0 'auth_key: \*\*\*' -- -c "$snmp" config check
expect 2 '-e nothing: no such export' -- -c "$ti" -e nothing config check
expect 0 'Validate an exporter YAML' -- config check --help
# a real lab's exporter: the flasher tree, and the exports jmpflash does not drive
lab="$data/exporter-lab.yaml"
expect 0 'uboot: u-boot console \[jumpstarter_driver_uboot.driver.UbootConsole\]' -- -c "$lab" config check
expect 0 '^ +prompt: J784S4# $' -- -c "$lab" config check
expect 0 '^not driven by jmpflash \(kept as they are\):$' -- -c "$lab" config check
expect 0 '^  gpio.boot_mode \[jumpstarter_driver_gpiod.driver.DigitalOutput\] \(line [0-9]+\)$' -- -c "$lab" config check
expect 0 'video: not driven by jmpflash \[jumpstarter_driver_ustreamer.driver.UStreamer\]' -- -c "$lab" config check
expect 0 '^ +config: \{channel: can0, interface: socketcan\}$' -- -c "$lab" config check
refute 'dutlink-admin-pw|lab-token' -- -c "$lab" config check
expect 2 "export 'video' is 'jumpstarter_driver_ustreamer.driver.UStreamer', which jmpflash does not drive; name a power switch" -- -c "$lab" -e video power on
expect 2 "export 'can0' is 'jumpstarter_driver_can.driver.Can', which jmpflash does not drive; name a serial console" -- -c "$lab" -e can0 serial

# bad configs: exit 2 with file:line:col
expect 2 "bad/ref-cycle.yaml:5:5: a: ref cycle" -- -c "$data/bad/ref-cycle.yaml" config check
expect 2 "bad/tabs.yaml:4:1: tab character" -- -c "$data/bad/tabs.yaml" config check
expect 2 "cannot open '$tmp/none.yaml': No such file or directory" -- -c "$tmp/none.yaml" config check
XDG_CONFIG_HOME=$tmp HOME=$tmp expect 2 "no exporter config given; pass -c" -- config check
mkdir -p "$tmp/jumpstarter/exporters" && cp "$ti" "$tmp/jumpstarter/exporters/default.yaml"
XDG_CONFIG_HOME=$tmp expect 0 "exporter ti-03 in namespace default from $tmp/jumpstarter/exporters/default.yaml" -- config check

# a secret that appears in a config error is masked
cat >"$tmp/leak.yaml" <<'YAML'
token: hunter2-token
export:
  s:
    type: jumpstarter_driver_pyserial.driver.PySerial
    config: {url: hunter2-token, baudrate: hunter2-token}
YAML
expect 2 "s.baudrate must be a whole number, not '\*\*\*'" -- -c "$tmp/leak.yaml" config check
refute 'hunter2' -- -c "$tmp/leak.yaml" config check

# bundle inspect: a complete local bundle, then one with files missing
b="$tmp/bundle"
mkdir -p "$b/data/dtbs"
cp "$data/manifest-ti-j784s4.yaml" "$b/manifest.yaml"
head -c 2097152 /dev/zero >"$b/data/J784S4XEVM.flasher.img"
echo dtb >"$b/data/dtbs/k3-j784s4-evm.dtb"
expect 0 'kernel   data/J784S4XEVM.flasher.img at 0x82000000  \[2.0 MiB\]' -- bundle inspect "$b"
expect 0 'usd      /sys/class/block#4fb0000  \(default\)' -- bundle inspect "$b"
expect 0 'variant k3-j784s4-evm \(default\): bootcmd booti 0x82000000 - 0x84000000' -- bundle inspect "$b"
# a password that is a word jmpflash writes masks the value, not the label
pb="$tmp/pwbundle"
cp -r "$b" "$pb"
sed -i 's/^    username: "root"$/    username: root\n    password: password/' "$pb/manifest.yaml"
expect 0 'user root, password \*\*\*, prompt' -- bundle inspect "$pb"
refute '\*\*\* \*\*\*' -- bundle inspect "$pb"
rm "$b/data/dtbs/k3-j784s4-evm.dtb"
expect 1 'dtb      data/dtbs/k3-j784s4-evm.dtb  \[MISSING\]' -- bundle inspect "$b"
expect 1 '1 file named by the manifest is not usable' -- bundle inspect "$b"
ln -s /etc/hostname "$b/data/dtbs/k3-j784s4-evm.dtb"
expect 1 'k3-j784s4-evm.dtb  \[OUTSIDE THE BUNDLE\]' -- bundle inspect "$b"
expect 2 "spec.kernel.file 'data/../../etc/shadow' must be a path inside the bundle" -- bundle inspect "$data/bad/m-dotdot.yaml"
expect 2 "manifest '../x' must be a relative path inside the bundle" -- bundle inspect -m ../x "$b"
expect 2 "bundle inspect takes one bundle directory" -- bundle inspect
expect 1 'password \*\*\*' -- bundle inspect "$data/manifest-test.yaml"
refute 's3cr3t-pw' -- bundle inspect "$data/manifest-test.yaml"

# every upstream `j storage flash` option is offered
for opt in --partition --os-image-checksum --os-image-checksum-file --force-exporter-http \
	--force-flash-bundle --console-debug --cacert --insecure-tls; do
	expect 0 -- "$opt" -- storage flash --help
done
expect 0 'bootloader-shell +Start a uboot/bootloader interactive console' -- storage --help
expect 0 '--console-debug' -- storage busybox-shell --help

expect 2 "unknown option '--bogus'; see 'jmpflash storage flash --help'" -- storage flash --bogus
# storage flash: flags are checked before anything is touched
expect 2 "flash needs an image \(FILE or URL\) or -t PART:FILE" -- -c "$ti" storage flash
expect 2 "--retries takes a whole number from 0 to 20, not 'many'" -- -c "$ti" storage flash --retries many x.img
expect 2 "--method takes shell, agent or fls, not 'magic'" -- -c "$ti" storage flash --method magic x.img
expect 2 "-t takes PART:FILE \(a partition label and an image\), not 'rootfs'" -- -c "$ti" storage flash -t rootfs
expect 2 "give --os-image-checksum or --os-image-checksum-file, not both" -- -c "$ti" storage flash --os-image-checksum a --os-image-checksum-file b x.img
expect 2 "flash takes one image" -- -c "$ti" storage flash a.img b.img
expect 2 "--uboot-timeout takes a whole number from 0 to 86400" -- -c "$ti" storage flash --uboot-timeout -1 x.img
expect 2 "--boot-timeout takes a whole number from 0 to 86400" -- -c "$ti" storage flash --boot-timeout soon x.img
expect 0 "--boot-timeout SECONDS" -- storage flash --help
# --help prints the defaults `config check` shows for an exporter that sets
# none of them: both come from the one config schema (each default in --help
# is checked against its source by tests/unit/test_cli_help.c)
schema_default() { "$jf" -c "$ti" config check | sed -n "s/^ *$1: \(.*\)  (default)\$/\1/p" | head -n 1; }
for k in uboot-timeout:uboot_timeout boot-timeout:boot_timeout; do
	def=$(schema_default "${k#*:}")
	expect 0 "--${k%%:*} SECONDS .*\(default ${def:-NONE}\)" -- storage flash --help
done
def=$(schema_default manifest)
expect 0 "--manifest NAME .*\(default ${def:-NONE}\)" -- bundle inspect --help
def=$(schema_default port) # the tftp child's comes first
expect 0 "--tftp-port N .*\(default ${def:-NONE};" -- serve --help
expect 2 "bootloader-shell takes no arguments" -- -c "$ti" storage bootloader-shell extra


# bundle pull/push (registry behaviour: tests/integration/bundle.sh)
expect 0 '--offline' -- bundle pull --help
expect 0 '--password-stdin' -- bundle push --help
expect 2 'usage: jmpflash bundle pull' -- bundle pull
expect 2 'usage: jmpflash bundle push' -- bundle push "$b"
expect 2 "invalid OCI reference 'Bad/Ref'" -- bundle push "$b" Bad/Ref
expect 2 'has no readable manifest.yaml' -- bundle push "$tmp" 127.0.0.1:1/x:y
expect 2 'was never pulled into' -- bundle pull --offline --cache-dir "$tmp/c" 127.0.0.1:1/x:y
expect 2 '--username and --password go together' -- bundle pull -u me 127.0.0.1:1/x:y
expect 2 'is already a bundle directory' -- bundle pull --cache-dir "$tmp/c" "$b" "$tmp/copy"
expect 0 "^$b\$" -- bundle pull --cache-dir "$tmp/c" "$b"
# serve works (tests/integration/{tftp,http}_clients.sh); here only its usage
expect 2 'serve needs --tftp-root DIR, --http-root DIR or both' -- serve
expect 2 '--tftp-port takes a port number 0..65535' -- serve --tftp-root . --tftp-port 70000
expect 0 '--allow-upload' -- serve --help
expect 2 "'zap' is not a command of 'jmpflash power'" -- power zap

# power with a command driver: real commands, their stderr in errors
cat >"$tmp/power.yaml" <<EOF
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: lab, namespace: default}
endpoint: grpc.example:443
token: abc-token
export:
  power:
    type: jmpflash.power.command
    config:
      on: echo on > $tmp/relay
      off: echo off > $tmp/relay
      state: cat $tmp/relay
      off_time: 0.1
  stuck:
    type: jmpflash.power.command
    config:
      on: echo 'relay 4 is stuck' >&2; exit 3
      off: 'true'
EOF
expect 0 'Powering on' -- -c "$tmp/power.yaml" -e power power on
expect 0 '^on$' -- -c "$tmp/power.yaml" -e power power state
expect 0 'Starting power cycle sequence' -- -c "$tmp/power.yaml" power cycle --export power
expect 0 'Waiting 0.1 seconds' -- -c "$tmp/power.yaml" power cycle --export power
expect 0 'Power cycle sequence complete' -- -c "$tmp/power.yaml" power cycle --export power
expect 0 'Powering off' -- -c "$tmp/power.yaml" -e power power off
expect 0 '^off$' -- -c "$tmp/power.yaml" -e power power state
expect 1 'failed \(exit code 3\): relay 4 is stuck' -- -c "$tmp/power.yaml" -e stuck power on
expect 2 'has 2 power switch drivers; pick one with -e NAME' -- -c "$tmp/power.yaml" power on
expect 2 "no export 'nope'" -- -c "$tmp/power.yaml" -e nope power on
expect 2 '--off-time takes seconds' -- -c "$tmp/power.yaml" -e power power cycle --off-time x
expect 0 '--log FILE' -- serial --help
expect 2 'no serial console found' -- -c "$tmp/power.yaml" serial

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

# Sourced by the e2e and LAVA scripts: the virtual board's exporter YAML.
#   vb_exporter FILE NAME STATE_DIR RUN_DIR BUNDLE_DIR POWER_COMMAND [FLASHER_EXTRA]
# STATE_DIR holds (or, with `shared_server: true` in FLASHER_EXTRA, is the
# parent of the shared server's) tftp/, www/ and cache/; RUN_DIR the board's
# disks, console and monitor sockets; POWER_COMMAND a YAML list. The HTTP
# server listens on every address: QEMU's 10.0.2.2 arrives on the loopback.
vb_exporter() {
	local file=$1 name=$2 state=$3 run=$4 bundle=$5 power=$6 extra=${7:-}
	cat >"$file" <<YAML
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: $name, namespace: test}
export:
  storage:
    type: jumpstarter_driver_flashers.driver.BaseFlasher
    config:
      flasher_bundle: $bundle
      cache_dir: $state/cache
      tftp_dir: $state/tftp
      http_dir: $state/www
${extra:+      $extra
}    children:
      serial: {ref: serial}
      power: {ref: power}
      tftp:
        type: jumpstarter_driver_tftp.driver.Tftp
        config: {root_dir: $state/tftp, host: 127.0.0.1, port: 69}
      http:
        type: jumpstarter_driver_http.driver.HttpServer
        config: {root_dir: $state/www, host: 10.0.2.2, port: 8080, bind: all}
  serial:
    type: jumpstarter_driver_pyserial.driver.PySerial
    config: {url: $run/console.sock}
  power:
    type: jmpflash.power.qemu
    config:
      command: $power
      monitor: $run/monitor.sock
YAML
}

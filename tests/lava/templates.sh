#!/bin/sh
# lava-server's device-type templates (base.jinja2 & co), which a device
# dictionary extends, without installing the server: the package is fetched
# with apt-get download and unpacked with dpkg-deb into DIR (cached: nothing
# is fetched when DIR already has them).
#   tests/lava/templates.sh DIR
set -eu
dir=${1:?usage: templates.sh DIR}
types=$dir/usr/share/lava-server/device-types
[ -f "$types/base.jinja2" ] && { echo "lava templates: up to date: $types"; exit 0; }
mkdir -p "$dir/deb"
cd "$dir/deb"
rm -f lava-server_*.deb
apt-get download lava-server >/dev/null 2>&1 || apt-get download lava-server
dpkg-deb -x lava-server_*.deb "$dir"
rm -f lava-server_*.deb
[ -f "$types/base.jinja2" ] || { echo "templates.sh: no base.jinja2 in lava-server" >&2; exit 1; }
echo "lava templates: $types"

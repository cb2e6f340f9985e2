#!/bin/sh
# Run a command in a network namespace of its own with loopback up, so a
# test can bind fixed ports (TFTP's 69) beside other tests. Needs root (or
# user namespaces: then it maps the caller to root).
set -eu
if [ "$(id -u)" -eq 0 ]; then
	exec unshare -n sh -c 'ip link set lo up && exec "$@"' netns "$@"
fi
exec unshare -rn sh -c 'ip link set lo up && exec "$@"' netns "$@"

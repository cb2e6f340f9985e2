#!/bin/sh
# A test CA and a server certificate it signs, for the TLS tests and the
# bench: DIR/ca.pem, DIR/srv.pem, DIR/srv.key, valid for a day, for the IP
# addresses given (the first one is also the certificate's CN).
#   test_ca.sh DIR IP...
set -eu
dir=$1
shift
san=$(printf 'IP:%s,' "$@")
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 1 \
	-subj /CN=jf-test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$dir/srv.key" -out "$dir/srv.csr" -subj "/CN=$1" \
	2>/dev/null
printf 'subjectAltName=%s\n' "${san%,}" >"$dir/san.ext"
openssl x509 -req -in "$dir/srv.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
	-out "$dir/srv.pem" -days 1 -extfile "$dir/san.ext" 2>/dev/null

#!/usr/bin/python3
"""An https file server for the TLS tests and the bench. Usage:
https_server.py DIR PORT CERT KEY [ADDR]

Serves DIR on ADDR:PORT (default 0.0.0.0) with Python's own TLS (OpenSSL),
a thread per connection, until killed."""
import functools
import http.server
import ssl
import sys

handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer((sys.argv[5] if len(sys.argv) > 5 else "0.0.0.0",
                                          int(sys.argv[2])), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()

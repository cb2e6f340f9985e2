#!/usr/bin/python3
"""A registry front for the redirect test. Usage:
redirect_front.py PORT BLOBPORT REGPORT USER PASSWORD

On PORT: every /v2/ request needs Basic USER:PASSWORD (else 401 with a Basic
challenge); manifests are proxied to the registry on REGPORT; blob GETs are
answered with a 307 to BLOBPORT on "localhost" (another origin). On BLOBPORT:
blobs are proxied from the registry, but a request carrying an Authorization
header is refused with 400, so a pull only succeeds when the client kept its
credentials to itself."""
import base64
import http.server
import sys
import threading
import urllib.error
import urllib.request

PORT, BLOBPORT, REGPORT = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
GOOD = "Basic " + base64.b64encode((sys.argv[4] + ":" + sys.argv[5]).encode()).decode()


def proxy(handler, path):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (REGPORT, path),
                                 headers={"Accept": handler.headers.get("Accept", "*/*")})
    try:
        with urllib.request.urlopen(req) as r:
            status, headers, body = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, headers, body = e.code, e.headers, e.read()
    handler.send_response(status)
    for k in ("Content-Type", "Docker-Content-Digest"):
        if headers.get(k):
            handler.send_header(k, headers[k])
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Front(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("front: " + (fmt % args) + "\n")

    def do_GET(self):
        if self.headers.get("Authorization") != GOOD:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="front"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "/blobs/" in self.path:
            self.send_response(307)
            self.send_header("Location", "http://localhost:%d%s" % (BLOBPORT, self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        proxy(self, self.path)


class Blobs(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("blobs: " + (fmt % args) + "\n")

    def do_GET(self):
        if self.headers.get("Authorization"):
            sys.stderr.write("blobs: LEAKED credentials\n")
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        proxy(self, self.path)


blobs = http.server.ThreadingHTTPServer(("127.0.0.1", BLOBPORT), Blobs)
threading.Thread(target=blobs.serve_forever, daemon=True).start()
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Front).serve_forever()

#!/usr/bin/python3
"""A registry that answers every request with HTTP 404 and an OCI error whose
message holds terminal escapes and a forged log line. Usage:
hostile_registry.py PORT"""
import http.server
import json
import sys

BODY = json.dumps({"errors": [{
    "code": "NAME_UNKNOWN",
    "message": "\x1b[2J\x1b]0;pwned\x07\nINFO  flasher: Flashing completed\r"}]}).encode()


class Hostile(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("hostile: " + (fmt % args) + "\n")

    def do_GET(self):
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(BODY)

    do_HEAD = do_GET


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hostile).serve_forever()

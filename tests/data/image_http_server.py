#!/usr/bin/env python3
"""A small HTTP server for test_image_fetch: http.server over DIR on
127.0.0.1 with an ephemeral port (printed as "PORT n" once listening), plus
/private/ (needs X-Token), /bearer/ (needs a Bearer token), /redirect and
/short (promises more bytes than it sends)."""
import http.server
import sys

ROOT = sys.argv[1]


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=ROOT, **k)

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.startswith("/private/"):
            if self.headers.get("X-Token") != "s3cret-hdr":
                self.send_error(403)
                return
            self.path = self.path[len("/private"):]
        elif self.path.startswith("/bearer/"):
            if self.headers.get("Authorization") != "Bearer t0ken-xyz":
                self.send_error(401)
                return
            self.path = self.path[len("/bearer"):]
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/file.xz")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        elif self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.close_connection = True
            return
        super().do_GET()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", srv.server_address[1], flush=True)
srv.serve_forever()

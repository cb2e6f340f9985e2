#!/usr/bin/python3
"""Two origins for the agent's redirect test. Usage:
header_origin.py PORT_A PORT_B FILE HEADER

PORT_A answers GET with 401 unless the request carries HEADER ("Name: value"),
and with a 302 to PORT_B (another origin) when it does. PORT_B serves FILE,
but refuses with 400 a request that carries the header's name: a download
only succeeds when the client kept the header to the origin it was given for.
Prints "ready" when both listen."""
import http.server
import sys
import threading

PORT_A, PORT_B, FILE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
NAME, VALUE = (x.strip() for x in sys.argv[4].split(":", 1))


class A(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        if self.headers.get(NAME) != VALUE:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.1:%d%s" % (PORT_B, self.path))
        self.send_header("Content-Length", "0")
        self.end_headers()


class B(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        body = open(FILE, "rb").read()
        leaked = self.headers.get(NAME) is not None
        self.send_response(400 if leaked else 200)
        self.send_header("Content-Length", "0" if leaked else str(len(body)))
        self.end_headers()
        if not leaked:
            self.wfile.write(body)


servers = [http.server.ThreadingHTTPServer(("127.0.0.1", p), h) for p, h in ((PORT_A, A), (PORT_B, B))]
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
servers[0].serve_forever()

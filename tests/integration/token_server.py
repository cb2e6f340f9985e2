#!/usr/bin/python3
"""A tiny registry token server for the bundle integration tests.

Usage: token_server.py PORT KEY.pem CERT.pem ISSUER USER PASSWORD
GET /token?service=S&scope=repository:NAME:ACTIONS answers {"token": JWT}:
valid Basic credentials get the actions asked for, no credentials get
"pull" only, wrong credentials get 401. The JWT is RS256, signed with KEY
(via openssl), with CERT in its x5c header as the distribution registry's
token auth expects (rootcertbundle = CERT).
"""
import base64
import http.server
import json
import subprocess
import sys
import time
import urllib.parse

PORT, KEY, CERT, ISSUER, USER, PASSWORD = sys.argv[1:7]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der():
    out = subprocess.run(["openssl", "x509", "-in", CERT, "-outform", "DER"],
                         check=True, capture_output=True)
    return base64.b64encode(out.stdout).decode()


X5C = cert_der()


def sign(service, subject, access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [X5C]}
    claims = {"iss": ISSUER, "sub": subject, "aud": service, "exp": now + 300,
              "nbf": now - 10, "iat": now, "jti": str(now) + subject, "access": access}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing_input,
                         check=True, capture_output=True).stdout
    return signing_input.decode() + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("token: " + (fmt % args) + "\n")

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/token":
            self.send_error(404)
            return
        q = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        subject = ""
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if (user, pw) != (USER, PASSWORD):
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            subject = user
        access = []
        for scope in q.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            granted = actions.split(",") if subject else ["pull"]
            access.append({"type": kind, "name": name,
                           "actions": [a for a in actions.split(",") if a in granted]})
        body = json.dumps({"token": sign(q.get("service", [""])[0], subject, access),
                           "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.HTTPServer(("127.0.0.1", int(PORT)), Handler).serve_forever()

#!/usr/bin/python3
"""A hostile registry: its manifest names a local file's exact digest and its
blob GETs redirect to file:// that file. Usage: file_redirect.py JMPFLASH CACHE
Exits 0 when jmpflash refuses to follow (and caches nothing), 1 otherwise."""
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading

TARGET = "/etc/hostname" if os.path.exists("/etc/hostname") else "/etc/passwd"
data = open(TARGET, "rb").read()
digest = "sha256:" + hashlib.sha256(data).hexdigest()
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2,
               "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
    "layers": [{"mediaType": "application/yaml", "digest": digest, "size": len(data),
                "annotations": {"org.opencontainers.image.title": "manifest.yaml"}}]}).encode()


class Hostile(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        if "/manifests/" in self.path:
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Content-Length", str(len(manifest)))
            self.end_headers()
            self.wfile.write(manifest)
            return
        self.send_response(307)
        self.send_header("Location", "file://" + TARGET)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.HTTPServer(("127.0.0.1", 0), Hostile)
threading.Thread(target=server.serve_forever, daemon=True).start()
ref = "127.0.0.1:%d/hostile/x:y" % server.server_address[1]
r = subprocess.run([sys.argv[1], "bundle", "pull", "--plain-http", "--cache-dir", sys.argv[2],
                    ref], capture_output=True, text=True, timeout=60)
blob = os.path.join(sys.argv[2], "blobs", "sha256", digest[7:])
if r.returncode == 0 or os.path.exists(blob):
    print("jmpflash followed a redirect to file://:", r.stdout, r.stderr)
    sys.exit(1)
print("refused:", r.stderr.strip())

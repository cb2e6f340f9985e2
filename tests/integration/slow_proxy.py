#!/usr/bin/python3
"""A TCP proxy that passes server-to-client bytes at about RATE bytes/s (0:
as fast as they come), so a test can interrupt a download half-way; with CUT
and CUTS, each of its first CUTS connections is cut after CUT bytes from the
server, so a client has to resume. Prints "ready" once listening.
Usage: slow_proxy.py PORT TARGET_PORT RATE [CUT CUTS]"""
import socket
import sys
import threading
import time

PORT, TARGET, RATE = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
CUT, CUTS = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (0, 0)
CHUNK = 16384
lock = threading.Lock()
seen = [0]


def pipe(src, dst, slow, limit=None):
    sent = 0
    try:
        while limit is None or sent < limit:
            data = src.recv(CHUNK if limit is None else min(CHUNK, limit - sent))
            if not data:
                break
            dst.sendall(data)
            sent += len(data)
            if slow and RATE:
                time.sleep(len(data) / RATE)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    with lock:
        seen[0] += 1
        limit = CUT if seen[0] <= CUTS else None
    try:
        upstream = socket.create_connection(("127.0.0.1", TARGET))
    except OSError:  # the server is down (a restart test): the client sees a close
        client.close()
        return
    threading.Thread(target=pipe, args=(client, upstream, False), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, True, limit), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(16)
print("ready", flush=True)
while True:
    conn, _ = listener.accept()
    serve(conn)

#!/usr/bin/python3
"""A TCP proxy that cuts each of its first CUTS connections after CUT bytes
from the server, so a client has to resume. Usage: cut_proxy.py PORT
TARGET_PORT CUT CUTS. Prints "ready" once listening."""
import socket
import sys
import threading

PORT, TARGET, CUT, CUTS = (int(a) for a in sys.argv[1:5])
lock = threading.Lock()
seen = [0]


def pipe(src, dst, limit):
    sent = 0
    try:
        while limit is None or sent < limit:
            data = src.recv(65536 if limit is None else min(65536, limit - sent))
            if not data:
                break
            dst.sendall(data)
            sent += len(data)
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
    except OSError:
        client.close()
        return
    threading.Thread(target=pipe, args=(client, upstream, None), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, limit), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(16)
print("ready", flush=True)
while True:
    conn, _ = listener.accept()
    serve(conn)

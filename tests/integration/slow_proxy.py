#!/usr/bin/python3
"""A TCP proxy that passes server-to-client bytes at about RATE bytes/s, so a
test can interrupt a download half-way. Usage: slow_proxy.py PORT TARGET_PORT RATE"""
import socket
import sys
import threading
import time

PORT, TARGET, RATE = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
CHUNK = 16384


def pipe(src, dst, slow):
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            dst.sendall(data)
            if slow:
                time.sleep(len(data) / RATE)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    try:
        upstream = socket.create_connection(("127.0.0.1", TARGET))
    except OSError:  # the server is down (a restart test): the client sees a close
        client.close()
        return
    threading.Thread(target=pipe, args=(client, upstream, False), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, True), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(16)
while True:
    conn, _ = listener.accept()
    serve(conn)

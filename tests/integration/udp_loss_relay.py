#!/usr/bin/env python3
"""A UDP relay for TFTP that drops a share of the packets in both directions.

usage: udp_loss_relay.py SERVER_PORT LOSS SEED [PORT]
Prints "relay PORT" once listening on 127.0.0.1:PORT (PORT, else any free one). A client sends its
request to PORT; the relay forwards it to the server and gives every server
transfer ID (source port) its own client-facing port, as TFTP expects. The
first packet of a client (its request) and the first packet each way of a
transfer (OACK or DATA 1, and its ACK) are never dropped: a lost request
costs the client's own 5 s timeout, and atftp aborts ("unexpected OACK")
when a lost ACK 0 makes the server repeat its OACK, which is atftp's
weakness, not the server's. After that each packet is dropped with
probability LOSS. Runs until killed.
"""
import random
import select
import signal
import socket
import sys

HOST = "127.0.0.1"


def main():
    server_port, loss, seed = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind((HOST, int(sys.argv[4]) if len(sys.argv) > 4 else 0))
    ups = {}     # client addr -> socket facing the server
    up_owner = {}  # server-facing socket -> client addr
    faces = {}   # (client addr, server port) -> client-facing socket
    face_route = {}  # client-facing socket -> (server-facing socket, server addr)
    dropped = [0, 0]
    seen = set()  # (face socket, direction) that already passed a packet
    print("relay %d" % front.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (print("dropped %d down, %d up" % tuple(dropped),
                                                    file=sys.stderr, flush=True), sys.exit(0)))
    while True:
        socks = [front] + list(up_owner) + list(face_route)
        for s in select.select(socks, [], [])[0]:
            data, addr = s.recvfrom(70000)
            if s is front:
                if addr not in ups:
                    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    up.bind((HOST, 0))
                    ups[addr], up_owner[up] = up, addr
                ups[addr].sendto(data, (HOST, server_port))
            elif s in up_owner:
                client = up_owner[s]
                key = (client, addr[1])
                if key not in faces:
                    face = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    face.bind((HOST, 0))
                    faces[key], face_route[face] = face, (s, addr)
                face = faces[key]
                if (face, 0) in seen and rng.random() < loss:
                    dropped[0] += 1
                    continue
                seen.add((face, 0))
                face.sendto(data, client)
            else:
                up, server = face_route[s]
                if (s, 1) in seen and rng.random() < loss:
                    dropped[1] += 1
                    continue
                seen.add((s, 1))
                up.sendto(data, server)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass

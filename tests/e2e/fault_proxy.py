#!/usr/bin/env python3
"""A stream proxy that misbehaves on command, for fault injection (the
kernel here has no netem). Each accepted connection is relayed to TARGET;
what flows from TARGET to the client can be stalled or cut.

usage: fault_proxy.py LISTEN TARGET MODE [ARGS...]
  LISTEN, TARGET: tcp:PORT (127.0.0.1) or unix:PATH. A unix TARGET that does
  not exist yet is waited for (up to 60 s): QEMU makes its console socket
  only once it runs.
  MODE stall BYTES SECS: pause SECS after every BYTES bytes.
  MODE cut BYTES:        close the first connection after BYTES bytes; later
                         connections pass untouched.
  MODE cut-on TEXT...:   close the connection when TEXT goes by, each TEXT
                         once, in order (e.g. a boot message, then "jf-pos=").
Prints "listening" when ready; logs each fault to stderr. Runs until killed.
"""
import os
import socket
import sys
import threading
import time

LISTEN, TARGET, MODE, ARGS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
state = {"conns": 0, "cuts": list(ARGS) if MODE == "cut-on" else []}
lock = threading.Lock()


def addr(spec):
    kind, _, where = spec.partition(":")
    if kind == "tcp":
        return socket.AF_INET, ("127.0.0.1", int(where))
    return socket.AF_UNIX, where


def connect_target():
    family, where = addr(TARGET)
    deadline = time.monotonic() + 60
    while True:
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect(where)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def close_both(a, b):
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def upstream(client, target):
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    close_both(client, target)


def downstream(client, target, first):
    passed, window = 0, b""
    try:
        while True:
            data = target.recv(16384)
            if not data:
                break
            if MODE == "cut" and first and passed + len(data) >= int(ARGS[0]):
                client.sendall(data[: int(ARGS[0]) - passed])
                print("fault_proxy: cut after %s bytes" % ARGS[0], file=sys.stderr, flush=True)
                break
            if MODE == "cut-on":
                window = (window + data)[-4096:]
                with lock:
                    text = state["cuts"][0].encode() if state["cuts"] else None
                    if text and text in window:
                        state["cuts"].pop(0)
                        client.sendall(data)
                        print("fault_proxy: cut at %r" % text, file=sys.stderr, flush=True)
                        break
            client.sendall(data)
            passed += len(data)
            if MODE == "stall" and passed // int(ARGS[0]) != (passed - len(data)) // int(ARGS[0]):
                time.sleep(float(ARGS[1]))
    except OSError:
        pass
    close_both(client, target)


def main():
    family, where = addr(LISTEN)
    srv = socket.socket(family, socket.SOCK_STREAM)
    if family == socket.AF_INET:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    elif os.path.exists(where):
        os.unlink(where)
    srv.bind(where)
    srv.listen(8)
    print("listening", flush=True)
    while True:
        client, _ = srv.accept()
        with lock:
            state["conns"] += 1
            first = state["conns"] == 1
        try:
            target = connect_target()
        except OSError:
            client.close()
            continue
        threading.Thread(target=upstream, args=(client, target), daemon=True).start()
        threading.Thread(target=downstream, args=(client, target, first), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass

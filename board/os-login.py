#!/usr/bin/env python3
"""Log in to the demo OS (board/mkos.sh) on the virtual board's serial
console and print the id of the image it booted (/etc/jf-os-id).

    board/os-login.py CONSOLE_SOCK PASSWORD [TIMEOUT_S]

Exit 0 with the id on stdout; 1 with the console's last words when no login
came within the timeout (default 180 s: a board under load boots slowly)."""
import re
import socket
import sys
import time


def main():
    path, password = sys.argv[1], sys.argv[2]
    deadline = time.monotonic() + float(sys.argv[3] if len(sys.argv) > 3 else 180)
    s = socket.socket(socket.AF_UNIX)
    while True:
        try:
            s.connect(path)
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"os-login: cannot connect to {path}")
            time.sleep(0.1)
    s.settimeout(0.5)
    seen, step, quiet_since = b"", "login", time.monotonic()
    while time.monotonic() < deadline:
        try:
            data = s.recv(4096)
            if not data:
                break
            seen += data
            quiet_since = time.monotonic()
        except socket.timeout:
            pass
        now = time.monotonic()
        if step == "login" and b"\n=> " in seen:
            break  # U-Boot's prompt: autoboot found nothing to boot
        # What it printed before we connected is gone: ask getty again, but
        # only once the console is quiet (a key would stop U-Boot's autoboot).
        if step == "login" and b"login:" not in seen and now - quiet_since > 8:
            s.sendall(b"\r")
            quiet_since = now
        if step == "login" and b"login:" in seen:
            s.sendall(b"root\r")
            step, seen = "password", b""
        elif step == "password" and b"assword:" in seen:
            s.sendall(password.encode() + b"\r")
            step, seen = "shell", b""
        elif step == "shell" and b"os# " in seen:
            s.sendall(b"echo id=$(cat /etc/jf-os-id)=\r")
            step, seen = "id", b""
        elif step == "id" and re.search(rb"\nid=([0-9A-Za-z]+)=", seen):
            print(re.search(rb"\nid=([0-9A-Za-z]+)=", seen).group(1).decode())
            return 0
    print(f"os-login: no login within the time (step {step}); last output:", file=sys.stderr)
    print(seen[-800:].decode(errors="replace"), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

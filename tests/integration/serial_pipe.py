#!/usr/bin/env python3
"""`jmpflash serial` with pipes on stdin and stdout (as LAVA or a script runs
it): every byte value passes both ways untouched (Ctrl-B three times too), no
banner reaches stdout, EOF on stdin does not end the session, SIGTERM does.
With --reconnect it waits for a console that is not there yet and comes back
after the console went away (a power-cycled board, QEMU restarted). With
--pipe on a terminal (LAVA's pexpect gives it a pty) it is the same byte pipe:
raw mode, no banner, Ctrl-B three times passed on.

    serial_pipe.py JMPFLASH
"""
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

jf = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="jf-pipe-")
sock_path = os.path.join(tmp, "console.sock")
cfg = os.path.join(tmp, "exporter.yaml")
with open(cfg, "w") as f:
    f.write(f"""apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {{name: pipeboard}}
export:
  serial:
    type: jumpstarter_driver_pyserial.driver.PySerial
    config: {{url: {sock_path}}}
""")
env = dict(os.environ, JMPFLASH_LOCK_DIR=os.path.join(tmp, "locks"))
board = socket.socket(socket.AF_UNIX)
board.bind(sock_path)
board.listen(1)
proc = subprocess.Popen([jf, "-c", cfg, "serial"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def read_exact(fd_read, n, what, timeout=10):
    """Collect n bytes with a deadline."""
    got = b""
    deadline = time.monotonic() + timeout
    while len(got) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd_read], [], [], left)[0]:
            failures.append(f"{what}: timed out with {len(got)} of {n} bytes")
            return got
        chunk = os.read(fd_read, n - len(got)) if isinstance(fd_read, int) else fd_read.recv(n - len(got))
        if not chunk:
            failures.append(f"{what}: EOF after {len(got)} of {n} bytes")
            return got
        got += chunk
    return got


def terminate(p, what):
    """SIGTERM must end jmpflash serial within 10 s; returns its exit code."""
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        failures.append(f"SIGTERM did not end jmpflash serial ({what})")
        return None


board.settimeout(10)
conn, _ = board.accept()
every = bytes(range(256)) + b"\x02\x02\x02 after the escape sequence\r\n"
# host -> board
proc.stdin.write(every)
proc.stdin.flush()
heard = read_exact(conn, len(every), "board side")
check(heard == every, "the board did not get every byte value untouched")
# board -> host
conn.sendall(every)
seen = read_exact(proc.stdout.fileno(), len(every), "stdout")
check(seen == every, "stdout did not get the board's bytes untouched (banner or changes)")
# EOF on stdin: the session goes on
proc.stdin.close()
conn.sendall(b"still here\n")
seen = read_exact(proc.stdout.fileno(), 11, "stdout after stdin EOF")
check(seen == b"still here\n", "the session ended with stdin's EOF")
check(proc.poll() is None, "jmpflash serial exited on stdin EOF")
# SIGTERM ends it promptly
rc = terminate(proc, "a byte pipe")
err = proc.stderr.read().decode(errors="replace")
check("connected to" not in err, "a banner was printed for a pipe")
check(rc == 1, f"exit code after SIGTERM {rc}, wanted 1 (interrupted)")
conn.close()
board.close()
os.unlink(sock_path)

# --reconnect: started before the console exists, survives it going away
proc = subprocess.Popen([jf, "-c", cfg, "serial", "--reconnect"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
for round_ in (b"first boot\n", b"after the power cycle\n"):
    board = socket.socket(socket.AF_UNIX)
    board.bind(sock_path)
    board.listen(1)
    board.settimeout(15)
    try:
        conn, _ = board.accept()
    except socket.timeout:
        failures.append(f"--reconnect never connected for {round_!r}")
        break
    conn.sendall(round_)
    seen = read_exact(proc.stdout.fileno(), len(round_), f"--reconnect {round_!r}")
    check(seen == round_, f"--reconnect: got {seen!r}, wanted {round_!r}")
    check(proc.poll() is None, "--reconnect: jmpflash serial exited when the console closed")
    conn.close()
    board.close()
    os.unlink(sock_path)
terminate(proc, "--reconnect")
err += proc.stderr.read().decode(errors="replace")

# --pipe on a pty, as pexpect runs it
import pty  # noqa: E402
board = socket.socket(socket.AF_UNIX)
board.bind(sock_path)
board.listen(1)
board.settimeout(10)
master, slave = pty.openpty()
proc = subprocess.Popen([jf, "-c", cfg, "serial", "--pipe"], stdin=slave, stdout=slave,
                        stderr=slave, env=env)
os.close(slave)
conn, _ = board.accept()
# the terminal is put in raw mode once jmpflash is connected (bounded wait)
import termios  # noqa: E402
deadline = time.monotonic() + 10
while termios.tcgetattr(master)[3] & (termios.ICANON | termios.ECHO | termios.ISIG):
    if time.monotonic() > deadline:
        failures.append("--pipe: the terminal was never put in raw mode")
        break
    time.sleep(0.02)
typed = b"ls\r\x02\x02\x02x\x03\r"
os.write(master, typed)
heard = read_exact(conn, len(typed), "--pipe: board side")
check(heard == typed, f"--pipe on a pty: the board got {heard!r}, wanted {typed!r} (raw, no escape)")
check(proc.poll() is None, "--pipe on a pty: Ctrl-B three times ended the session")
conn.sendall(b"=> ")
seen = read_exact(master, 3, "--pipe: terminal side")
check(seen == b"=> ", f"--pipe on a pty: the terminal got {seen!r} (a banner?)")
terminate(proc, "--pipe")
os.close(master)
conn.close()
board.close()
for f in failures:
    print("FAIL:", f)
    print("stderr:", err)
print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)

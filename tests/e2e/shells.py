#!/usr/bin/env python3
"""e2e: `jmpflash storage bootloader-shell` and `busybox-shell` under a pty,
as a user at a terminal: type a command, see its answer, leave with Ctrl-B
three times, and the board is off again.

    shells.py JMPFLASH EXPORTER_YAML RUNDIR   (inside tests/e2e/netns.sh)"""
import os, pty, re, select, subprocess, sys, time

jf, exporter, run = sys.argv[1:4]


def session(cmd, ready, probe, want):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(jf, [jf, "-c", exporter, "storage", cmd])
    buf = b""

    def expect(pattern, secs):
        nonlocal buf
        end = time.monotonic() + secs
        while time.monotonic() < end:
            m = re.search(pattern, buf)
            if m:
                buf = buf[m.end():]
                return True
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                buf += data
        print(f"FAIL ({cmd}): no {pattern!r}; last output:\n{buf[-1500:].decode(errors='replace')}")
        print("0 passed, 1 failed")
        os.kill(pid, 9)
        sys.exit(1)

    expect(rb"Leave the \w+ with Ctrl-B three times", 30)
    expect(ready, 90)
    os.write(fd, probe)
    expect(want, 30)
    os.write(fd, b"\x02\x02\x02")
    _, status = os.waitpid(pid, 0)
    if os.WEXITSTATUS(status) != 0:
        print(f"FAIL ({cmd}): exit {os.WEXITSTATUS(status)}\n{buf[-1500:].decode(errors='replace')}")
        sys.exit(1)
    if subprocess.run(["pgrep", "-f", f"{run}/console.sock"], capture_output=True).returncode == 0:
        print(f"FAIL ({cmd}): QEMU still runs after the shell ended")
        sys.exit(1)


session("bootloader-shell", rb"=> ", b"version\r", rb"U-Boot 20\d\d")
session("busybox-shell", rb"# ", b"cat /proc/partitions\r", rb"vdb")
print("2 passed, 0 failed")

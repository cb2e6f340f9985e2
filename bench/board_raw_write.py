#!/usr/bin/env python3
"""The board's raw write limit: in a busybox shell of the virtual board
(jmpflash storage busybox-shell under a pty), copy the raw image into the
initramfs (RAM), then time `dd if=/tmp/img of=/dev/vda bs=1M oflag=direct`.
Prints seconds. MIB must fit in the board's RAM with room to spare.

    board_raw_write.py JMPFLASH EXPORTER MIB [download]   (in a network namespace)

With "download", first times `wget -O /dev/null` of the same file (the
board's HTTP download limit) and prints "DD_SECONDS DOWNLOAD_SECONDS"."""
import os, pty, re, select, sys, time

jf, exporter, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.execv(jf, [jf, "-c", exporter, "storage", "busybox-shell"])
buf = b""


def expect(pattern, secs):
    global buf
    end = time.monotonic() + secs
    while time.monotonic() < end:
        m = re.search(pattern, buf)
        if m:
            buf = buf[m.end():]
            return m
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                break
    sys.stderr.write(buf[-2000:].decode(errors="replace"))
    sys.exit(1)


expect(rb"# ", 120)
dl = None
if len(sys.argv) > 4 and sys.argv[4] == "download":
    os.write(fd, b"time wget -q -O /dev/null http://10.0.2.2:8080/img.raw; echo DL-$((3+3))\r")
    m = expect(rb"real\s+(\d+)m\s*([\d.]+)s", 600)
    dl = int(m.group(1)) * 60 + float(m.group(2))
    expect(rb"DL-6", 60)
os.write(fd, b"wget -q -O /tmp/img http://10.0.2.2:8080/img.raw && echo GOT-$((1+1)) || "
            b"echo FAILED-$((1+1))\r")
if expect(rb"(GOT|FAILED)-2", 600).group(1) != b"GOT":
    sys.stderr.write("the board could not copy the image into RAM\n")
    sys.exit(1)
os.write(fd, b"time dd if=/tmp/img of=/dev/vda bs=1M oflag=direct; echo DONE-$((2+2))\r")
m = expect(rb"real\s+(\d+)m\s*([\d.]+)s", 600)
expect(rb"DONE-4", 60)
os.write(fd, b"\x02\x02\x02")
os.waitpid(pid, 0)
dd = int(m.group(1)) * 60 + float(m.group(2))
print(dd if dl is None else f"{dd} {dl}")

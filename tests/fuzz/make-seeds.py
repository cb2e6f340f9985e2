#!/usr/bin/env python3
"""Write the seed corpus of every fuzz harness into tests/fuzz/corpus/<name>/
from the test data and a few hand-written inputs. Run once when a harness or
its input format changes; crash inputs found later are added by hand as
corpus/<name>/crash-<what> and kept."""
import glob
import hashlib
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
HEX = "0123456789abcdef" * 4
OCI_M = "application/vnd.oci.image.manifest.v1+json"
OCI_I = "application/vnd.oci.image.index.v1+json"
TITLE = "org.opencontainers.image.title"


def put(name, label, data):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + label), "wb") as f:
        f.write(data)


def files(name, pattern):
    for p in sorted(glob.glob(os.path.join(DATA, pattern))):
        with open(p, "rb") as f:
            put(name, os.path.basename(p), f.read())


files("exporter", "exporter-*.yaml")
files("exporter", "bad/[!m]*.yaml")
files("manifest", "manifest-*.yaml")
files("manifest", "bad/m-*.yaml")

layer = '{"mediaType":"application/octet-stream","digest":"sha256:%s","size":3,' \
        '"annotations":{"%s":"%s"}}'
put("oci", "manifest", '{"schemaVersion":2,"mediaType":"%s","artifactType":"x",'
    '"config":{"mediaType":"application/vnd.oci.empty.v1+json"},"layers":[%s,%s]}'
    % (OCI_M, layer % (HEX, TITLE, "manifest.yaml"), layer % (HEX, TITLE, "data/a.img")))
put("oci", "dotdot", '{"schemaVersion":2,"layers":[%s]}' % (layer % (HEX, TITLE, "../x")))
put("oci", "index", '{"schemaVersion":2,"mediaType":"%s","manifests":[{"digest":"sha256:%s",'
    '"platform":{"os":"linux","architecture":"amd64"}},{"digest":"sha256:%s"}]}'
    % (OCI_I, HEX, HEX))
put("oci", "docker-list", '{"manifests":[{"digest":"sha256:%s"}]}' % HEX)

put("www_auth", "bearer", 'Bearer realm="https://auth.docker.io/token",'
    'service="registry.docker.io",scope="repository:library/alpine:pull"')
put("www_auth", "basic", 'Basic realm="Registry Realm"')
put("www_auth", "escapes", 'bearer  realm=http://h/t , error="invalid_token", service="a\\"b"')

for i, r in enumerate(["alpine", "user/repo:1.0", "quay.io/jumpstarter-dev/flasher:latest",
                       "oci://127.0.0.1:5000/board/bundle@sha256:" + HEX,
                       "[::1]:5000/a/b:t", "localhost/x__y.z-w:tag_1"]):
    put("ref", str(i), r)

put("auth_file", "docker", 'https://index.docker.io/v1/\0library/alpine\0'
    '{"auths":{"https://index.docker.io/v1/":{"auth":"aHViOmh1Yg=="},'
    '"quay.io/org":{"auth":"Z2VuZXJhbDpn"}}}')
put("auth_file", "containers", 'quay.io\0org/repo\0{"auths":{"quay.io":{"auth":"Z2VuZXJhbDpn"},'
    '"quay.io/org/repo":{"username":"u","password":"p"},"x":{"identitytoken":"tok"}}}')

LIM = b"\x05\xdc\x10\x40"  # max blksize 1500, window 16, 64 KiB
put("tftp", "rrq", LIM + b"\0\1boot/Image\0octet\0blksize\0001468\0tsize\0000\0"
    b"windowsize\00016\0timeout\0003\0")
put("tftp", "wrq-netascii", LIM + b"\0\2up/log.txt\0netascii\0tsize\0001234\0")
put("tftp", "padded", LIM + b"\0\1a\0OCTET\0\0\0\0")
put("tftp", "text", b"\0\0\0\0line one\r\nline two\n\rbare cr\r")

put("http", "range", b"bytes=0-99\0data/a.img\0Sun, 06 Nov 1994 08:49:37 GMT\0W/\"a\", \"b\"\0\"b\"")
put("http", "suffix", b"bytes=-500\0dir/sub/file name%.bin\0Thu, 01 Jan 1970 00:00:00 GMT\0*\0x")
put("http", "dotdot", b"bytes=10-\0a/../../etc/passwd\0Mon, 30 Nov 2026 25:61:61 GMT\0\0")

put("checksum", "bare", "\0" + HEX)
put("checksum", "sha256sum", "image.wic.xz\0%s  image.wic.xz\n%s *other.img\n" % (HEX, HEX.upper()))
put("checksum", "bsd", "\0# comment\n\nSHA256 (image.img) = %s\n" % HEX)

for i, u in enumerate(["https://user:pass@example.com:8443/a/b.img?x=1", "http://[::1]/p",
                       "socket://127.0.0.1:2000", "rfc2217://host:4001", "tftp://h/f",
                       "oci://quay.io/a/b:tag", "file:///tmp/x", "/plain/path",
                       "http://a%40b:p%3Ass@h/%7Euser"]):
    put("url", str(i), u)

IAC, DO, WILL, SB, SE = 255, 253, 251, 250, 240
put("telnet", "negotiation", bytes([7, IAC, WILL, 0, IAC, DO, 44, IAC, WILL, 1, IAC, SB, 44,
                                    101, 0, 1, 194, 0, IAC, SE]) + b"U-Boot\r\0>\xff\xff")
put("telnet", "text", b"\x83login: \r\n")

put("expect", "prompt", b"\x02=> \0U-Boot 2023.01\r\nHit any key to stop autoboot:  3 \x08\x08\x08 0\r\n=> ")
put("expect", "ansi", b"\x45login:\0(#|\\$) $\0\x1b[1;32mbuildroot login: \x1b]0;title\x07root\r\n# ")
put("expect", "groups", b"\x02jf-rc=([0-9]+)\r?\n\0echo x\r\nx\r\njf-rc=0\r\n# ")
put("expect", "lookaround", b"\x02(?<=(4))5\x005(?=(678))\x00012345678")

put("board_lines", "progress", b"\x10jf-pos=1048576\r\njf-pos=2097152\r\njf-done=0\r\n# ")
put("board_lines", "error", b"\x03wget: server returned error: HTTP/1.1 404 Not Found\r\n"
    b"0+0 records in\r\njf-done=1\r\n# cat /tmp/jf.err\r\nxz: corrupted data\r\n# ")

put("redact", "auth", b"\x05tok\0pass\0Authorization: Bearer tok\nhttps://user:pass@h/")
put("redact", "url-user", b"\x04tok\0https://tok:x-oauth-basic@host/ and tok again")
put("redact", "overlap", b"\x06abc\0bcd\0abcd xabcdx ab")

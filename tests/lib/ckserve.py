# SPDX-License-Identifier: GPL-2.0-or-later
"""
Tiny protocol servers for the udp, dns and smtp check tests, each run by
a test inside a backend's namespace (never a system service):

  ckserve.py udp PORT MODE     echo | wrong (answers "nope") | silent
  ckserve.py dns PORT RCODE [ADDRESS]
                               answers every query with RCODE and, for
                               A/AAAA, one record holding ADDRESS
  ckserve.py smtp PORT MODE    ok | helo (refuses EHLO with 502) |
                               silent (no banner) | reject (554 banner)
  ckserve.py http PORT MODE [ARG...]
                               200 when the request passes MODE, else 4xx/5xx
                               with the reason as the body:
                               header "NAME: VALUE" HOST (that header and Host)
                               auth USER:PASSWORD (Basic, RFC 7617)
                               peer ADDRESS (only from that source address)
                               flaky GAP_MS (503, then 200 to the next request
                               when it comes GAP_MS or more after the 503)
                               log FILE (200; the time of each request to FILE)
"""
import base64
import socket
import struct
import sys
import threading
import time


def udp(port, mode):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    while True:
        data, peer = s.recvfrom(2048)
        if mode == "echo":
            s.sendto(data, peer)
        elif mode == "wrong":
            s.sendto(b"nope", peer)


def skip_name(m, off):
    while m[off] != 0:
        if m[off] & 0xc0 == 0xc0:
            return off + 2
        off += 1 + m[off]
    return off + 1


def dns(port, rcode, address):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    while True:
        m, peer = s.recvfrom(2048)
        if len(m) < 12:
            continue
        qend = skip_name(m, 12) + 4
        qtype = struct.unpack(">H", m[qend - 4:qend - 2])[0]
        rr = b""
        if rcode == 0 and address is not None:
            fam = socket.AF_INET6 if ":" in address else socket.AF_INET
            want = 28 if fam == socket.AF_INET6 else 1
            if qtype == want:
                raw = socket.inet_pton(fam, address)
                rr = b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60,
                                               len(raw)) + raw
        hdr = m[:2] + struct.pack(">BBHHHH", 0x81, 0x80 | rcode, 1,
                                  1 if rr else 0, 0, 0)
        s.sendto(hdr + m[12:qend] + rr, peer)


def smtp_session(c, mode):
    f = c.makefile("rb")
    if mode == "silent":
        f.read()
        return
    if mode == "reject":
        c.sendall(b"554 no service here\r\n")
        return
    c.sendall(b"220 mx.test ESMTP ckserve\r\n")
    for line in f:
        verb = line.split(b" ")[0].strip().upper()
        if verb == b"EHLO" and mode == "helo":
            c.sendall(b"502 command not implemented\r\n")
        elif verb in (b"EHLO", b"HELO"):
            c.sendall(b"250-mx.test\r\n250 8BITMIME\r\n" if verb == b"EHLO"
                      else b"250 mx.test\r\n")
        elif verb == b"QUIT":
            c.sendall(b"221 bye\r\n")
            return
        else:
            c.sendall(b"500 what\r\n")


def smtp(port, mode):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(64)
    while True:
        c, _ = s.accept()

        def run(c=c):
            try:
                smtp_session(c, mode)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()


class HttpJudge:
    """Whether a request passes the mode: (status, reason)."""

    def __init__(self, mode, args):
        self.mode, self.args = mode, args
        self.lock = threading.Lock()
        self.failed_at = None

    def judge(self, head, peer):
        lines = head.split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if self.mode == "header":
            name, _, value = self.args[0].partition(":")
            if headers.get(name.strip().lower()) != value.strip():
                return 400, "no %s" % self.args[0]
            if headers.get("host") != self.args[1]:
                return 400, "host %s" % headers.get("host")
        elif self.mode == "auth":
            want = "Basic " + base64.b64encode(self.args[0].encode()).decode()
            if headers.get("authorization") != want:
                return 401, "authorization %s" % headers.get("authorization")
        elif self.mode == "peer":
            if peer.removeprefix("::ffff:") != self.args[0]:
                return 403, "from %s" % peer
        elif self.mode == "flaky":
            with self.lock:
                now = time.monotonic()
                if self.failed_at is not None and \
                        now - self.failed_at >= int(self.args[0]) / 1000.0:
                    self.failed_at = None
                    return 200, "ok"
                self.failed_at = now
                return 503, "try again later"
        elif self.mode == "log":
            with self.lock, open(self.args[0], "a") as f:
                f.write("%f\n" % time.time())
        return 200, "ok"


def http_session(c, peer, judge):
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 8192:
        data = c.recv(4096)
        if not data:
            return
        head += data
    status, reason = judge.judge(head.split(b"\r\n\r\n")[0].decode(
        "latin-1"), peer)
    body = reason.encode()
    c.sendall(b"HTTP/1.0 %d %s\r\nContent-Length: %d\r\n\r\n" % (
        status, b"OK" if status == 200 else b"No", len(body)) + body)


def http(port, mode, args):
    judge = HttpJudge(mode, args)
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(64)
    while True:
        c, peer = s.accept()

        def run(c=c, peer=peer[0]):
            try:
                http_session(c, peer, judge)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "udp":
        udp(port, sys.argv[3])
    elif kind == "dns":
        dns(port, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
    elif kind == "smtp":
        smtp(port, sys.argv[3])
    elif kind == "http":
        http(port, sys.argv[3], sys.argv[4:])
    else:
        sys.exit("unknown server " + kind)


if __name__ == "__main__":
    main()

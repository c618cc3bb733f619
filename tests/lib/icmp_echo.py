# SPDX-License-Identifier: GPL-2.0-or-later
"""An ICMP echo flow for the conn_sync gateway tests: echo requests of one
id to TARGET every 100 ms over a raw socket (root, in the test's
namespace), counting the replies; its status (sent, replies, the last
reply's sequence number) in STATUS as JSON, rewritten every round."""

import json
import os
import select
import socket
import struct
import sys
import time

IDENT = 0x4242


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def main():
    target, status = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    got, seq = set(), 0
    while True:
        seq = seq % 65535 + 1
        body = struct.pack("!BBHHH", 8, 0, 0, IDENT, seq) + b"vipd-gw-test"
        body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
        sock.sendto(body, (target, 0))
        deadline = time.time() + 0.1
        while True:
            left = deadline - time.time()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                break
            data = sock.recv(2048)
            ihl = (data[0] & 15) * 4
            typ, _, _, ident, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if typ == 0 and ident == IDENT:
                got.add(rseq)
        tmp = status + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"sent": seq, "replies": len(got),
                       "last_reply": max(got) if got else 0}, f)
        os.rename(tmp, status)


if __name__ == "__main__":
    main()

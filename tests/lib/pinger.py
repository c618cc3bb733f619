#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
pinger - ICMP echo at a fixed rate, recording when each reply came back.

What a client of a failover pair sees: run it against the VIP during a
failover and it tells how many replies arrived, the longest silence between two
consecutive replies, and the first and last reply times. Times are
CLOCK_MONOTONIC seconds, the same clock in every process on the machine, so a
test can compare them with the moment it killed a node.

As a script, in the client's namespace (raw sockets: root):

    ip netns exec CLIENT /usr/bin/python3 tests/lib/pinger.py \\
        --target 192.0.2.100 --interval-ms 5 --duration 10 --json

It stops after --duration seconds, or on SIGTERM/SIGINT, and prints its
result (JSON with --json). With --stream it also prints "reply SEQ TIME" as
each reply arrives, so a test can watch replies come back. With --macs it
also reads the replies' Ethernet frames and records who answered: the
result's "responders" lists [TIME, MAC] each time the replies' source MAC
changes (a hand-over moves it from one node to the other). As a module:
ping(target, interval_ms, duration, stop) returns the same dict.
"""

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

ICMP_ECHO_REPLY = 0
ICMP_ECHO_REQUEST = 8


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(ident, seq, payload=b"vipd-pinger"):
    header = struct.pack("!BBHHH", ICMP_ECHO_REQUEST, 0, 0, ident, seq)
    csum = _checksum(header + payload)
    return struct.pack("!BBHHH", ICMP_ECHO_REQUEST, 0, csum, ident, seq) + payload


def _parse_reply(packet, ident, target):
    """(seq) if packet is an echo reply from target to us, else None. A raw
    IPv4 socket hands us the IP header too."""
    if len(packet) < 20:
        return None
    ihl = (packet[0] & 0x0F) * 4
    if socket.inet_ntoa(packet[12:16]) != target or len(packet) < ihl + 8:
        return None
    icmp_type, _code, _csum, rid, seq = struct.unpack("!BBHHH", packet[ihl:ihl + 8])
    if icmp_type != ICMP_ECHO_REPLY or rid != ident:
        return None
    return seq


def summarize(target, interval_ms, start, end, sent, replies, responders=None):
    """The result dict from the raw record. replies: [(seq, time)] in
    arrival order; responders: [(time, mac)] when the source MAC changed,
    or None when not recorded."""
    times = [t for _seq, t in replies]
    gap, gap_from, gap_to = 0.0, None, None
    for earlier, later in zip(times, times[1:]):
        if later - earlier > gap:
            gap, gap_from, gap_to = later - earlier, earlier, later
    return {
        "target": target,
        "interval_ms": interval_ms,
        "start": start,
        "end": end,
        "sent": sent,
        "received": len(set(seq for seq, _t in replies)),
        "lost": max(0, sent - len(set(seq for seq, _t in replies))),
        "first_reply": times[0] if times else None,
        "last_reply": times[-1] if times else None,
        "max_gap_ms": round(gap * 1000.0, 3),
        "max_gap_from": gap_from,
        "max_gap_to": gap_to,
        "reply_times": times,
        "responders": responders,
    }


DRAIN_S = 0.2


def _read_replies(sock, ident, target, replies, on_reply):
    """Append every echo reply waiting on sock to replies as (seq, time)."""
    while True:
        try:
            packet = sock.recv(2048)
        except BlockingIOError:
            return
        got = _parse_reply(packet, ident, target)
        if got is not None:
            replies.append((got, time.monotonic()))
            if on_reply:
                on_reply(*replies[-1])


ETH_P_IP = 0x0800
ETH_HLEN = 14


def _read_macs(sock, ident, target, responders):
    """Note the source MAC of every echo reply frame waiting on sock (an
    AF_PACKET socket) in responders, as (time, mac) when it changed."""
    while True:
        try:
            frame, addr = sock.recvfrom(2048)
        except BlockingIOError:
            return
        if addr[2] == socket.PACKET_OUTGOING or len(frame) < ETH_HLEN:
            continue
        if _parse_reply(frame[ETH_HLEN:], ident, target) is None:
            continue
        mac = ":".join("%02x" % b for b in frame[6:12])
        if not responders or responders[-1][1] != mac:
            responders.append((time.monotonic(), mac))


def ping(target, interval_ms=10, duration=None, stop=None, on_reply=None,
         macs=False):
    """Ping target every interval_ms until duration seconds pass or stop()
    returns true; on_reply(seq, time) is called for each reply; with macs,
    who answered is recorded too. Returns the summarize() dict."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    mac_sock, responders = None, None
    if macs:
        mac_sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                 socket.htons(ETH_P_IP))
        mac_sock.setblocking(False)
        responders = []
    socks = [sock] + ([mac_sock] if mac_sock else [])
    ident = (os.getpid() ^ int(time.monotonic() * 1000)) & 0xFFFF
    interval = interval_ms / 1000.0
    start = time.monotonic()
    end_at = start + duration if duration is not None else None
    next_send = start
    sent, seq = 0, 0
    replies = []
    try:
        while True:
            now = time.monotonic()
            if (end_at is not None and now >= end_at) or (stop and stop()):
                break
            if now >= next_send:
                seq = (seq + 1) & 0xFFFF
                try:
                    sock.sendto(echo_request(ident, seq), (target, 0))
                    sent += 1
                except OSError:
                    pass        # no route / no neighbour yet: that is a lost ping
                next_send += interval
                if next_send < now:          # we fell behind: do not burst
                    next_send = now + interval
            wait = max(0.0, next_send - time.monotonic())
            if end_at is not None:
                wait = min(wait, max(0.0, end_at - time.monotonic()))
            readable, _, _ = select.select(socks, [], [], min(wait, 0.05))
            if sock in readable:
                _read_replies(sock, ident, target, replies, on_reply)
            if mac_sock in readable:
                _read_macs(mac_sock, ident, target, responders)
        # Replies still in flight are not losses: wait for them a moment.
        drain_until = time.monotonic() + DRAIN_S
        while time.monotonic() < drain_until:
            readable, _, _ = select.select(socks, [], [],
                                           max(0.0, drain_until - time.monotonic()))
            if not readable:
                break
            if sock in readable:
                _read_replies(sock, ident, target, replies, on_reply)
            if mac_sock in readable:
                _read_macs(mac_sock, ident, target, responders)
        # Descheduled past the deadline (a busy machine), the loop above
        # may not have run at all: what has arrived is still no loss.
        _read_replies(sock, ident, target, replies, on_reply)
        if mac_sock:
            _read_macs(mac_sock, ident, target, responders)
    finally:
        sock.close()
        if mac_sock:
            mac_sock.close()
    return summarize(target, interval_ms, start, time.monotonic(), sent, replies,
                     responders)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--interval-ms", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds; default: until SIGTERM/SIGINT")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--stream", action="store_true",
                        help="also print 'reply SEQ TIME' as each reply arrives")
    parser.add_argument("--macs", action="store_true",
                        help="record the source MAC of the replies (responders)")
    args = parser.parse_args(argv)

    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    def print_reply(seq, when):
        sys.stdout.write("reply %d %.6f\n" % (seq, when))
        sys.stdout.flush()

    result = ping(args.target, args.interval_ms, args.duration, lambda: stopping,
                  print_reply if args.stream else None, args.macs)
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        print("%s: %d sent, %d received, longest gap %.1f ms" %
              (result["target"], result["sent"], result["received"],
               result["max_gap_ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

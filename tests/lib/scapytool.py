#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
scapytool - the scapy work a test needs done inside a host's namespace.

A test process lives in the root namespace, and scapy reads the interfaces of
the namespace it starts in, so these run as short subprocesses under
`ip netns exec` (vipnet.Host does that):

  arping --iface eth0 --target IP [--timeout S] [--count N]
      broadcast N ARP who-has requests and print {"macs": [...], "replies": N}
      with EVERY MAC that answered (not only the first), as JSON.
  send --iface eth0 --hex FRAME [--hex FRAME ...] [--count N] [--interval-ms MS]
      send raw Ethernet frames, each N times.
"""

import argparse
import json
import logging
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import ARP, AsyncSniffer, Ether, conf, get_if_addr, get_if_hwaddr, sendp  # noqa: E402


def arping(iface, target, timeout, count):
    my_mac = get_if_hwaddr(iface)
    my_ip = get_if_addr(iface)

    def is_answer(pkt):
        return ARP in pkt and pkt[ARP].op == 2 and pkt[ARP].psrc == target

    sniffer = AsyncSniffer(iface=iface, lfilter=is_answer, store=True)
    sniffer.start()
    time.sleep(0.2)       # the sniffer's socket must be open before we ask
    request = Ether(dst="ff:ff:ff:ff:ff:ff", src=my_mac) / \
        ARP(op=1, hwsrc=my_mac, psrc=my_ip, pdst=target)
    for i in range(count):
        sendp(request, iface=iface, verbose=False)
        if i + 1 < count:
            time.sleep(timeout / max(count, 1) / 2)
    time.sleep(timeout)
    answers = sniffer.stop() or []
    return {"macs": sorted(set(p[ARP].hwsrc for p in answers)),
            "ether_srcs": sorted(set(p[Ether].src for p in answers)),
            "replies": len(answers)}


def send(iface, frames, count, interval_ms):
    sock = conf.L2socket(iface=iface)
    try:
        for _ in range(count):
            for frame in frames:
                sock.send(frame)
            if interval_ms:
                time.sleep(interval_ms / 1000.0)
    finally:
        sock.close()


def main(argv=None):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("arping")
    p.add_argument("--iface", default="eth0")
    p.add_argument("--target", required=True)
    p.add_argument("--timeout", type=float, default=1.5)
    p.add_argument("--count", type=int, default=3)
    p = sub.add_parser("send")
    p.add_argument("--iface", default="eth0")
    p.add_argument("--hex", action="append", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval-ms", type=float, default=0.0)
    args = parser.parse_args(argv)

    if args.command == "arping":
        json.dump(arping(args.iface, args.target, args.timeout, args.count),
                  sys.stdout)
        sys.stdout.write("\n")
    else:
        send(args.iface, [bytes.fromhex(h) for h in args.hex], args.count,
             args.interval_ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())

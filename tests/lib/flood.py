#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
flood - send prepared Ethernet frames at a steady rate, fast.

scapy costs tens of microseconds per packet; a flood of 10 000 frames per
second needs the frames built once (by the test, with vrrpcraft) and sent
with a bare AF_PACKET socket. Run inside the sender's namespace:

  flood.py --iface eth0 --rate 10000 --duration 5 --hex FRAME [--hex FRAME ...]

The frames go out in turn, --rate frames per second in all, paced in small
batches so the rate holds over any 10 ms. Prints {"sent": N, "seconds": S,
"errors": E} as JSON when done.
"""

import argparse
import json
import socket
import sys
import time

BATCH_S = 0.002          # pacing granularity


def flood(iface, frames, rate, duration):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    sent = errors = 0
    start = time.monotonic()
    end = start + duration
    n = len(frames)
    try:
        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int((now - start) * rate)
            while sent + errors < due:
                try:
                    sock.send(frames[(sent + errors) % n])
                    sent += 1
                except OSError:        # a full transmit queue: count, go on
                    errors += 1
            time.sleep(BATCH_S)
    finally:
        sock.close()
    return {"sent": sent, "errors": errors, "seconds": time.monotonic() - start}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--rate", type=float, required=True, help="frames per second")
    ap.add_argument("--duration", type=float, required=True, help="seconds")
    ap.add_argument("--hex", action="append", required=True)
    args = ap.parse_args(argv)
    result = flood(args.iface, [bytes.fromhex(h) for h in args.hex], args.rate,
                   args.duration)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

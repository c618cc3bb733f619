# SPDX-License-Identifier: GPL-2.0-or-later
"""
Connections through a VIP to lbtool servers, for the connection-count
schedulers' tests. Each connection sends PING and reads the backend's name.

  open:   --count N connections, --mode burst (all at once, from threads)
          or sequential (each answered before the next, the backend's
          count among this client's open connections checked to be the
          lowest), held until --stop exists; prints {"backends": [...],
          "not_fewest": [...]} (one JSON line) when they are all open,
          then waits.
  churn:  a new connection every --interval-ms for --seconds; a
          connection to --long-backend is held --long-ms, others
          --short-ms; prints {"counts": {name: n}}.
"""

import argparse
import json
import os
import socket
import sys
import threading
import time


def connect(addr, port, timeout=10.0):
    s = socket.create_connection((addr, port), timeout=timeout)
    f = s.makefile("rb")
    s.sendall(b"PING\n")
    name = f.readline().strip().decode()
    if not name:
        raise OSError("no answer")
    return s, f, name


def open_cmd(args):
    socks, names, not_fewest, errors = [], [], [], []
    lock = threading.Lock()
    open_by = {}

    def one():
        try:
            s, f, name = connect(args.addr, args.port)
        except OSError as e:
            with lock:
                errors.append(str(e))
            return
        with lock:
            socks.append((s, f))
            names.append(name)

    if args.mode == "burst":
        threads = [threading.Thread(target=one) for _ in range(args.count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        known = [b for b in args.backends.split(",") if b]
        for b in known:
            open_by[b] = 0
        for i in range(args.count):
            before = dict(open_by)
            one()
            if len(names) <= i:
                continue
            name = names[-1]
            low = min(before.values()) if before else 0
            if before.get(name, 0) != low:
                not_fewest.append({"i": i, "to": name, "counts": before})
            open_by[name] = open_by.get(name, 0) + 1
            time.sleep(args.gap_ms / 1000.0)
    print(json.dumps({"backends": names, "not_fewest": not_fewest,
                      "errors": errors}), flush=True)
    while not os.path.exists(args.stop):
        time.sleep(0.05)
    for s, _ in socks:
        s.close()


def churn_cmd(args):
    counts, errors = {}, []
    lock = threading.Lock()

    def one():
        try:
            s, f, name = connect(args.addr, args.port)
        except OSError as e:
            with lock:
                errors.append(str(e))
            return
        with lock:
            counts[name] = counts.get(name, 0) + 1
        hold = args.long_ms if name == args.long_backend else args.short_ms
        time.sleep(hold / 1000.0)
        s.close()

    threads = []
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        t = threading.Thread(target=one)
        t.start()
        threads.append(t)
        time.sleep(args.interval_ms / 1000.0)
    for t in threads:
        t.join()
    print(json.dumps({"counts": counts, "errors": errors}), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("open")
    o.add_argument("--addr", required=True)
    o.add_argument("--port", type=int, required=True)
    o.add_argument("--count", type=int, required=True)
    o.add_argument("--mode", choices=("burst", "sequential"), default="burst")
    o.add_argument("--backends", default="",
                   help="sequential: every backend's name, comma-separated")
    o.add_argument("--gap-ms", type=int, default=0,
                   help="sequential: pause after each connection")
    o.add_argument("--stop", required=True)
    c = sub.add_parser("churn")
    c.add_argument("--addr", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--seconds", type=float, default=6.0)
    c.add_argument("--interval-ms", type=int, default=20)
    c.add_argument("--long-backend", required=True)
    c.add_argument("--long-ms", type=int, default=1000)
    c.add_argument("--short-ms", type=int, default=100)
    args = p.parse_args()
    {"open": open_cmd, "churn": churn_cmd}[args.cmd](args)


if __name__ == "__main__":
    main()

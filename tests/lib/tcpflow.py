#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
tcpflow - one long-lived TCP connection, to show an established flow
survives whatever a test does meanwhile (reloads, hand-overs).

  tcpflow.py serve --addr IP --port N
      accept connections and echo every line back (runs until killed).
  tcpflow.py talk --addr IP --port N [--interval-ms 50] [--timeout-s 2]
      connect once, send a numbered line every interval and wait for its
      echo, until SIGTERM; then print {"exchanged": N, "error": null or
      "what broke"} as JSON. A reset, a close or an echo later than
      --timeout-s ends the run with the error.
"""

import argparse
import json
import signal
import socket
import sys
import threading
import time


def serve(addr, port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # The VIP may not be on this host yet: bind anyway.
    listener.setsockopt(socket.SOL_IP, 15, 1)          # IP_FREEBIND
    listener.bind((addr, port))
    listener.listen(8)
    while True:
        conn, _peer = listener.accept()
        threading.Thread(target=_echo, args=(conn,), daemon=True).start()


def _echo(conn):
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


def talk(addr, port, interval_ms, timeout_s):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    exchanged, error = 0, None
    try:
        sock = socket.create_connection((addr, port), timeout=timeout_s)
        buf = b""
        while not stop.is_set():
            line = b"%d\n" % exchanged
            sock.sendall(line)
            while b"\n" not in buf:
                data = sock.recv(4096)
                if not data:
                    raise ConnectionError("closed by the peer")
                buf += data
            got, buf = buf.split(b"\n", 1)
            if got + b"\n" != line:
                raise ConnectionError("echo %r for %r" % (got, line))
            exchanged += 1
            stop.wait(interval_ms / 1000.0)
        sock.close()
    except (OSError, ConnectionError) as err:
        error = "%s after %d exchanges" % (err, exchanged)
    json.dump({"exchanged": exchanged, "error": error}, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("serve", "talk"):
        p = sub.add_parser(name)
        p.add_argument("--addr", required=True)
        p.add_argument("--port", type=int, required=True)
        if name == "talk":
            p.add_argument("--interval-ms", type=float, default=50)
            p.add_argument("--timeout-s", type=float, default=2.0)
    args = ap.parse_args(argv)
    if args.command == "serve":
        serve(args.addr, args.port)
        return 0
    return talk(args.addr, args.port, args.interval_ms, args.timeout_s)


if __name__ == "__main__":
    sys.exit(main())

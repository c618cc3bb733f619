# SPDX-License-Identifier: GPL-2.0-or-later
"""
lbtool - the two ends of balancer tests, run inside a namespace with
/usr/bin/python3 (stdlib only).

  serve  --port P --name N [--mode ok|hang|garbage|reset]
      A backend. "GET ..." gets "200 OK" with body N (mode ok; HTTP/1.1
      requests are kept alive, HTTP/1.0 ones closed),
      nothing ever (hang: accepts, reads and never answers, until the
      client gives up and closes), "garbage\\r\\n" (garbage), or a
      TCP reset (reset). A first line "PING" instead starts a long-lived
      session: every "PING" line is answered with "N" on the same
      connection, until the client closes (for established-flow tests).
      --echo: any other first line starts an echo session instead (every
      line comes back as sent, as syncload.py's client expects), so one
      backend serves health checks and echoed long-lived connections.
      --tls-cert/--tls-key: the same over TLS (https checks); --tls-max 1.2
      offers nothing newer than TLS 1.2 (whose client, unlike TLS 1.3's,
      has the server's certificate before its handshake is done). --udp:
      answer every datagram with N instead.

  fire   --addr A --port P --count C [--parallel K] [--sport-base S]
         [--source S]
      C short HTTP requests; prints JSON {"backends": {name: count},
      "errors": n, "by_sport": {sport: name}}. With --sport-base each
      request binds source port S+i (and closes with a reset, so the port
      is free again at once): the same 5-tuples can be fired twice. --udp:
      one datagram per count, each from a new socket (a new flow; from port
      S+i with --sport-base, so that no two share an ephemeral port).
      --source: from that local address.

  stream --addr A --port P --stop FILE [--interval-ms I] [--timeout-s T]
      A new short HTTP request every I ms (each in its own thread, so a
      hanging one delays none), until FILE exists; prints JSON {"requests":
      [{"t": start (time.monotonic(), comparable with the test's own),
      "backend": name or null, "error": text or null}]}.

  hold   --addr A --port P --seconds T [--interval-ms I] [--stop FILE]
      One long-lived connection, a PING every I ms for T seconds (or until
      FILE exists, at most T seconds); prints JSON {"backend": name,
      "answers": n, "errors": n, "error": text, "first_t": ..., "last_t":
      ... (time.monotonic() of the first and last answer), "max_gap_s":
      the longest wait between two answers}.
"""

import argparse
import json
import os
import socket
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def serve_udp(args):
    srv = socket.socket(socket.AF_INET6 if ":" in args.bind else socket.AF_INET,
                        socket.SOCK_DGRAM)
    srv.bind((args.bind, args.port))
    while True:
        _, peer = srv.recvfrom(2048)
        srv.sendto(args.name.encode(), peer)


def answer(conn, f, line):
    """HTTP/1.0: one answer, then close. HTTP/1.1 (wrk): keep-alive until
    the client closes or says Connection: close."""
    while line:
        keep = b"HTTP/1.1" in line
        while True:
            h = f.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            if h.lower().startswith(b"connection:") and b"close" in h.lower():
                keep = False
        body = answer.body
        conn.sendall(b"HTTP/1.%d 200 OK\r\nContent-Length: %d\r\n"
                     b"Connection: %s\r\n\r\n" % (1 if keep else 0, len(body),
                                                  b"keep-alive" if keep else b"close")
                     + body)
        if not keep:
            return
        line = f.readline()


def serve(args):
    answer.body = args.name.encode()
    if args.udp:
        return serve_udp(args)
    srv = socket.socket(socket.AF_INET6 if ":" in args.bind else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, args.port))
    srv.listen(1024)
    body = args.name.encode()
    tls = None
    if args.tls_cert:
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_max == "1.2":
            tls.maximum_version = ssl.TLSVersion.TLSv1_2

    def session(conn):
        if tls is not None:
            try:
                conn = tls.wrap_socket(conn, server_side=True)
            except OSError:
                conn.close()
                return
        with conn:
            f = conn.makefile("rb")
            try:
                first = f.readline()
                if first.startswith(b"PING"):
                    line = first
                    while line.startswith(b"PING"):
                        conn.sendall(body + b"\n")
                        line = f.readline()
                    return
                if args.echo and not first.startswith((b"GET ", b"HEAD ")):
                    line = first
                    while line:
                        conn.sendall(line)
                        line = f.readline()
                    return
                if args.mode == "hang":
                    # Never answer; end with the prober's close, so that
                    # hundreds of probes do not leave as many threads.
                    while conn.recv(4096):
                        pass
                elif args.mode == "garbage":
                    conn.sendall(b"garbage\r\n")
                elif args.mode == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
                else:
                    answer(conn, f, first)
            except OSError:
                pass

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=session, args=(conn,), daemon=True).start()


def one_datagram(addr, port, sport=0, timeout=5.0):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET,
                      socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        if sport:
            s.bind(("", sport))
        s.sendto(b"who", (addr, port))
        return s.recv(2048).decode()
    except OSError:
        return None
    finally:
        s.close()


def one_request(addr, port, sport, timeout=10.0, source="", errors=None):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    try:
        s.settimeout(timeout)
        if sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sport or source:
            s.bind((source, sport))
        s.connect((addr, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if not data.startswith(b"HTTP/1.0 200"):
            if errors is not None:
                errors.append("answer %r" % data[:40])
            return None
        return data.split(b"\r\n\r\n", 1)[1].decode()
    except OSError as e:
        if errors is not None:
            errors.append("%s: %s" % (type(e).__name__, e))
        return None
    finally:
        if sport:
            # A reset instead of TIME_WAIT: the same 4-tuple is free again.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        s.close()


def fire(args):
    def job(i):
        sport = args.sport_base + i if args.sport_base else 0
        if args.udp:
            return sport, one_datagram(args.addr, args.port, sport)
        return sport, one_request(args.addr, args.port, sport,
                                  source=args.source)

    counts, by_sport, errors = {}, {}, 0
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        for sport, name in pool.map(job, range(args.count)):
            if name is None:
                errors += 1
                continue
            counts[name] = counts.get(name, 0) + 1
            if sport:
                by_sport[str(sport)] = name
    json.dump({"backends": counts, "errors": errors, "by_sport": by_sport},
              sys.stdout)
    print()


def stream(args):
    """A request every interval until the stop file shows up."""
    requests = []
    lock = threading.Lock()

    def job(t):
        errors = []
        name = one_request(args.addr, args.port, 0, timeout=args.timeout_s,
                           errors=errors)
        with lock:
            requests.append({"t": t, "backend": name,
                             "error": errors[0] if errors else None})

    threads = []
    step = args.interval_ms / 1000.0
    due = time.monotonic()
    print("streaming", file=sys.stderr, flush=True)
    while not os.path.exists(args.stop):
        th = threading.Thread(target=job, args=(time.monotonic(),), daemon=True)
        th.start()
        threads.append(th)
        due += step
        time.sleep(max(0.0, due - time.monotonic()))
    for th in threads:
        th.join(args.timeout_s + 5.0)
    requests.sort(key=lambda r: r["t"])
    json.dump({"requests": requests}, sys.stdout)
    print()


def hold(args):
    result = {"backend": None, "answers": 0, "errors": 0, "error": None,
              "first_t": None, "last_t": None, "max_gap_s": 0.0}
    try:
        s = socket.create_connection((args.addr, args.port), timeout=3.0)
        f = s.makefile("rb")
        end = time.monotonic() + args.seconds
        while time.monotonic() < end and not (
                args.stop and os.path.exists(args.stop)):
            s.sendall(b"PING\n")
            line = f.readline().strip().decode()
            if not line:
                raise OSError("connection closed")
            now = time.monotonic()
            if result["backend"] is None:
                result["backend"] = line
                result["first_t"] = now
                print("connected %s" % line, file=sys.stderr, flush=True)
            elif line != result["backend"]:
                raise OSError("answer from %s on a %s connection"
                              % (line, result["backend"]))
            else:
                result["max_gap_s"] = max(result["max_gap_s"],
                                          now - result["last_t"])
            result["last_t"] = now
            result["answers"] += 1
            time.sleep(args.interval_ms / 1000.0)
        s.close()
    except OSError as e:
        result["errors"] += 1
        result["error"] = str(e)
    json.dump(result, sys.stdout)
    print(flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--bind", default="0.0.0.0")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--mode", default="ok",
                   choices=("ok", "hang", "garbage", "reset"))
    s.add_argument("--tls-cert", help="serve TLS with this certificate (PEM)")
    s.add_argument("--tls-key")
    s.add_argument("--tls-max", choices=("1.2", "1.3"), default="1.3",
                   help="the newest TLS version offered")
    s.add_argument("--udp", action="store_true",
                   help="answer each datagram with the name instead")
    s.add_argument("--echo", action="store_true",
                   help="echo lines back on connections that are not HTTP")
    # fire and hold both aim at one address and port.
    target = argparse.ArgumentParser(add_help=False)
    target.add_argument("--addr", required=True)
    target.add_argument("--port", type=int, required=True)
    f = sub.add_parser("fire", parents=[target])
    f.add_argument("--count", type=int, default=1000)
    f.add_argument("--parallel", type=int, default=16)
    f.add_argument("--sport-base", type=int, default=0)
    f.add_argument("--udp", action="store_true",
                   help="one datagram from a fresh socket per count")
    f.add_argument("--source", default="", help="local address to send from")
    st = sub.add_parser("stream", parents=[target])
    st.add_argument("--stop", required=True,
                    help="stop when this file exists")
    st.add_argument("--interval-ms", type=int, default=20)
    st.add_argument("--timeout-s", type=float, default=2.0)
    h = sub.add_parser("hold", parents=[target])
    h.add_argument("--seconds", type=float, default=5.0)
    h.add_argument("--interval-ms", type=int, default=100)
    h.add_argument("--stop", help="end early when this file exists")
    args = p.parse_args()
    {"serve": serve, "fire": fire, "stream": stream,
     "hold": hold}[args.cmd](args)


if __name__ == "__main__":
    main()

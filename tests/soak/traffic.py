#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
traffic - what the soak's client does, run inside the client namespace.

  traffic.py client --target IP --ports 80,81 --conns N --interval-ms MS
                    --rate R --events FILE --stop FILE
      N long-lived TCP connections to each port, each sending a numbered
      line every MS ms and checking that exactly that line comes back; a
      connection that breaks (reset, close, wrong echo, no echo within
      BREAK_S) is recorded and replaced. An echo later than STALL_S is a
      stall (recorded, the connection goes on). R new short connections
      per second to each port (connect, one line, its echo, close);
      failures recorded. Every event is a JSON line in FILE with its
      CLOCK_MONOTONIC time; at the stop file the totals are printed.

  traffic.py echo --port P
      An echo server (a backend).
"""

import argparse
import asyncio
import json
import os
import sys
import time

BREAK_S = 8.0          # no echo for this long: the connection is broken
STALL_S = 1.0          # an echo later than this: a stall
CONNECT_TIMEOUT_S = 3.0
RECONNECT_S = 0.5


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.totals = {}

    def event(self, kind, port, **extra):
        rec = {"t": time.monotonic(), "kind": kind, "port": port}
        rec.update(extra)
        self.f.write(json.dumps(rec) + "\n")
        key = "%s:%d" % (kind, port)
        self.totals[key] = self.totals.get(key, 0) + 1

    def count(self, kind, port):
        key = "%s:%d" % (kind, port)
        self.totals[key] = self.totals.get(key, 0) + 1


def classify(err):
    if isinstance(err, ConnectionResetError):
        return "reset"
    if isinstance(err, asyncio.IncompleteReadError):
        return "closed"
    if isinstance(err, asyncio.TimeoutError):
        return "timeout"
    return type(err).__name__


async def long_lived(i, port, args, log, stop):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(args.target, port), CONNECT_TIMEOUT_S)
        except Exception as err:
            log.event("long_connect_failed", port, conn=i, error=classify(err))
            await asyncio.sleep(RECONNECT_S)
            continue
        log.count("long_opened", port)
        seq, since = 0, time.monotonic()
        try:
            while not stop.is_set():
                seq += 1
                msg = ("L%d.%d:%d\n" % (port, i, seq)).encode()
                sent = time.monotonic()
                writer.write(msg)
                await writer.drain()
                got = await asyncio.wait_for(reader.readexactly(len(msg)), BREAK_S)
                if got != msg:
                    raise ValueError("echo %r for %r" % (got, msg))
                took = time.monotonic() - sent
                if took > STALL_S:
                    log.event("stall", port, conn=i, seq=seq, at=sent, s=round(took, 3))
                log.count("echo", port)
                await asyncio.sleep(args.interval_ms / 1000.0)
        except Exception as err:
            if not stop.is_set():
                # when it broke: the last echo sent (a timeout is noticed late)
                log.event("break", port, conn=i, seq=seq, error=classify(err),
                          at=sent, age=round(time.monotonic() - since, 3))
        finally:
            writer.close()
        await asyncio.sleep(RECONNECT_S)


async def one_short(i, port, args, log):
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.target, port), CONNECT_TIMEOUT_S)
    except Exception as err:
        log.event("new_failed", port, at=started, error="connect " + classify(err))
        return
    try:
        msg = ("S%d.%d\n" % (port, i)).encode()
        writer.write(msg)
        await writer.drain()
        got = await asyncio.wait_for(reader.readexactly(len(msg)), CONNECT_TIMEOUT_S)
        if got != msg:
            raise ValueError("echo %r" % got)
        log.count("new_ok", port)
    except Exception as err:
        log.event("new_failed", port, at=started, error=classify(err))
    finally:
        writer.close()


async def churn(port, args, log, stop):
    i, start, tasks = 0, time.monotonic(), set()
    while not stop.is_set():
        delay = start + i / args.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = asyncio.create_task(one_short(i, port, args, log))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        i += 1
    if tasks:
        await asyncio.gather(*tasks)


async def client(args):
    log, stop = Log(args.events), asyncio.Event()
    ports = [int(p) for p in args.ports.split(",")]
    tasks = [asyncio.create_task(long_lived(i, p, args, log, stop))
             for p in ports for i in range(args.conns)]
    if args.rate > 0:
        tasks += [asyncio.create_task(churn(p, args, log, stop)) for p in ports]
    while not os.path.exists(args.stop):
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks)
    print(json.dumps(log.totals))


async def echo(port):
    async def handle(reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
    server = await asyncio.start_server(handle, "0.0.0.0", port, backlog=512,
                                        reuse_address=True)
    async with server:
        await server.serve_forever()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("client", "echo"))
    p.add_argument("--target")
    p.add_argument("--ports", default="80")
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--conns", type=int, default=10)
    p.add_argument("--interval-ms", type=float, default=100.0)
    p.add_argument("--rate", type=float, default=5.0)
    p.add_argument("--events")
    p.add_argument("--stop")
    args = p.parse_args()
    if args.mode == "echo":
        asyncio.run(echo(args.port))
    else:
        asyncio.run(client(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Traffic for the connection-sync tests, run inside a namespace.

  syncload.py echo --port P
      An echo server (one per backend).

  syncload.py client --target IP --port P --conns N --interval-ms MS
                     --status FILE --stop FILE
      N long-lived TCP connections; each sends a numbered message every MS
      milliseconds and checks that exactly that message comes back. Every
      second the counts go to FILE (JSON); when the stop file appears the
      connections are closed and the final counts are printed (JSON).

  syncload.py churn --target IP --port P --rate R [--hold-ms H]
                    --status FILE --stop FILE
      R new short connections per second (connect, one message, its echo,
      close); failures counted by kind and reported the same way. With
      --hold-ms, each connection waits H ms after the first echo and
      exchanges a second message before it closes, so that at any time
      about R x H / 1000 of them are established; a failure after the
      first echo is counted as "established_" + its kind (a connection the
      balancer had already set up, which sync must keep), and the time of
      that first echo (CLOCK_MONOTONIC seconds, the first 1000 of them) goes
      to "established_failed_at".

Counts are end to end: bytes_sent, bytes_received, messages, and every
failure by kind (reset, mismatch, timeout, connect, eof). A message that
comes back changed, twice, or not at all is a failure.
"""

import argparse
import asyncio
import json
import os
import sys
import time

REPLY_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


async def echo_server(port):
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

    server = await asyncio.start_server(handle, "0.0.0.0", port, backlog=1024,
                                        reuse_address=True)
    async with server:
        await server.serve_forever()


class Counts:
    def __init__(self):
        self.c = {"opened": 0, "open": 0, "messages": 0, "bytes_sent": 0,
                  "bytes_received": 0, "failures": {}, "max_reply_ms": 0.0,
                  "per_conn_min_messages": 0}
        self.per_conn = {}

    def fail_established(self, kind, since, detail=""):
        at = self.c.setdefault("established_failed_at", [])
        if len(at) < 1000:
            at.append(since)
        self.fail("established_" + kind, detail)

    def fail(self, kind, detail=""):
        f = self.c["failures"]
        f[kind] = f.get(kind, 0) + 1
        samples = self.c.setdefault("samples", [])
        if len(samples) < 20:
            samples.append("%s %s" % (kind, detail))

    def snapshot(self):
        self.c["per_conn_min_messages"] = min(self.per_conn.values()) \
            if self.per_conn else 0
        self.c["time"] = time.time()
        return self.c


def classify(err):
    if isinstance(err, ConnectionResetError):
        return "reset"
    if isinstance(err, asyncio.IncompleteReadError):
        return "eof"
    if isinstance(err, asyncio.TimeoutError):
        return "timeout"
    return "error"


async def long_lived(i, args, counts, stop):
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.target, args.port), CONNECT_TIMEOUT_S)
    except Exception as err:
        counts.fail("connect", repr(err))
        return
    counts.c["opened"] += 1
    counts.c["open"] += 1
    counts.per_conn[i] = 0
    seq = 0
    try:
        while not stop.is_set():
            seq += 1
            msg = ("c%04d:%08d\n" % (i, seq)).encode()
            started = time.monotonic()
            writer.write(msg)
            await writer.drain()
            counts.c["bytes_sent"] += len(msg)
            got = await asyncio.wait_for(reader.readexactly(len(msg)),
                                         REPLY_TIMEOUT_S)
            counts.c["bytes_received"] += len(got)
            if got != msg:
                counts.fail("mismatch", "%r != %r" % (got, msg))
                break
            ms = (time.monotonic() - started) * 1000.0
            counts.c["max_reply_ms"] = max(counts.c["max_reply_ms"], ms)
            counts.c["messages"] += 1
            counts.per_conn[i] += 1
            await asyncio.sleep(args.interval_ms / 1000.0)
    except Exception as err:
        counts.fail(classify(err), "conn %d seq %d: %r" % (i, seq, err))
    finally:
        counts.c["open"] -= 1
        writer.close()


async def one_short(i, args, counts):
    rounds = 2 if args.hold_ms > 0 else 1
    established = None              # time of the first echo
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.target, args.port), CONNECT_TIMEOUT_S)
    except Exception as err:
        counts.fail("connect", repr(err))
        return
    try:
        for r in range(rounds):
            if r > 0:
                await asyncio.sleep(args.hold_ms / 1000.0)
            msg = ("s%08d.%d\n" % (i, r)).encode()
            writer.write(msg)
            await writer.drain()
            counts.c["bytes_sent"] += len(msg)
            got = await asyncio.wait_for(reader.readexactly(len(msg)),
                                         REPLY_TIMEOUT_S)
            counts.c["bytes_received"] += len(got)
            if got != msg:
                if established is None:
                    counts.fail("mismatch", "%r" % got)
                else:
                    counts.fail_established("mismatch", established, "%r" % got)
                return
            if established is None:
                established = time.monotonic()
        counts.c["messages"] += 1
    except Exception as err:
        detail = "short %d: %r" % (i, err)
        if established is None:
            counts.fail(classify(err), detail)
        else:
            counts.fail_established(classify(err), established, detail)
    finally:
        writer.close()


async def reporter(args, counts, stop):
    while not stop.is_set():
        write_json(args.status, counts.snapshot())
        if os.path.exists(args.stop):
            stop.set()
            break
        if args.reset_max and os.path.exists(args.reset_max):
            # a benchmark step begins: the longest wait from now on
            counts.c["max_reply_ms"] = 0.0
            os.unlink(args.reset_max)
        await asyncio.sleep(0.2)


async def client(args):
    counts, stop = Counts(), asyncio.Event()
    tasks = [asyncio.create_task(long_lived(i, args, counts, stop))
             for i in range(args.conns)]
    await reporter(args, counts, stop)
    await asyncio.gather(*tasks)
    print(json.dumps(counts.snapshot()))


async def churn(args):
    counts, stop = Counts(), asyncio.Event()
    rep = asyncio.create_task(reporter(args, counts, stop))
    tasks, i, start = set(), 0, time.monotonic()
    while not stop.is_set():
        due = start + i / float(args.rate)
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = asyncio.create_task(one_short(i, args, counts))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        i += 1
        counts.c["opened"] = i
    await rep
    if tasks:
        await asyncio.gather(*tasks)
    print(json.dumps(counts.snapshot()))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("echo", "client", "churn"))
    p.add_argument("--target")
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--conns", type=int, default=200)
    p.add_argument("--interval-ms", type=float, default=20.0)
    p.add_argument("--rate", type=float, default=500.0)
    p.add_argument("--hold-ms", type=float, default=0.0)
    p.add_argument("--status")
    p.add_argument("--stop")
    p.add_argument("--reset-max", help="when this file appears, max_reply_ms "
                   "starts again from 0 (and the file is removed)")
    args = p.parse_args()
    if args.mode == "echo":
        asyncio.run(echo_server(args.port))
    elif args.mode == "client":
        asyncio.run(client(args))
    else:
        asyncio.run(churn(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-2.0-or-later
"""What every benchmark's JSON says about its own run, so that the tables in
tests/bench/README.md (tests/bench/tables.py) can name when, where and how a
figure was measured even when the JSON is read on another machine."""
import datetime
import os
import platform
import shlex
import sys


def machine():
    """'2 cores, <CPU model>, Linux <release>'."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%d cores, %s, Linux %s" % (os.cpu_count() or 0, cpu, platform.release())


def run_meta(argv=None):
    """date (UTC, ISO 8601), machine and the command line of this run."""
    argv = sys.argv if argv is None else argv
    return {"date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": machine(),
            "command": " ".join(shlex.quote(a) for a in argv)}

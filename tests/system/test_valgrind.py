"""
A vipd master's whole life under valgrind: start, election, fail-over and
take-back (link down and up), dumps, a reload that adds an instance, and a
graceful stop. valgrind must report no error and no leak (definite or
indirect): it exits 99 if it does, and the test reads its summary.
"""

import os
import shutil
import signal

import pytest

from vipnet import vipd_instance, wait_until

VALGRIND = shutil.which("valgrind")
# Known noise of libraries vipd uses (libnftables), explained in the file.
SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "valgrind.supp")


def _is_asan_build(path):
    """valgrind cannot run an AddressSanitizer binary (make check's second
    pass); that pass has ASan's own leak checker instead."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


@pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed")
def test_master_life_under_valgrind_has_no_errors_or_leaks(lan, tmp_path):
    a, b, client = lan
    if _is_asan_build(a.topo.vipd_bin):
        pytest.skip("ASan build: leaks are ASan's to find in this pass")
    vg_log = tmp_path / "valgrind.log"
    wrapper = tmp_path / "vipd-under-valgrind"
    wrapper.write_text(
        "#!/bin/sh\nexec %s --quiet --leak-check=full --show-leak-kinds=definite,indirect "
        "--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "
        "--suppressions=%s --log-file=%s %s \"$@\"\n"
        % (VALGRIND, SUPPRESSIONS, vg_log, a.topo.vipd_bin))
    wrapper.chmod(0o755)
    plain_bin = a.topo.vipd_bin
    a.topo.vipd_bin = str(wrapper)
    try:
        a.start(wait_ready=False)
    finally:
        a.topo.vipd_bin = plain_bin
    # Under valgrind a signal that comes before vipd blocks it would kill it.
    wait_until(lambda: "starting" in a.log_text(), 60, "vipd under valgrind to start")
    b.start()

    wait_until(a.has_vip, 60, "a (valgrind) to become master")
    a.host.link_set("down")
    wait_until(b.has_vip, 30, "b to take over while a's link is down")
    a.host.link_set("up")
    wait_until(lambda: a.has_vip() and not b.has_vip(), 60, "a to take the VIP back")

    a.reload(instances=[vipd_instance(priority=150),
                        vipd_instance(name="int", vrid=52, priority=150,
                                      vips=("192.0.2.101",))])
    wait_until(lambda: a.has_vip("192.0.2.101"), 60, "the instance added by reload")
    a.kill(signal.SIGUSR1)
    a.kill(signal.SIGUSR2)
    wait_until(lambda: os.path.exists(os.path.join(a.state_dir, "vipd.stats")), 30,
               "the stats dump")

    code = a.stop(timeout=60)
    report = vg_log.read_text()
    assert code == 0, "vipd under valgrind exited %s:\n%s" % (code, report)
    assert not a.has_vip() and not a.has_vip("192.0.2.101")
    assert "definitely lost" not in report and "Invalid" not in report, report

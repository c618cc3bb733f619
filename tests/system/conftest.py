# SPDX-License-Identifier: GPL-2.0-or-later
"""
Fixtures for the system tests: real daemons in throw-away network namespaces.

Run as root with Debian's python (it has scapy and pytest):

    VIPD_BIN=$PWD/build/vipd VIPCTL_BIN=$PWD/build/vipctl \\
        /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/system
"""

import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

import vipnet  # noqa: E402


def _vipd_bin():
    return os.environ.get("VIPD_BIN") or os.path.join(REPO, "build", "vipd")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "heavy: tens of thousands of conntrack entries; `make "
        "system` runs these alone, after the others (the kernel's conntrack "
        "hash and its dumps are shared by every namespace, so they slow down "
        "the sync of tests running beside them)")


def pytest_collection_modifyitems(config, items):
    reasons = []
    if os.geteuid() != 0:
        reasons.append("system tests need root (network namespaces, raw sockets)")
    if shutil.which("ip") is None:
        reasons.append("iproute2 'ip' is missing")
    if not reasons:
        return
    skip = pytest.mark.skip(reason="; ".join(reasons))
    for item in items:
        if str(item.fspath).startswith(HERE):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome on the item, so fixtures can show the
    # daemons' logs when (and only when) the test failed.
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def vipd_bin():
    path = _vipd_bin()
    if not os.access(path, os.X_OK):
        missing_tool("vipd binary not found at %s (set VIPD_BIN)" % path)
    return path


@pytest.fixture
def vipctl_bin():
    path = os.environ.get("VIPCTL_BIN") or os.path.join(REPO, "build", "vipctl")
    if not os.access(path, os.X_OK):
        missing_tool("vipctl not found at %s (set VIPCTL_BIN)" % path)
    return path


@pytest.fixture
def script_dir():
    """A directory for the test's scripts under /tmp, made by root with mode
    0755 so that the script security rule accepts what is in it and the
    script user can reach it; removed afterwards."""
    path = tempfile.mkdtemp(prefix="vipd-scripts-", dir="/tmp")
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def missing_tool(what):
    """Skip for want of a peer tool (or of the vipd/vipctl binaries under
    test), unless VIPD_REQUIRE_TOOLS=1 (make system: it builds both, and
    contrib/install-deps.sh installs every tool): then fail."""
    if os.environ.get("VIPD_REQUIRE_TOOLS") == "1":
        pytest.fail("%s (VIPD_REQUIRE_TOOLS=1)" % what, pytrace=False)
    pytest.skip(what)


@pytest.fixture
def keepalived_bin():
    if not os.access(vipnet.KEEPALIVED_BIN, os.X_OK):
        missing_tool("%s is not installed" % vipnet.KEEPALIVED_BIN)
    return vipnet.KEEPALIVED_BIN


@pytest.fixture
def tshark_bin():
    path = "/usr/bin/tshark"         # Debian's, with its VRRP dissector
    if not os.access(path, os.X_OK):
        missing_tool("%s is not installed" % path)
    return path


@pytest.fixture
def topo(request, tmp_path):
    """A fresh segment (bridge in its own namespace); everything it made is
    removed afterwards, pass or fail. Logs are printed when the test failed.

    Every vipd the test started is judged at teardown: a sanitizer report
    in its log (ASan, LeakSanitizer, UBSan's "runtime error:"), an exit
    code other than the one expected (0 after the SIGTERM of teardown or of
    the test) when the test did not SIGKILL it, or no exit within
    vipnet.VIPD_STOP_S of SIGTERM fails the test, even one that passed."""
    topology = vipnet.Topology(tmp_path, vipd_bin=_vipd_bin())
    try:
        yield topology
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            print("\nnamespace prefix %s, work dir %s" % (topology.prefix, tmp_path))
            print(topology.logs_report())
        topology.close()
    if topology.findings:
        pytest.fail("vipd misbehaved (work dir %s):\n%s"
                    % (tmp_path, "\n".join(topology.findings)), pytrace=False)


@pytest.fixture
def lan(topo, vipd_bin):
    """The usual pair plus a client: a (priority 150, 192.0.2.1) and
    b (priority 100, 192.0.2.2) running vipd for VIP 192.0.2.100, not yet
    started, and client 192.0.2.50."""
    a = topo.add_vipd("a", "192.0.2.1", priority=150)
    b = topo.add_vipd("b", "192.0.2.2", priority=100)
    client = topo.add_host("client", "192.0.2.50")
    return a, b, client

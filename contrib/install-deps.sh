#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages vipd's build, tests, demo and benchmarks need,
# only those missing. Run as root on Debian 12 (bookworm) or later.
# Both README commands start with this script; .ci/run too.
set -eu

PACKAGES="
build-essential make gcc pkg-config clang libclang-rt-dev
libconfig-dev libnl-3-dev libnl-route-3-dev libmnl-dev libssl-dev libcmocka-dev
libnftables-dev libnetfilter-conntrack-dev
iproute2 procps nftables conntrack conntrackd tcpdump tshark wrk valgrind libcap2-bin
python3 python3-pytest python3-pytest-xdist python3-scapy
keepalived frr bird2 haproxy python3-pyftpdlib
ethtool
groff-base man-db systemd
dpkg-dev debhelper fakeroot lintian git
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing; run this script as root" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# keepalived's, FRR's, BIRD's and HAProxy's packages must not start a
# service on a machine we only test on: the tests run them in namespaces.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing

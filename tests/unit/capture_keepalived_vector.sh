#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Capture real VRRP adverts sent by keepalived, for the test vectors in
# test_vrrp_pkt.c and the seeds in tests/fuzz/corpus/fuzz_vrrp_pkt/.
#
# Usage (as root): tests/unit/capture_keepalived_vector.sh [OUTDIR]
#
# VRRPv3 cases: v3_1vip (vrid 51, priority 150, advert_int 1, 192.0.2.10),
# v3_3vip (vrid 52, priority 100, advert_int 0.1, 192.0.2.10-12) and v3_ipv6
# (vrid 53, priority 200, advert_int 1, 2001:db8::10; source and checksum
# change with the veth's random MAC on every run).
# VRRPv2 cases (RFC 3768, authentication as keepalived does it): v2_none
# (vrid 61, priority 150, advert_int 1, 192.0.2.10), v2_pass (vrid 62,
# priority 120, advert_int 2, 192.0.2.10-11, auth_type PASS, auth_pass
# "s3cret") and v2_ah (vrid 63, priority 200, advert_int 1, 192.0.2.10,
# auth_type AH, auth_pass "ah-key1"; protocol 51, so tcpdump keeps AH too)
# and v2_ah_unicast (vrid 64, priority 200, advert_int 1, 192.0.2.10, AH
# with "ah-key1", unicast_peer 192.0.2.2: keepalived leaves TTL out of the
# ICV when the destination is not multicast).
#
# Everything happens inside a network namespace of our own (vpkt<pid>) on a
# dummy interface (or a veth pair), so the host network is never touched. keepalived starts as
# BACKUP, hears nobody, becomes MASTER after 3 * advert_int + skew (~3.6 s
# for advert_int 1) and then advertises; tcpdump keeps the first two adverts.
#
# For each case OUTDIR gets NAME.pcap, NAME.bin (the first captured packet,
# from the IPv4 header on), NAME.2.bin (the second one: for AH, the next
# sequence number and IP id) and NAME.txt (both packets as C initializers,
# plus the keepalived version). Default OUTDIR: a new directory under /tmp.
#
set -eu

ns="vpkt$$"
work="$(mktemp -d /tmp/vpkt.XXXXXX)"
outdir="${1:-$work/out}"
pids=""

cleanup() {
	# Only the processes this script started, by PID.
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	pids=""
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work/run"
	rmdir "$work" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ]; then
	echo "$0: must run as root (network namespace)" >&2
	exit 1
fi
command -v keepalived >/dev/null
command -v tcpdump >/dev/null

mkdir -p "$outdir" "$work/run"
kversion="$(keepalived --version 2>&1 | head -n 1)"

ip netns add "$ns"
ip -n "$ns" link set lo up
# A dummy interface is enough; kernels without the dummy module get a veth
# pair whose far end (d1) stays in the same namespace.
if ! ip -n "$ns" link add d0 type dummy 2>/dev/null; then
	ip -n "$ns" link add d0 type veth peer name d1
	ip -n "$ns" link set d1 up
fi
# IPv6 adverts come from the interface's link-local address (RFC 5798 5.1.2.1),
# derived from its random MAC; without DAD it is usable at once.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.d0.accept_dad=0 2>/dev/null || true
ip -n "$ns" link set d0 up
ip -n "$ns" addr add 192.0.2.1/24 dev d0

# [peer=ADDR] capture NAME VERSION AUTH VRID PRIORITY ADVERT_INT VIP...
# AUTH is "-" (none) or TYPE:PASSWORD with TYPE PASS or AH (VRRPv2 only);
# peer (in the environment) makes the instance unicast to that one peer,
# given a static neighbour entry: nobody would answer its ARP requests.
capture() {
	local name="$1" version="$2" auth="$3" vrid="$4" prio="$5" adv="$6"
	shift 6
	local conf="$work/run/$name.conf" vips="" authblock="" v kpid tpid
	local unicast="" why="multicast"

	for v in "$@"; do
		vips="$vips		$v dev d0
"
	done
	if [ "$auth" != "-" ]; then
		authblock="	authentication {
		auth_type ${auth%%:*}
		auth_pass ${auth#*:}
	}
"
	fi
	if [ -n "${peer:-}" ]; then
		unicast="	unicast_peer {
		$peer
	}
"
		why="unicast to $peer"
		ip -n "$ns" neigh replace "$peer" lladdr 02:00:00:00:00:02 \
		    nud permanent dev d0
	fi
	cat >"$conf" <<EOF
global_defs {
	vrrp_version $version
	router_id vpkt
	enable_script_security
}
vrrp_instance VI_$name {
	state BACKUP
	interface d0
	virtual_router_id $vrid
	priority $prio
	advert_int $adv
$authblock$unicast	virtual_ipaddress {
$vips	}
}
EOF
	# tcpdump writes to stdout: the file is opened by this (root) shell,
	# not by tcpdump after it has dropped its privileges.
	timeout 30 ip netns exec "$ns" tcpdump -n -U -i d0 -c 2 -w - \
	    'ip proto 112 or ip proto 51 or ip6 proto 112' >"$outdir/$name.pcap" 2>"$work/run/$name.tcpdump.log" &
	tpid=$!
	pids="$pids $tpid"
	sleep 1
	ip netns exec "$ns" keepalived -n -l -D -P -f "$conf" \
	    -p "$work/run/$name.pid" -r "$work/run/$name.vrrp.pid" \
	    >"$work/run/$name.keepalived.log" 2>&1 &
	kpid=$!
	pids="$pids $kpid"

	if ! wait "$tpid"; then
		echo "$0: no advert captured for $name; keepalived said:" >&2
		cat "$work/run/$name.keepalived.log" >&2
		exit 1
	fi
	kill "$kpid" 2>/dev/null || true
	wait "$kpid" 2>/dev/null || true
	pids=""

	# tcpdump -x prints each packet from the network header on.
	packet_bytes "$outdir/$name.pcap" 1 >"$outdir/$name.bin"
	packet_bytes "$outdir/$name.pcap" 2 >"$outdir/$name.2.bin"
	{
		echo "/* $name: $kversion, VRRPv$version, auth $auth, vrid $vrid, priority $prio, advert_int $adv, $why, VIPs $* */"
		xxd -i <"$outdir/$name.bin"
		echo "/* second packet */"
		xxd -i <"$outdir/$name.2.bin"
	} >"$outdir/$name.txt"
	tcpdump -n -v -r "$outdir/$name.pcap" 2>/dev/null
	cat "$outdir/$name.txt"
}

# packet_bytes PCAP N: the Nth packet of PCAP, from the network header on.
packet_bytes() {
	tcpdump -n -r "$1" -x 2>/dev/null |
	    awk -v want="$2" '
		/^[^ \t]/ { n++ }
		n == want && /^[ \t]+0x[0-9a-f]+:/ {
			for (i = 2; i <= NF; i++) printf "%s", $i
		}' |
	    xxd -r -p
}

capture v3_1vip 3 - 51 150 1 192.0.2.10/24
capture v3_3vip 3 - 52 100 0.1 192.0.2.10/24 192.0.2.11/24 192.0.2.12/24
capture v3_ipv6 3 - 53 200 1 2001:db8::10/64
capture v2_none 2 - 61 150 1 192.0.2.10/24
capture v2_pass 2 PASS:s3cret 62 120 2 192.0.2.10/24 192.0.2.11/24
capture v2_ah 2 AH:ah-key1 63 200 1 192.0.2.10/24
peer=192.0.2.2 capture v2_ah_unicast 2 AH:ah-key1 64 200 1 192.0.2.10/24

echo "output in $outdir"

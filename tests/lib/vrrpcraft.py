# SPDX-License-Identifier: GPL-2.0-or-later
"""
vrrpcraft - VRRP advertisements built by hand, right or wrong on purpose.

The VRRP part is packed here byte by byte (RFC 5798 5.1, RFC 3768 5.1), so a
test can break exactly one field; scapy wraps it in a correct IPv4 header
(protocol 112, to 224.0.0.18, TTL as asked) and Ethernet frame
(01:00:5e:00:00:12), or, for a source with a colon, a VRRPv3 IPv6 advert
(RFC 5798 5.1.2: to ff02::12, hop limit as asked, from 33:33:00:00:00:12's
sender; the checksum over the IPv6 pseudo-header, RFC 8200 8.1).
ah_frame() signs a VRRPv2 advert the way keepalived does (IPsec AH,
HMAC-MD5-96), independently of vipd's C code.
"""

import hashlib
import hmac
import socket
import struct

from scapy.all import IP, IPv6, Ether, Raw, fragment

VRRP_PROTO = 112
VRRP_GROUP = "224.0.0.18"
VRRP_GROUP_MAC = "01:00:5e:00:00:12"
VRRP_GROUP6 = "ff02::12"
VRRP_GROUP6_MAC = "33:33:00:00:00:12"
# lib/vrrp/vrrp_pkt.h: the largest datagram vipd reads (an IPv6 header with
# options, the VRRP header, 255 IPv6 addresses); anything larger is refused.
VRRP_PKT_MAX_LEN = 60 + 8 + 255 * 16


def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total >> 16) + (total & 0xFFFF)
    return ~total & 0xFFFF


def _packed(addr):
    return socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET,
                            addr)


def advert(src, vrid=51, priority=100, addrs=("192.0.2.100",), version=3,
           type_=1, interval_cs=10, count=None, dst=VRRP_GROUP,
           checksum=None, bad_checksum=False, truncate=None, auth_type=0,
           auth_data=b"", trailer=b""):
    """The VRRP payload. count overrides the address count field; checksum
    forces a value, bad_checksum flips the right one; truncate keeps only
    the first `truncate` bytes (after the checksum is computed); trailer
    is appended after the addresses (and v2 authentication data) and
    covered by the checksum, so that only the length is wrong. v2 only:
    auth_type (0 none, 1 PASS, 2 AH) and auth_data (NUL-padded to 8).
    An IPv6 src (v3 only) makes an IPv6 advert: addrs IPv6 too, dst
    ff02::12 unless given."""
    ipv6 = ":" in src
    if ipv6 and dst == VRRP_GROUP:
        dst = VRRP_GROUP6
    addr_bytes = b"".join(_packed(a) for a in addrs)
    n = len(addrs) if count is None else count
    if version == 3:
        word = interval_cs & 0x0FFF
    else:                     # v2: auth type, advert interval in seconds
        word = (auth_type << 8) | max(1, interval_cs // 100)
    header = struct.pack("!BBBBHH", (version << 4) | type_, vrid, priority, n,
                         word, 0)
    body = header + addr_bytes
    if version != 3:
        body += auth_data[:8].ljust(8, b"\0")   # v2 authentication data
    body += trailer
    if version == 3 and ipv6:
        pseudo = _packed(src) + _packed(dst) + \
            struct.pack("!I3xB", len(body), VRRP_PROTO)
        csum = inet_checksum(pseudo + body)
    elif version == 3:
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + \
            struct.pack("!BBH", 0, VRRP_PROTO, len(body))
        csum = inet_checksum(pseudo + body)
    else:
        csum = inet_checksum(body)
    if checksum is not None:
        csum = checksum
    elif bad_checksum:
        csum ^= 0x5A5A
    body = body[:6] + struct.pack("!H", csum) + body[8:]
    if truncate is not None:
        body = body[:truncate]
    return body


def frame(src_mac, src, payload, ttl=255, dst=VRRP_GROUP):
    """payload in an IPv4 packet (protocol 112) in an Ethernet frame; for
    an IPv6 src in an IPv6 packet (next header 112, hop limit ttl) to
    ff02::12 unless dst is given."""
    if ":" in src:
        if dst == VRRP_GROUP:
            dst = VRRP_GROUP6
        return bytes(Ether(src=src_mac, dst=VRRP_GROUP6_MAC) /
                     IPv6(src=src, dst=dst, hlim=ttl, nh=VRRP_PROTO) /
                     Raw(load=payload))
    return bytes(Ether(src=src_mac, dst=VRRP_GROUP_MAC) /
                 IP(src=src, dst=dst, ttl=ttl, proto=VRRP_PROTO) /
                 Raw(load=payload))


def frames(src_mac, src, payload, ttl=255, dst=VRRP_GROUP, fragsize=None):
    """frame() as a list; with fragsize, the IPv4 datagram cut into
    fragments of at most fragsize payload bytes each (scapy's fragment()),
    which the receiver's kernel reassembles before any socket sees it: the
    way to deliver a datagram larger than the link's MTU."""
    packet = IP(src=src, dst=dst, ttl=ttl, proto=VRRP_PROTO) / Raw(load=payload)
    parts = fragment(packet, fragsize=fragsize) if fragsize else [packet]
    return [bytes(Ether(src=src_mac, dst=VRRP_GROUP_MAC) / part) for part in parts]


def ah_frame(src_mac, src, payload, key, seq, ip_id=1, ttl=255, dst=VRRP_GROUP):
    """A VRRPv2 payload (auth type 2) inside IPsec AH, as keepalived sends
    it: IP protocol 51, AH next header 112 and payload length 4, SPI = src,
    sequence number seq, ICV = HMAC-MD5 keyed with the NUL-padded 8-byte key
    over the datagram with TOS, flags/fragment offset, header checksum and
    ICV zeroed, cut to 96 bits."""
    ah = struct.pack("!BBH4sI", VRRP_PROTO, 4, 0, socket.inet_aton(src), seq)
    total = 20 + 24 + len(payload)

    def ip_header(tos, frag, csum):
        return struct.pack("!BBHHHBBH4s4s", 0x45, tos, total, ip_id, frag, ttl,
                           51, csum, socket.inet_aton(src), socket.inet_aton(dst))

    signed = ip_header(0, 0, 0) + ah + b"\0" * 12 + payload
    icv = hmac.new(key.encode()[:8].ljust(8, b"\0"), signed,
                   hashlib.md5).digest()[:12]
    header = ip_header(0xC0, 0, 0)
    header = ip_header(0xC0, 0, inet_checksum(header))
    return bytes(Ether(src=src_mac, dst=VRRP_GROUP_MAC, type=0x0800)) + \
        header + ah + icv + payload

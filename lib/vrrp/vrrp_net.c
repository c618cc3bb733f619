/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_net - raw sockets for VRRP over IPv4 and IPv6.
 */
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "vrrp/vrrp_auth.h"
#include "vrrp/vrrp_net.h"
#include "vrrp/vrrp_pkt_ip.h"

int
vrrp_net_open_ipv4(const char *ifname, int ifindex, int protocol)
{
	struct ip_mreqn mreq;
	int fd, on = 1, off = 0, err;

	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_ifindex = ifindex;
	inet_pton(AF_INET, VRRP_IPV4_MCAST_GROUP, &mreq.imr_multiaddr);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
	    (socklen_t)strlen(ifname)) < 0 ||
	    /* We build the header: TTL 255 and our primary address as source. */
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0 ||
	    /* Our own adverts must not come back to us as a peer's. */
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off)) < 0 ||
	    /* Only the groups joined on this socket, not every socket's. */
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof(off)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int
vrrp_net_send_ipv4(int fd, const uint8_t *pkt, size_t len,
    const struct addr *dst)
{
	struct sockaddr_in sin;
	ssize_t n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, dst->bytes, 4);
	n = sendto(fd, pkt, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

ssize_t
vrrp_net_recv(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap, MSG_TRUNC);

	if (n < 0)
		return -errno;
	/* MSG_TRUNC reports the real length: an oversized packet is refused. */
	if ((size_t)n > cap)
		return -EMSGSIZE;
	return n;
}

int
vrrp_net_open_ipv6(const char *ifname, int ifindex)
{
	struct ipv6_mreq mreq;
	int fd, on = 1, off = 0, hops = VRRP_REQUIRED_TTL, err;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VRRP_IPPROTO);
	if (fd < 0)
		return -errno;
	memset(&mreq, 0, sizeof(mreq));
	mreq.ipv6mr_interface = (unsigned int)ifindex;
	inet_pton(AF_INET6, VRRP_IPV6_MCAST_GROUP, &mreq.ipv6mr_multiaddr);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
	    (socklen_t)strlen(ifname)) < 0 ||
	    /* RFC 5798 7.1: receivers check the hop limit and the destination. */
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0 ||
	    /* RFC 5798 5.1.2.3: hop limit 255, unicast peers included. */
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
	    sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
	    sizeof(ifindex)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
	    sizeof(off)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq,
	    sizeof(mreq)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	/* Only our own memberships (Linux 4.20+; older kernels lack the option). */
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof(off));
	return fd;
}

/* The IPv6 header vrrp_pkt_parse_ipv6() expects in front of a payload. */
static void
vrrp_net_ipv6_header(uint8_t *h, size_t plen, const struct in6_addr *src,
    const struct in6_addr *dst, int hops)
{
	memset(h, 0, VRRP_IPV6_HDR_LEN);
	h[0] = 6 << 4;
	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = VRRP_IPPROTO;
	/* No hop limit told: 0, which the receive checks refuse. */
	h[7] = hops >= 0 && hops <= 255 ? (uint8_t)hops : 0;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

ssize_t
vrrp_net_recv_ipv6(int fd, uint8_t *buf, size_t cap)
{
	union {
		struct cmsghdr align;
		uint8_t bytes[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(int))];
	} control;
	struct sockaddr_in6 from;
	struct in6_addr dst = IN6ADDR_ANY_INIT;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *c;
	int hops = -1;
	ssize_t n;

	if (cap < VRRP_IPV6_HDR_LEN)
		return -EINVAL;
	iov.iov_base = buf + VRRP_IPV6_HDR_LEN;
	iov.iov_len = cap - VRRP_IPV6_HDR_LEN;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.bytes;
	msg.msg_controllen = sizeof(control.bytes);
	if ((n = recvmsg(fd, &msg, 0)) < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&hops, CMSG_DATA(c), sizeof(hops));
		else if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo)))
			memcpy(&dst, CMSG_DATA(c), sizeof(dst));
	}
	vrrp_net_ipv6_header(buf, (size_t)n, &from.sin6_addr, &dst, hops);
	return n + VRRP_IPV6_HDR_LEN;
}

/* Link-local unicast or link-scope multicast: needs the interface as scope. */
static bool
vrrp_net_link_scoped(const uint8_t *a)
{
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	    (a[0] == 0xff && (a[1] & 0x0f) == 0x02);
}

static int
vrrp_net_send_ipv6(int fd, int ifindex, const uint8_t *payload, size_t len,
    const struct addr *src, const struct addr *dst)
{
	union {
		struct cmsghdr align;
		uint8_t bytes[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control;
	struct in6_pktinfo info;
	struct sockaddr_in6 to;
	struct iovec iov = { (void *)payload, len };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;

	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	memcpy(&to.sin6_addr, dst->bytes, 16);
	if (vrrp_net_link_scoped(dst->bytes))
		to.sin6_scope_id = (uint32_t)ifindex;
	/* The checksum covered src: the kernel must not pick another one. */
	memset(&info, 0, sizeof(info));
	memcpy(&info.ipi6_addr, src->bytes, 16);
	info.ipi6_ifindex = (unsigned int)ifindex;
	memset(&control, 0, sizeof(control));
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &to;
	msg.msg_namelen = sizeof(to);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.bytes;
	msg.msg_controllen = sizeof(control.bytes);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(info));
	memcpy(CMSG_DATA(c), &info, sizeof(info));
	if ((n = sendmsg(fd, &msg, 0)) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int
vrrp_net_send_advert(int fd, int ifindex, const struct vrrp_advert *adv,
    const struct vrrp_auth *auth, const struct addr *src,
    const struct addr *dst, uint16_t ip_id)
{
	uint8_t pkt[VRRP_PKT_MAX_LEN];
	int len, err;

	if (src->family == AF_INET6) {
		len = vrrp_pkt_encode(adv, auth, src, dst, pkt, sizeof(pkt));
		return len < 0 ? len :
		    vrrp_net_send_ipv6(fd, ifindex, pkt, (size_t)len, src, dst);
	}
	len = vrrp_pkt_build_ipv4(adv, auth, src, dst, ip_id, pkt, sizeof(pkt));
	if (len < 0)
		return len;
	/* The codec framed AH; the ICV over the whole datagram comes last. */
	if (pkt[9] == VRRP_IPPROTO_AH &&
	    (err = vrrp_auth_ah_sign(auth, pkt, (size_t)len)) < 0)
		return err;
	return vrrp_net_send_ipv4(fd, pkt, (size_t)len, dst);
}

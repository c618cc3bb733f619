/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_probe - ARP / neighbour solicitation probe of the master's address
 * (see vrrp_probe.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrrp/vrrp_nd.h"
#include "vrrp/vrrp_probe.h"

#define ARP_LEN 28

int
vrrp_probe_open(void)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ARP));

	return fd < 0 ? -errno : fd;
}

int
vrrp_probe_send(int fd, int ifindex, const uint8_t mac[6],
    const struct addr *src, const struct addr *target)
{
	uint8_t p[ARP_LEN] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01 };
	struct sockaddr_ll sll;

	if (src->family != AF_INET || target->family != AF_INET)
		return -EAFNOSUPPORT;
	memcpy(p + 8, mac, 6);
	memcpy(p + 14, src->bytes, 4);
	memcpy(p + 24, target->bytes, 4);      /* target MAC: zero */
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(fd, p, sizeof(p), MSG_DONTWAIT, (struct sockaddr *)&sll,
	    sizeof(sll)) < 0)
		return -errno;
	return 0;
}

bool
vrrp_probe_read(int fd, int *ifindex, struct addr *sender)
{
	uint8_t p[64];
	struct sockaddr_ll sll;
	socklen_t len;
	ssize_t n;

	for (;;) {
		len = sizeof(sll);
		n = recvfrom(fd, p, sizeof(p), MSG_DONTWAIT,
		    (struct sockaddr *)&sll, &len);
		if (n < 0)
			return false;
		/* Our own requests come back as outgoing: not an answer. */
		if (sll.sll_pkttype == PACKET_OUTGOING || n < ARP_LEN ||
		    p[0] != 0 || p[1] != 1 || p[2] != 0x08 || p[3] != 0 ||
		    p[4] != 6 || p[5] != 4)
			continue;
		*ifindex = sll.sll_ifindex;
		memset(sender, 0, sizeof(*sender));
		sender->family = AF_INET;
		memcpy(sender->bytes, p + 14, 4);
		return true;
	}
}

int
vrrp_probe6_open(void)
{
	struct icmp6_filter f;
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6);
	int hops = 255, on = 1, off = 0;

	if (fd < 0)
		return -errno;
	/* Only advertisements wake the loop; the rest stays in the kernel. */
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ND_NEIGHBOR_ADVERT, &f);
	/* RFC 4861 7.1.1: a solicitation with another hop limit is dropped. */
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
	    sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
	    sizeof(off)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
	    sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int
vrrp_probe6_send(int fd, int ifindex, const uint8_t mac[6],
    const struct addr *src, const struct addr *target)
{
	uint8_t ns[VRRP_ND_NS_LEN];
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct sockaddr_in6 to;
	struct in6_pktinfo pi;
	struct addr group;
	struct iovec iov = { .iov_base = ns, .iov_len = sizeof(ns) };
	struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof(to),
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
	    .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *c;

	if (src->family != AF_INET6 || target->family != AF_INET6)
		return -EAFNOSUPPORT;
	vrrp_nd_build_ns(mac, target, ns);
	/*
	 * To the solicited-node group: no neighbour entry of ours is needed
	 * (a unicast probe would wait on the very entry that went stale).
	 */
	vrrp_nd_solicited_node(target, &group);
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	memcpy(&to.sin6_addr, group.bytes, 16);
	to.sin6_scope_id = (uint32_t)ifindex;
	memset(&ctl, 0, sizeof(ctl));
	memset(&pi, 0, sizeof(pi));
	memcpy(&pi.ipi6_addr, src->bytes, 16);
	pi.ipi6_ifindex = (unsigned)ifindex;
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (sendmsg(fd, &msg, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}

bool
vrrp_probe6_read(int fd, int *ifindex, struct addr *sender)
{
	uint8_t mac[6];
	bool has_mac;

	return vrrp_probe6_read_na(fd, ifindex, sender, mac, &has_mac);
}

bool
vrrp_probe6_read_na(int fd, int *ifindex, struct addr *sender,
    uint8_t mac[6], bool *has_mac)
{
	uint8_t p[256];
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(int))];
	} ctl;
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = p, .iov_len = sizeof(p) };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;

	for (;;) {
		int hops = -1, idx = 0;

		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.b;
		msg.msg_controllen = sizeof(ctl.b);
		if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) < 0)
			return false;
		for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != IPPROTO_IPV6)
				continue;
			if (c->cmsg_type == IPV6_HOPLIMIT &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&hops, CMSG_DATA(c), sizeof(int));
			else if (c->cmsg_type == IPV6_PKTINFO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				idx = (int)pi.ipi6_ifindex;
			}
		}
		if (vrrp_nd_parse_na(p, (size_t)n, hops, sender) != VRRP_ND_NA)
			continue;
		*has_mac = vrrp_nd_na_lladdr(p, (size_t)n, mac);
		*ifindex = idx;
		return true;
	}
}

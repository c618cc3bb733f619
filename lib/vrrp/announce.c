/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * announce - gratuitous ARP and unsolicited Neighbour Advertisements.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/socket.h>

#include "vrrp/announce.h"

void
announce_build_garp(const uint8_t mac[6], const struct addr *ip,
    uint8_t out[ANNOUNCE_ARP_LEN])
{
	uint16_t v;

	v = htons(ARPHRD_ETHER);
	memcpy(out + 0, &v, 2);
	v = htons(ETH_P_IP);
	memcpy(out + 2, &v, 2);
	out[4] = 6;
	out[5] = 4;
	/*
	 * A request, not a reply: every Linux and most other stacks update an
	 * existing neighbour entry from it, and RFC 5227 calls this form an
	 * ARP Announcement.
	 */
	v = htons(ARPOP_REQUEST);
	memcpy(out + 6, &v, 2);
	memcpy(out + 8, mac, 6);
	memcpy(out + 14, ip->bytes, 4);
	memset(out + 18, 0, 6);
	memcpy(out + 24, ip->bytes, 4);
}

int
announce_open(void)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int
announce_send_garp(int fd, int ifindex, const uint8_t mac[6],
    const struct addr *ip)
{
	uint8_t frame[ANNOUNCE_ARP_LEN];
	struct sockaddr_ll sll;

	if (ip->family != AF_INET)
		return -EAFNOSUPPORT;
	announce_build_garp(mac, ip, frame);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
	    sizeof(sll)) < 0)
		return -errno;
	return 0;
}

#define ND_NEIGHBOR_ADVERT_TYPE 136     /* RFC 4861 4.4 */
#define ND_NA_FLAG_OVERRIDE_BIT 0x20
#define ND_OPT_TARGET_LLADDR 2
#define IPPROTO_ICMPV6_NUM 58

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

void
announce_build_na(const uint8_t mac[6], const struct addr *src,
    const struct addr *target, uint8_t out[ANNOUNCE_NA_LEN])
{
	uint8_t *icmp = out + 40;
	uint8_t pseudo[40];
	uint32_t sum;
	uint16_t csum;

	memset(out, 0, ANNOUNCE_NA_LEN);
	out[0] = 6 << 4;
	out[5] = ANNOUNCE_NA_LEN - 40;      /* payload length, high byte 0 */
	out[6] = IPPROTO_ICMPV6_NUM;
	/* RFC 4861 7.1.2: receivers drop an NA whose hop limit is not 255. */
	out[7] = 255;
	memcpy(out + 8, src->bytes, 16);
	memcpy(out + 24, all_nodes, 16);

	icmp[0] = ND_NEIGHBOR_ADVERT_TYPE;
	/*
	 * RFC 4861 7.2.6: unsolicited, so S clear; O set so that neighbours
	 * replace the cached link-layer address of the previous master.
	 */
	icmp[4] = ND_NA_FLAG_OVERRIDE_BIT;
	memcpy(icmp + 8, target->bytes, 16);
	icmp[24] = ND_OPT_TARGET_LLADDR;
	icmp[25] = 1;                       /* in units of 8 bytes */
	memcpy(icmp + 26, mac, 6);

	/* RFC 4443 2.3 / RFC 2460 8.1: checksum over the pseudo-header too. */
	memcpy(pseudo, out + 8, 32);
	memset(pseudo + 32, 0, 8);
	pseudo[35] = ANNOUNCE_NA_LEN - 40;
	pseudo[39] = IPPROTO_ICMPV6_NUM;
	sum = vrrp_pkt_csum_add(0, pseudo, sizeof(pseudo));
	sum = vrrp_pkt_csum_add(sum, icmp, ANNOUNCE_NA_LEN - 40);
	csum = vrrp_pkt_csum_fold(sum);
	icmp[2] = (uint8_t)(csum >> 8);
	icmp[3] = (uint8_t)csum;
}

int
announce_send_na(int fd, int ifindex, const uint8_t mac[6],
    const struct addr *src, const struct addr *target)
{
	uint8_t pkt[ANNOUNCE_NA_LEN];
	struct sockaddr_ll sll;

	if (src->family != AF_INET6 || target->family != AF_INET6)
		return -EAFNOSUPPORT;
	announce_build_na(mac, src, target, pkt);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IPV6);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = 6;
	/* RFC 2464 7: ff02::1 maps to 33:33:00:00:00:01. */
	sll.sll_addr[0] = 0x33;
	sll.sll_addr[1] = 0x33;
	memcpy(sll.sll_addr + 2, all_nodes + 12, 4);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sll,
	    sizeof(sll)) < 0)
		return -errno;
	return 0;
}

int
announce_send(int fd, int ifindex, const uint8_t mac[6],
    const struct addr *src, const struct addr *ip)
{
	if (ip->family == AF_INET6)
		return announce_send_na(fd, ifindex, mac, src, ip);
	return announce_send_garp(fd, ifindex, mac, ip);
}

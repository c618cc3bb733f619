/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_probe - ARP probe of the master's address (see vrrp_probe.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

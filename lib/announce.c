/*
 * announce - gratuitous ARP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/socket.h>

#include "announce.h"

void
announce_build_garp(const uint8_t mac[6], const struct vrrp_addr *ip,
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
    const struct vrrp_addr *ip)
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

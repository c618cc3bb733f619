/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_arp - the documented hazard of direct routing (vipd(7), DR): a
 * backend that holds the VIP on lo with arp_ignore left at 0 answers ARP
 * for the VIP, and clients that believe it send to it directly, past the
 * balancer and past failover. Declared in lb.h.
 *
 * The kernel's neighbour table cannot tell (the node never resolves its
 * own VIP), so while the node holds a dr service's IPv4 VIP it asks,
 * every LB_ARP_PROBE_MS, who has it (an ARP probe, RFC 5227: sender
 * address 0, so that no one's cache learns anything), and listens to the
 * ARP on the VIP's interface: a reply or announcement for the VIP from a
 * MAC that is neither the node's nor its VMAC is logged (rate-limited: a
 * peer can send them) and counted. IPv6 (a second neighbour advertiser)
 * is not watched.
 *
 * Never does: answer ARP, or change anything: it only reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "lb/lb.h"
#include "lb/lb_dr.h"
#include "os/log.h"

#define LB_ARP_PROBE_MS 5000
#define ARP_LEN 28              /* Ethernet / IPv4 ARP */

static bool
arp_watched(const struct lb_service *svc)
{
	return svc->conf.forwarding == CONF_LB_DR && svc->dr_ready &&
	    svc->conf.addr.family == AF_INET;
}

static void
arp_readable(struct evloop_watch *w, uint32_t events)
{
	struct lb *lb = w->arg;
	uint8_t p[64];
	struct sockaddr_ll from;
	socklen_t flen;
	ssize_t n;

	(void)events;
	for (;;) {
		char a[INET_ADDRSTRLEN], m[18];
		uint64_t suppressed = 0;

		flen = sizeof(from);
		n = recvfrom(lb->arp_fd, p, sizeof(p), 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		/* Ours going out, or not Ethernet/IPv4 ARP: not a witness. */
		if (from.sll_pkttype == PACKET_OUTGOING || n < ARP_LEN ||
		    p[0] != 0 || p[1] != ARPHRD_ETHER || p[2] != 0x08 ||
		    p[3] != 0x00 || p[4] != 6 || p[5] != 4)
			continue;
		for (size_t i = 0; i < lb->nservices; i++) {
			struct lb_service *svc = lb->services[i];

			if (!arp_watched(svc) || !svc->dr_holds_vip ||
			    from.sll_ifindex != svc->dr_in_ifindex ||
			    memcmp(p + 14, svc->conf.addr.bytes, 4) != 0 ||
			    memcmp(p + 8, svc->dr_in_mac, 6) == 0 ||
			    (svc->conf.dr_has_vmac &&
			    memcmp(p + 8, svc->conf.dr_vmac, 6) == 0))
				continue;
			svc->dr_arp_hazards++;
			if (log_ratelimit_allow(&lb->arp_log, evloop_now_ms(),
			    &suppressed))
				log_warn("%s: %s is claimed by %s on %s (ARP), "
				    "not by this node: a backend with the VIP "
				    "and arp_ignore = 0 takes clients past the "
				    "balancer (vipd(7), DR) (%" PRIu64 " similar "
				    "lines suppressed)", svc->conf.name,
				    inet_ntop(AF_INET, p + 14, a, sizeof(a)),
				    lb_dr_mac_str(p + 8, m, sizeof(m)),
				    svc->conf.dr_ingress, suppressed);
		}
	}
}

int
lb_arp_open(struct lb *lb)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ARP));
	int err;

	lb->arp_fd = -1;
	if (fd < 0)
		return -errno;
	lb->arp_watch = (struct evloop_watch){ fd, arp_readable, lb };
	if ((err = evloop_add(lb->loop, &lb->arp_watch, EPOLLIN)) < 0) {
		close(fd);
		return err;
	}
	lb->arp_fd = fd;
	return 0;
}

/* "Who has VIP?" from the node's MAC with sender address 0 (a probe). */
static void
probe(struct lb *lb, const struct lb_service *svc)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t p[ARP_LEN] = { 0, ARPHRD_ETHER, 0x08, 0x00, 6, 4, 0,
	    ARPOP_REQUEST };
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = svc->dr_in_ifindex,
	    .sll_halen = 6 };

	memcpy(p + 8, svc->dr_in_mac, 6);
	memcpy(p + 24, svc->conf.addr.bytes, 4);
	memcpy(to.sll_addr, bcast, 6);
	(void)sendto(lb->arp_fd, p, sizeof(p), 0, (struct sockaddr *)&to,
	    sizeof(to));
}

void
lb_arp_tick(struct lb *lb, uint64_t now_ms)
{
	if (lb->arp_fd < 0 || now_ms < lb->arp_probe_ms)
		return;
	lb->arp_probe_ms = now_ms + LB_ARP_PROBE_MS;
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		/*
		 * Only the node that holds the VIP judges (elsewhere the
		 * master rightly answers), as of this probe: read here, not
		 * per ARP packet, which a peer can send at will.
		 */
		svc->dr_holds_vip = arp_watched(svc) && lb->neigh_ok &&
		    nl_neigh_is_local(&lb->neigh, svc->dr_in_ifindex,
		    &svc->conf.addr) == 1;
		if (svc->dr_holds_vip)
			probe(lb, svc);
	}
}

void
lb_arp_close(struct lb *lb)
{
	if (lb->arp_fd < 0)
		return;
	evloop_del(lb->loop, &lb->arp_watch);
	close(lb->arp_fd);
	lb->arp_fd = -1;
}

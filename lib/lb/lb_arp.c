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
 * peer can send them) and counted.
 *
 * IPv6 alike with neighbour discovery: a Linux backend answers
 * solicitations only for addresses of the asking interface, so the VIP
 * on its lo stays silent, but one with the VIP on its NIC, or a system
 * that answers for every address it holds, advertises it. The node asks
 * (a neighbour solicitation for the VIP to its solicited-node group,
 * RFC 4861 7.2.2, from the node's link-local address) and reads every
 * advertisement of the VIP on a raw ICMPv6 socket that lets only
 * advertisements through; the MAC it names (its target link-layer
 * address option) is judged as above.
 *
 * Never does: answer ARP or ND, or change anything: it only reports.
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
#include "vrrp/vrrp_probe.h"

#define LB_ARP_PROBE_MS 5000
#define ARP_LEN 28              /* Ethernet / IPv4 ARP */

static bool
arp_watched(const struct lb_service *svc)
{
	return svc->conf.forwarding == CONF_LB_DR && svc->dr_ready &&
	    ((svc->conf.addr.family == AF_INET && svc->lb->arp_fd >= 0) ||
	    (svc->conf.addr.family == AF_INET6 && svc->lb->nd_fd >= 0));
}

/*
 * mac claims svc's VIP on ifindex: a hazard unless it is this node's
 * (or its VMAC), or the node does not hold the VIP (then the master
 * rightly answers).
 */
static bool
is_hazard(const struct lb_service *svc, int ifindex, const uint8_t *vip,
    const uint8_t *mac)
{
	size_t alen = svc->conf.addr.family == AF_INET6 ? 16 : 4;

	return arp_watched(svc) && svc->dr_holds_vip &&
	    ifindex == svc->dr_in_ifindex &&
	    memcmp(vip, svc->conf.addr.bytes, alen) == 0 &&
	    memcmp(mac, svc->dr_in_mac, 6) != 0 &&
	    !(svc->conf.dr_has_vmac && memcmp(mac, svc->conf.dr_vmac, 6) == 0);
}

static void
report(struct lb *lb, struct lb_service *svc, const uint8_t *mac,
    const char *how)
{
	char a[INET6_ADDRSTRLEN], m[18];
	uint64_t suppressed = 0;

	svc->dr_arp_hazards++;
	if (log_ratelimit_allow(&lb->arp_log, evloop_now_ms(), &suppressed))
		log_warn("%s: %s is claimed by %s on %s (%s), not by this node: "
		    "a backend %s takes clients past the balancer (vipd(7), DR) "
		    "(%" PRIu64 " similar lines suppressed)", svc->conf.name,
		    addr_str(&svc->conf.addr, a, sizeof(a)),
		    lb_dr_mac_str(mac, m, sizeof(m)), svc->conf.dr_ingress, how,
		    svc->conf.addr.family == AF_INET6 ? "that answers neighbour "
		    "solicitations for the VIP" : "with the VIP and arp_ignore "
		    "= 0", suppressed);
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
		for (size_t i = 0; i < lb->nservices; i++)
			if (lb->services[i]->conf.addr.family == AF_INET &&
			    is_hazard(lb->services[i], from.sll_ifindex, p + 14,
			    p + 8))
				report(lb, lb->services[i], p + 8, "ARP");
	}
}

static void
nd_readable(struct evloop_watch *w, uint32_t events)
{
	struct lb *lb = w->arg;
	struct addr target;
	uint8_t mac[6];
	bool has_mac;
	int ifindex;

	(void)events;
	while (vrrp_probe6_read_na(lb->nd_fd, &ifindex, &target, mac,
	    &has_mac)) {
		/* An answer to a unicast solicitation names no MAC: ours. */
		if (!has_mac)
			continue;
		for (size_t i = 0; i < lb->nservices; i++)
			if (lb->services[i]->conf.addr.family == AF_INET6 &&
			    is_hazard(lb->services[i], ifindex, target.bytes,
			    mac))
				report(lb, lb->services[i], mac, "ND");
	}
}

static int
nd_open(struct lb *lb)
{
	int fd = vrrp_probe6_open();
	int err;

	if (fd < 0)
		return fd;
	lb->nd_watch = (struct evloop_watch){ fd, nd_readable, lb };
	if ((err = evloop_add(lb->loop, &lb->nd_watch, EPOLLIN)) < 0) {
		close(fd);
		return err;
	}
	lb->nd_fd = fd;
	return 0;
}

int
lb_arp_open(struct lb *lb)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ARP));
	int err;

	lb->arp_fd = -1;
	if ((err = nd_open(lb)) < 0)
		log_warn("balancer: no neighbour discovery watch for IPv6 dr "
		    "services (%s): a backend answering for the VIP goes "
		    "unnoticed", strerror(-err));
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

/*
 * "Who has VIP?" to its solicited-node group. The kernel picks the source
 * (the link-local address: the group's scope), which the answers go to.
 */
static void
probe6(struct lb *lb, const struct lb_service *svc)
{
	static const struct addr any = { .family = AF_INET6 };

	(void)vrrp_probe6_send(lb->nd_fd, svc->dr_in_ifindex, svc->dr_in_mac,
	    &any, &svc->conf.addr);
}

void
lb_arp_tick(struct lb *lb, uint64_t now_ms)
{
	if ((lb->arp_fd < 0 && lb->nd_fd < 0) || now_ms < lb->arp_probe_ms)
		return;
	lb->arp_probe_ms = now_ms + LB_ARP_PROBE_MS;
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		/*
		 * Only the node that holds the VIP judges (elsewhere the
		 * master rightly answers), as of this probe: read here, not
		 * per ARP packet, which a peer can send at will.
		 */
		/*
		 * With a VMAC the VIP lives on the instance's macvlan, not
		 * on the interface the frames come in on: any of the
		 * node's interfaces then.
		 */
		svc->dr_holds_vip = arp_watched(svc) && lb->neigh_ok &&
		    nl_neigh_is_local(&lb->neigh, svc->conf.dr_has_vmac ? 0 :
		    svc->dr_in_ifindex, &svc->conf.addr) == 1;
		if (!svc->dr_holds_vip)
			continue;
		if (svc->conf.addr.family == AF_INET)
			probe(lb, svc);
		else
			probe6(lb, svc);
	}
}

void
lb_arp_close(struct lb *lb)
{
	if (lb->nd_fd >= 0) {
		evloop_del(lb->loop, &lb->nd_watch);
		close(lb->nd_fd);
		lb->nd_fd = -1;
	}
	if (lb->arp_fd < 0)
		return;
	evloop_del(lb->loop, &lb->arp_watch);
	close(lb->arp_fd);
	lb->arp_fd = -1;
}

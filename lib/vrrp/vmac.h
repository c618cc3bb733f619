/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmac - an instance's virtual MAC interface (use_vmac): a macvlan with
 * the RFC 5798 7.3 virtual router MAC 00-00-5E-00-01-{VRID} (IPv4) or
 * 00-00-5E-00-02-{VRID} (IPv6) on the instance's interface. The VIPs live
 * on it, and adverts and gratuitous ARPs leave through it, so every frame
 * the Master sends about the VIP carries the virtual MAC and a failover
 * changes no client's ARP entry.
 *
 * Owns: the macvlan (created at start, a stale one from a crash replaced,
 * deleted at stop), a send-only socket on it for multicast adverts
 * (unicast ones leave through the base, see vmac.c), and the ARP sysctls
 * that make only the virtual MAC answer for the VIP (vmac.c says which and
 * why); the base interface's previous values are put back at stop.
 * vmac_mac() is pure.
 *
 * Never does: add VIPs or send anything itself (the instance does, with
 * vmac.ifindex, vmac.mac and vmac.fd), or read adverts (they arrive on the
 * base interface's socket, see vmac.c).
 */
#ifndef VIPD_VMAC_H
#define VIPD_VMAC_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "os/nl.h"

struct vmac {
	int ifindex;                   /* 0 while it does not exist */
	int base_ifindex;              /* the interface it was created on */
	uint8_t mac[6];
	int fd;                        /* multicast advert socket on it, or -1 */
	bool source_on;                /* IPv6: the advert source is on it */
	bool removed;                  /* vmac_remove() ran: the instance stopped */
	bool base_saved;               /* we changed the base's sysctls: restore */
	int base_arp_ignore, base_arp_filter, base_arp_announce;
};

/* RFC 5798 7.3: the virtual router MAC of vrid for family. */
void vmac_mac(int family, uint8_t vrid, uint8_t mac[6]);

void vmac_init(struct vmac *vm);

/*
 * Make the VMAC interface of conf exist on base_ifindex (conf->interface),
 * up, with its sysctls and advert socket. The one this vm made is kept
 * while it is there on the same base; otherwise whatever macvlan has the
 * name (a crashed run's) is deleted and a new one made. A link of that
 * name that is not a macvlan is left alone: -EEXIST. Returns 0 or -errno,
 * with the reason in why.
 */
int vmac_ensure(struct vmac *vm, struct netlink *nl,
		const struct conf_instance *conf, int base_ifindex,
		char *why, size_t why_len);

/*
 * IPv6 multicast only (else a no-op): put (on) or take off the advert
 * source, the base interface's link-local address, on the macvlan. The
 * kernel sends from a link-local address only on an interface that holds
 * it, and only the Master sends, so only the Master holds it. Unicast
 * adverts leave through the base: nothing is copied (vmac.c says why).
 * 0 or -errno.
 */
int vmac_source(struct vmac *vm, struct netlink *nl,
		const struct addr *src, bool on);

/*
 * Delete it and restore the base interface's sysctls. Idempotent; from then
 * on vm->removed is true and the caller must not vmac_ensure() it again.
 */
void vmac_remove(struct vmac *vm, struct netlink *nl,
		 const struct conf_instance *conf);

#endif

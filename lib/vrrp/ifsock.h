/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ifsock - the advert sockets, one per interface, shared by every instance
 * on that interface.
 *
 * Owns: the table of sockets, (re)opening one when its interface appears or
 * is re-created with another index, closing the ones no instance uses, and
 * reading packets in bounded batches (a flood cannot starve the timers).
 * An interface where an instance authenticates with AH gets a second
 * socket, for protocol 51, and one with an IPv6 instance an IPv6 socket;
 * all feed the same callback.
 * Never does: judge packets; each one goes to the table's callback.
 */
#ifndef VIPD_IFSOCK_H
#define VIPD_IFSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "os/evloop.h"

#define IFSOCK_RECV_BATCH 64

struct ifsock;
struct ifsock_table;

/*
 * One packet read from s, IP header included (IPv4: as received, protocol
 * 112 or 51; IPv6: as vrrp_net_recv_ipv6() rebuilds it), for
 * vrrp_pkt_parse_ip(); oversized ones come as len 0.
 */
typedef void (*ifsock_packet_cb)(void *arg, struct ifsock *s,
				 const uint8_t *pkt, size_t len);

struct ifsock {
	char ifname[CONF_IFNAME_MAX];
	int ifindex;
	int fd;                      /* -1 while the interface is missing */
	struct evloop_watch watch;
	int ah_fd;                   /* protocol 51, -1 unless asked for */
	struct evloop_watch ah_watch;
	int fd6;                     /* IPv6, protocol 112, -1 unless asked for */
	struct evloop_watch watch6;
	struct ifsock_table *table;
};

struct ifsock_table {
	struct evloop *loop;
	ifsock_packet_cb on_packet;
	void *arg;
	struct ifsock **socks;
	size_t nsocks;
};

void ifsock_table_init(struct ifsock_table *t, struct evloop *loop,
		       ifsock_packet_cb on_packet, void *arg);
void ifsock_table_free(struct ifsock_table *t);

/*
 * The socket of ifname, open on ifindex (0 = interface missing). Returns the
 * descriptor, or -errno (the reason to log) when it cannot be opened.
 */
int ifsock_attach(struct ifsock_table *t, const char *ifname, int ifindex);

/*
 * Also receive AH-authenticated adverts on ifname (after ifsock_attach()
 * opened its advert socket): the protocol-51 socket, opened once and closed
 * with the advert socket (re-created interface, prune). Returns its
 * descriptor, -ENODEV while the interface is missing, or -errno.
 */
int ifsock_attach_ah(struct ifsock_table *t, const char *ifname);

/*
 * Also the IPv6 advert socket of ifname (after ifsock_attach()), opened
 * once and closed with the IPv4 one. Returns its descriptor, -ENODEV
 * while the interface is missing, or -errno.
 */
int ifsock_attach_ipv6(struct ifsock_table *t, const char *ifname);

/*
 * Read what every socket holds now, one batch each (IFSOCK_RECV_BATCH
 * packets), through the table's callback, without waiting for the loop:
 * after a stall, the adverts queued meanwhile come before any timer.
 */
void ifsock_drain(struct ifsock_table *t);

/* Close and forget every socket for which in_use(arg, ifname) is false. */
void ifsock_prune(struct ifsock_table *t,
		  bool (*in_use)(void *arg, const char *ifname), void *arg);

#endif

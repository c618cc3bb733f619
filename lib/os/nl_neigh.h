/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nl_neigh - the kernel's neighbour table (ARP, IPv6 ND) through routing
 * netlink: ask the kernel to resolve an address, hear what it learns.
 *
 * vipd sends no ARP or ND of its own for this: RTM_NEWNEIGH with NTF_USE
 * makes the kernel treat the entry as used (creating it if needed), so it
 * resolves a new one, re-confirms a stale one and gives up on a dead one
 * by its own timers; RTM_NEWNEIGH / RTM_DELNEIGH events say what came of
 * it, with the MAC.
 *
 * Owns: two netlink sockets, one for requests and dumps, one subscribed to
 * neighbour events (non-blocking, read from the event loop).
 * Never does: decide what an entry means for a backend.
 */
#ifndef VIPD_NL_NEIGH_H
#define VIPD_NL_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"

/*
 * An entry of the neighbour table changed (or was dumped): mac is its
 * link-layer address when the kernel holds a usable one (reachable, stale,
 * delay, probe, permanent), NULL when not (incomplete, failed, deleted).
 */
typedef void (*nl_neigh_cb)(void *arg, int ifindex, const struct addr *addr,
    const uint8_t *mac);

struct nl_sock;

struct nl_neigh {
	struct nl_sock *req, *events;
	nl_neigh_cb cb;
	void *arg;
	bool overrun;               /* events were lost: dump again */
};

/* Returns 0 or -errno. */
int nl_neigh_open(struct nl_neigh *nn, nl_neigh_cb cb, void *arg);
void nl_neigh_close(struct nl_neigh *nn);
int nl_neigh_fd(const struct nl_neigh *nn);

/* Dispatch pending events. Returns 0 or -errno. */
int nl_neigh_read(struct nl_neigh *nn);

/* Every entry of the table to cb, now. Returns 0 or -errno. */
int nl_neigh_dump(struct nl_neigh *nn);

/* Make the kernel resolve (or re-confirm) addr on ifindex. 0 or -errno. */
int nl_neigh_use(struct nl_neigh *nn, int ifindex, const struct addr *addr);

/*
 * 1 when addr lies in the prefix of one of ifindex's addresses (a
 * connected segment), 0 when in none, or -errno.
 */
int nl_neigh_on_link(struct nl_neigh *nn, int ifindex,
    const struct addr *addr);

/*
 * 1 when addr is one of ifindex's own addresses (ifindex 0: of any
 * interface), 0 when not, or -errno.
 */
int nl_neigh_is_local(struct nl_neigh *nn, int ifindex,
    const struct addr *addr);

#endif

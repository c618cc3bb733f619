/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privs - what vipd keeps of root's powers once it runs.
 *
 * vipd starts as root (or with just the capabilities below) because it
 * opens raw sockets and changes addresses, links and nftables rules. Once
 * its sockets are open it keeps only what it can still need while running:
 *   CAP_NET_ADMIN         addresses, links, macvlans, nftables, conntrack,
 *                         multicast membership, socket buffer sizes
 *   CAP_NET_RAW           advert sockets opened later (an interface that
 *                         appears, a reload), gratuitous ARP
 *   CAP_NET_BIND_SERVICE  a sync port below 1024
 *   CAP_SETUID, CAP_SETGID  scripts run as global.script_user
 *   CAP_KILL              stopping scripts that run as another user
 * The last four are kept even when the running configuration has no
 * script, notify, script check or sync port below 1024: a reload may add
 * them, and a dropped capability cannot be taken back. Without CAP_NET_ADMIN
 * or CAP_NET_RAW vipd refuses to start (privs_missing).
 * It drops every other capability from its effective, permitted and
 * inheritable sets, its ambient set, and (when it holds CAP_SETPCAP) its
 * bounding set, so that nothing it ever executes can regain them either.
 *
 * Owns: that list, and the one call that applies it.
 * Never does: change the user id, or exit.
 */
#ifndef VIPD_PRIVS_H
#define VIPD_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The capabilities vipd keeps, as a mask of (1 << CAP_x). */
uint64_t privs_keep_mask(void);

/* The ones it cannot run without: CAP_NET_ADMIN and CAP_NET_RAW. */
uint64_t privs_need_mask(void);

/*
 * Which of privs_need_mask() the effective set lacks, into *missing (0 when
 * none). Returns 0, or -errno when the set cannot be read.
 */
int privs_missing(uint64_t *missing);

struct privs_report {
	uint64_t kept;              /* effective set after the drop */
	bool bounding_dropped;      /* false: no CAP_SETPCAP, bounding set as it was */
	unsigned bounding_count;    /* capabilities removed from the bounding set */
};

/*
 * Drop everything but privs_keep_mask(). Returns 0, or -errno when the
 * process sets could not be changed (the bounding set without CAP_SETPCAP
 * is not an error: report->bounding_dropped says so).
 */
int privs_drop(struct privs_report *report);

/* "cap_net_admin,cap_net_raw" for a mask, into buf. Returns buf. */
const char *privs_mask_str(uint64_t mask, char *buf, size_t len);

#endif

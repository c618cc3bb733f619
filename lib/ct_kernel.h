/*
 * ct_kernel - the kernel's conntrack table as sync entries, through
 * ctnetlink (libnetfilter_conntrack).
 *
 * Owns: two ctnetlink handles (one subscribed to new/update/destroy events,
 * one for queries: dump, get, create, update, delete), and turning kernel
 * entries into struct ct_entry and back.
 *
 * Installing an entry follows what conntrackd does, so that a takeover needs
 * no commit step and existing flows match at once:
 *  - the NAT mapping travels as the two tuples; the entry is created with
 *    the un-NATed reply tuple plus a DNAT/SNAT request (CTA_NAT_DST/SRC),
 *    and the kernel's NAT core computes the real reply tuple and sets the
 *    NAT status bits itself (ctnetlink refuses NAT status bits set by hand);
 *  - both directions get IP_CT_TCP_FLAG_BE_LIBERAL: the backup never saw the
 *    windows, so only out-of-window RSTs are refused (conntrackd's default,
 *    "TCPWindowTracking Off"), and no sysctl needs changing;
 *  - an entry that exists is updated without NAT attributes (the kernel
 *    allows NAT only at creation).
 *
 * Never does: decide which entries to send or install (ct_sync does), or
 * filter anything but the mark.
 */
#ifndef VIPD_CT_KERNEL_H
#define VIPD_CT_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "ct_wire.h"

struct nfct_handle;

/* Called for every entry with our mark (events and dumps). */
typedef void (*ct_kernel_entry_cb)(void *arg, const struct ct_entry *e);

struct ct_kernel {
	struct nfct_handle *events;   /* NULL until ct_kernel_open */
	struct nfct_handle *query;
	uint32_t mark;
	ct_kernel_entry_cb on_entry;
	void *arg;
	uint64_t events_seen;         /* of any mark */
	uint64_t events_lost;         /* ENOBUFS: the socket overran */
	bool overrun;                 /* set on loss; the caller clears it */
	bool filtered;                /* the kernel filters events by mark */
};

/*
 * Open both handles; events are delivered only for entries whose ct mark is
 * mark. Returns 0 or -errno.
 */
int ct_kernel_open(struct ct_kernel *k, uint32_t mark, ct_kernel_entry_cb cb,
    void *arg);
void ct_kernel_close(struct ct_kernel *k);

/* The event socket, non-blocking, for the event loop. */
int ct_kernel_events_fd(const struct ct_kernel *k);

/*
 * Read every pending event; on_entry gets the marked ones. When events were
 * lost, k->overrun is set (the caller resends a full dump). Returns 0 or
 * -errno.
 */
int ct_kernel_read_events(struct ct_kernel *k);

/* Every entry with our mark, through on_entry. Returns 0 or -errno. */
int ct_kernel_dump(struct ct_kernel *k);

/*
 * Install e (op UPDATE) or delete it (op DESTROY). Returns 1 when created,
 * 0 when an existing entry was updated or deleted (or was already gone),
 * -ENOMEM when the kernel table is full, another -errno otherwise.
 */
int ct_kernel_apply(struct ct_kernel *k, const struct ct_entry *e);

#endif

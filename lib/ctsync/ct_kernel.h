/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_kernel - the kernel's conntrack table as sync entries, through
 * ctnetlink (libnetfilter_conntrack).
 *
 * Owns: three ctnetlink sockets (one subscribed to new/update/destroy
 * events, one for queries: get, create, update, delete, and one for paced
 * dumps), and turning kernel entries into struct ct_entry and back.
 *
 * Paced dumps: a table of 100 000 flows takes far longer to read and send
 * than the daemon's loop may stall (its VRRP timers run in the same loop),
 * so a dump is read one netlink batch (up to CT_KERNEL_DUMP_BUF_BYTES,
 * about a hundred entries) per ct_kernel_dump_step, on a socket of its own
 * whose dump the kernel keeps its place in between. The kernel fills a
 * dump's next batch when the previous one is read: a batch is as old as
 * the previous step, which the caller knows when it weighs the batch's
 * entries against the events it handled meanwhile (lib/ct_sync).
 *
 * Events are read at most max_reads at a time for the same reason; the
 * socket stays readable and the loop comes back.
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
 *    allows NAT only at creation), its TCP state and BE_LIBERAL flags
 *    set all the same: a node that was master holds entries of its own
 *    whose windows went stale while the peer carried the flows (a master
 *    that resumed after a stall, lib/vrrp/vrrp_stall.h); the resync's
 *    update is what keeps their segments from being refused when it
 *    takes over again.
 *
 * ICMP and ICMPv6 flows are carried with their id, type and code; their
 * reply tuple on install is left to libnetfilter_conntrack and the kernel
 * (the answer's type, the same id).
 *
 * Never does: decide which entries to send or install (ct_sync does), or
 * filter anything but the mark.
 */
#ifndef VIPD_CT_KERNEL_H
#define VIPD_CT_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "ctsync/ct_wire.h"

struct nfct_handle;
struct mnl_socket;

#define CT_KERNEL_DUMP_BUF_BYTES 32768   /* the kernel's largest dump batch */
/* One event per read, as ctnetlink sends them; room for a big one. */
#define CT_KERNEL_EVENT_BUF_BYTES 16384

/* Called for every entry with our mark, from an event or from a dump. */
typedef void (*ct_kernel_entry_cb)(void *arg, const struct ct_entry *e,
    bool from_dump);
/* Called for every expectation, from an event or from a dump. */
typedef void (*ct_kernel_expect_cb)(void *arg, const struct ct_expect *x,
    bool from_dump);

struct ct_kernel {
	struct nfct_handle *events;   /* NULL until ct_kernel_open */
	struct nfct_handle *query;
	struct mnl_socket *dumper;    /* opened by the first dump */
	uint8_t *dump_buf;            /* CT_KERNEL_DUMP_BUF_BYTES, with dumper */
	uint32_t dump_seq, dump_portid;
	bool dumping;                 /* a dump is under way on dumper */
	uint64_t dump_skipped;        /* entries of this dump (since
					 ct_kernel_dump_start) that could not
					 be read: no memory, or unparsable */
	bool by_mark;                 /* only entries with mark; else all */
	uint32_t mark;
	ct_kernel_entry_cb on_entry;
	void *arg;
	bool events_wanted;           /* false: events are read and dropped */
	bool no_lookups;              /* updates without a TCP state as they
					 come (tcp_state 0), no GET */
	uint64_t events_seen;         /* of any mark */
	uint64_t events_lost;         /* ENOBUFS: the socket overran */
	uint64_t lookups;             /* GETs for events without a TCP state */
	bool overrun;                 /* set on loss; the caller clears it */
	bool filtered;                /* the kernel filters events by mark */
	unsigned char event_buf[CT_KERNEL_EVENT_BUF_BYTES];
	/* expectations (ct_kernel_expect_open); NULL until then */
	struct nfct_handle *exp_events, *exp_query;
	struct mnl_socket *exp_create;  /* creates: attributes the library omits */
	uint32_t exp_seq;
	ct_kernel_expect_cb on_expect;
	uint64_t exp_events_lost;
};

/*
 * Open both handles; with by_mark, events and dumps are delivered only for
 * entries whose ct mark is mark (the kernel filters), otherwise for every
 * entry (the caller's select decides, lib/ctsync/ct_select.h). Returns 0
 * or -errno.
 */
int ct_kernel_open(struct ct_kernel *k, bool by_mark, uint32_t mark,
    ct_kernel_entry_cb cb, void *arg);
void ct_kernel_close(struct ct_kernel *k);

/* The event socket, non-blocking, for the event loop. */
int ct_kernel_events_fd(const struct ct_kernel *k);

/*
 * Whether events become entries. The receiver wants none: its events are
 * mostly its own installs, and turning them into entries (with a blocking
 * GET for those without a TCP state) would cost a netlink round trip per
 * installed flow for nothing. Unwanted events are still read (so that the
 * socket never overruns) and counted in events_seen.
 */
void ct_kernel_want_events(struct ct_kernel *k, bool on);

/*
 * Deliver TCP updates that come without a TCP state as they are (tcp_state
 * 0) instead of fetching the whole entry: for listeners that only follow
 * state changes (the balancer's connection counts).
 */
void ct_kernel_no_lookups(struct ct_kernel *k);

/*
 * Read pending events, at most max_reads socket reads; on_entry gets the
 * marked ones (when wanted). When events were lost, k->overrun is set (the
 * caller resends a full dump). Returns 0 when none is left, 1 when the
 * budget ran out first, or -errno.
 */
int ct_kernel_read_events(struct ct_kernel *k, unsigned max_reads);

/*
 * Start a dump of every entry with our mark (abandoning one under way).
 * Returns 0 or -errno.
 */
int ct_kernel_dump_start(struct ct_kernel *k);

/*
 * Read the dump's next batch, its entries through on_entry (from_dump).
 * Returns 1 when more is to come, 0 when the dump is complete, -EAGAIN
 * when the kernel has nothing ready yet, another -errno when the dump
 * failed (it is over; start again). An entry the kernel sent that cannot
 * be read (no memory for it, or a message libnetfilter_conntrack cannot
 * parse) is counted in dump_skipped: a complete dump with skipped entries
 * did not show the whole table.
 */
int ct_kernel_dump_step(struct ct_kernel *k);

/* Abandon a dump under way (its remaining batches are discarded). */
void ct_kernel_dump_abort(struct ct_kernel *k);

/*
 * Install e (op UPDATE) or delete it (op DESTROY). Returns 1 when created,
 * 0 when an existing entry was updated or deleted (or was already gone),
 * -ENOMEM when the kernel table is full, another -errno otherwise.
 */
int ct_kernel_apply(struct ct_kernel *k, const struct ct_entry *e);

/*
 * Expectations (what a `ct helper` such as FTP or SIP told the kernel to
 * wait for): a handle subscribed to their new/destroy events and one for
 * queries. cb gets every expectation (the caller's select weighs its
 * master flow, ct_kernel_lookup). Returns 0 or -errno. Closed by
 * ct_kernel_close.
 */
int ct_kernel_expect_open(struct ct_kernel *k, ct_kernel_expect_cb cb);

/* The expectation event socket (-1 when not open), non-blocking. */
int ct_kernel_expect_fd(const struct ct_kernel *k);

/*
 * Read pending expectation events, at most max_reads; when wanted
 * (ct_kernel_want_events) they go to on_expect. On loss k->overrun is set.
 * Returns 0, 1 (budget used up) or -errno.
 */
int ct_kernel_read_expects(struct ct_kernel *k, unsigned max_reads);

/*
 * Every expectation through on_expect (from_dump), in one netlink dump:
 * expectations are few (a helper allows a handful per flow) and short
 * lived. Returns 0 or -errno.
 */
int ct_kernel_dump_expects(struct ct_kernel *k);

/*
 * Install x (op UPDATE: create) or delete it (DESTROY). Returns 1 when
 * created, 0 when it existed or was gone already, -ENOENT when its master
 * flow is not in the table, another -errno otherwise.
 */
int ct_kernel_apply_expect(struct ct_kernel *k, const struct ct_expect *x);

/*
 * The entry of the flow (family, proto, zone, original tuple) into *out.
 * Returns true when found.
 */
bool ct_kernel_lookup(struct ct_kernel *k, uint8_t family, uint8_t proto,
    uint16_t zone, const struct ct_tuple *orig, struct ct_entry *out);

#endif

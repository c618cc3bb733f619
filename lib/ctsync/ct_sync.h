/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync - connection-table sync between the two nodes of a pair: the
 * master sends its balanced flows, the backup installs them in its own
 * kernel table, so that a takeover keeps established connections.
 *
 * Owns: the UDP socket on the sync link, the sender's sequence numbers and
 * retransmit ring, the receiver's replay window, the loss repair, counters,
 * and the ctnetlink side through lib/ct_kernel.
 *
 * Protocol (datagrams in lib/ctsync/ct_wire.h):
 *  - sender (the follow instance is MASTER): every conntrack event of a
 *    flow with NFT_VIPD_CT_MARK becomes an entry; entries are batched into
 *    datagrams, flushed when full or CT_SYNC_FLUSH_MS after a read of
 *    events left a partial one: a burst of new flows is read a few events
 *    a wake-up, and sent at once they made datagrams of 4 entries instead
 *    of 15, which the backup reads and checks one by one (its queue then
 *    grew past what the window spans: lib/ctsync/ct_wire.h, CT_WIRE_WINDOW). A
 *    heartbeat every CT_SYNC_HEARTBEAT_MS carries a sequence number too, so
 *    a lost last datagram shows as a gap within that time. Every datagram
 *    stays in a ring of CT_RING_SLOTS datagrams (lib/ct_ring) for
 *    retransmission.
 *  - receiver (BACKUP, FAULT, INIT): verifies, refuses replays and its
 *    own datagrams sent back to it (reflected), installs (the rules in
 *    lib/ctsync/ct_recv.h). A gap is asked for at once with a nack, also while a
 *    resync is under way, and asked for again only once its resend could
 *    have come (lib/ctsync/ct_recv.h, "Loss repair": the resend joins the back of
 *    the receive queue); the sender resends from its ring, or when the
 *    ring no longer holds it, sends a full dump. A gap missing
 *    CT_RECV_GAP_MAX_MS since its resend could have come, more lost than
 *    the replay window spans (ct_window_loses), a restarted peer (newer
 *    session), our own start and every change to receiver ask for a full
 *    resync; the request is repeated after every CT_SYNC_RESYNC_RETRY_MS
 *    in which no entries came, until the dump's last datagram
 *    (CT_WIRE_F_RESYNC_DONE) arrives. A request that gives missing
 *    numbers up while an earlier one is open is a new request (a new
 *    tag): the dump answering the earlier one may have started before
 *    they were sent, and its sweep would delete the flows they carried.
 *  - a full resync ends with a sweep: the receiver deletes the entries of
 *    its own table (with our mark) that the master did not send since the
 *    request, i.e. flows that ended while it was away (lib/ct_sweep: the
 *    request's tag, echoed by the dump's last datagram, makes sure that
 *    dump started after the request). Counted as stale_removed; a sweep
 *    over the bounds of lib/ct_sweep is skipped (sweeps_skipped).
 *    Only the dump whose last datagram carries the open request's tag
 *    ends the resync (synced, no more requests): a refresh or an answer
 *    to an earlier request may have started before the request and hold
 *    less than the table (counted as dumps_received all the same).
 *    A dump during which the kernel gave entries that could not be read
 *    (dump_entries_skipped) ends without claiming to be whole
 *    (dumps_partial; lib/ctsync/ct_sweep.h): a sweep after it would delete those
 *    live flows. The receiver asks again.
 *  - every CT_SYNC_REFRESH_MS the sender sends its whole table again: an
 *    entry whose kernel timer the master's traffic keeps refreshing
 *    (conntrack reports no event for that, e.g. a UDP flow) would
 *    otherwise expire on the backup, whose copy sees no packets.
 *  - dumps are paced: at most CT_SYNC_DUMP_BUDGET datagrams every
 *    CT_SYNC_DUMP_PACE_MS (48 000 entries/s; 100 000 flows in about 2 s),
 *    and only into an empty send queue, so that a dump never wraps the
 *    ring over datagrams it has not sent, never stalls the loop that
 *    runs VRRP for more than one pass, and never outruns a receiver that
 *    installs each entry with a netlink round trip. Events go on meanwhile;
 *    a dump batch the kernel filled before an event of the same flow was
 *    handled is older than that event, and its entry is left out
 *    (dump_superseded; lib/ct_order numbered by the dump's reads).
 *  - late datagrams (nack resends after later ones) never undo a later
 *    change: the receiver skips their entries for flows that a later
 *    datagram changed (entries_stale; lib/ct_order).
 *  - sessions: lib/ctsync/ct_wire.h; the last one is kept in
 *    state_dir/conn_sync.session so that a restart with a clock set back
 *    still starts a newer one, and a receiver follows an older session
 *    after the followed one was silent CT_WIRE_ADOPT_SILENT_MS
 *    (sessions_adopted).
 *  - links (conn_sync.links): one socket per local address, bound to it
 *    on its interface. The stream goes over one link at a time,
 *    the active one (lib/ctsync/ct_link.h: the first that answers probes);
 *    every link is probed and answers probes, so a cut link is noticed
 *    within a second, the stream moves to the next, and moves back when
 *    the first answers again. The receiver's window for a node is one
 *    for all the links to it: what the dead link swallowed before the switch is a gap that
 *    the nacks repair over the new one. A datagram on a link from anyone
 *    but that link's peer is dropped as not_peer.
 *  - several nodes (links to different peers; lib/ctsync/ct_peer.h): a
 *    node is its signed sender id, learnt per link; every node's
 *    datagrams are numbered in a window of their own. The sender's one
 *    stream (one session, one ring) goes to every node over that node's
 *    active link, each link with its own place in the ring; a nack is
 *    answered to the node that sent it only, a resync request with a dump
 *    that every node gets (the others apply it as a refresh). A receiver
 *    follows the node whose entries and heartbeats come, asks it alone
 *    for nacks and resyncs (every node while it follows none), and moves
 *    to another sender once the followed one is silent.
 * Bounds: the ring (CT_RING_SLOTS datagrams) is the send queue as well;
 * when the socket (its buffers conn_sync.socket_buffer_bytes, default
 * 8 MiB) cannot take more, datagrams wait in it, and when it
 * wraps over ones never sent they are counted (queue_full) and the
 * receiver repairs through a resync. Installed entries are bounded by the
 * kernel's nf_conntrack_max: a full table is counted (table_full). The
 * receiver's loop handles at most CT_SYNC_READ_BUDGET datagrams and the
 * sender's CT_SYNC_EVENT_READS conntrack events per wake-up.
 *
 * Never does: decide the role (the daemon follows the instance or group) or
 * put rules in nftables.
 */
#ifndef VIPD_CT_SYNC_H
#define VIPD_CT_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "conf/conf_conn_sync.h"
#include "ctsync/ct_auth.h"
#include "ctsync/ct_kernel.h"
#include "ctsync/ct_link.h"
#include "ctsync/ct_order.h"
#include "ctsync/ct_peer.h"
#include "ctsync/ct_recv.h"
#include "ctsync/ct_ring.h"
#include "ctsync/ct_sweep.h"
#include "ctsync/ct_wire.h"
#include "os/evloop.h"
#include "os/log.h"

#define CT_SYNC_HEARTBEAT_MS 250
#define CT_SYNC_FLUSH_MS 2            /* a partial batch waits for more */
#define CT_SYNC_RESYNC_RETRY_MS 1000
#define CT_SYNC_REFRESH_MS 30000
#define CT_SYNC_DUMP_BUDGET 32        /* datagrams per dump pass */
#define CT_SYNC_DUMP_PACE_MS 10       /* between two dump passes */
#define CT_SYNC_SWEEP_READS 8         /* batches of our own table per pass */
#define CT_SYNC_SWEEP_DELETES 256     /* stale entries deleted per pass */
#define CT_SYNC_READ_BUDGET 64        /* datagrams read per wake-up */
#define CT_SYNC_EVENT_READS 256       /* conntrack events read per wake-up */
#define CT_SYNC_SESSION_FILE "conn_sync.session"

enum ct_sync_role { CT_SYNC_RECEIVER = 0, CT_SYNC_SENDER };

struct ct_sync_stats {
	uint64_t datagrams_sent, datagrams_received, datagrams_resent;
	uint64_t entries_sent, entries_received;
	uint64_t entries_installed, entries_updated, entries_deleted;
	uint64_t install_errors, table_full, queue_full, send_errors;
	uint64_t events_lost;          /* ctnetlink overruns (each -> full dump) */
	uint64_t entries_ignored;      /* received while sender (both masters) */
	uint64_t entries_stale;        /* of late datagrams, superseded (ct_order) */
	uint64_t nacks_sent, nacks_received;
	uint64_t resends_unneeded;     /* asked for, came or given up (ct_recv) */
	uint64_t resyncs_requested, resyncs_served, resyncs_completed;
	uint64_t stale_removed;        /* swept after a resync (ct_sweep) */
	uint64_t sweeps_skipped;       /* a generation over ct_sweep's bounds */
	uint64_t dumps_received;       /* last datagrams of dumps, any tag */
	uint64_t dump_superseded;      /* dump entries older than an event */
	uint64_t dump_pass_datagrams_max;  /* most one dump pass sent */
	uint64_t dump_entries_skipped; /* the kernel's, unreadable (ct_kernel) */
	uint64_t dumps_partial;        /* ended unclaimed: entries skipped */
	uint64_t sessions_adopted;     /* older sessions followed (ct_wire.h) */
	uint64_t event_lookups;        /* GETs for events (ct_kernel lookups) */
	uint64_t expects_sent, expects_received;   /* expectations (ct_wire) */
	uint64_t expects_installed, expects_deleted;
	uint64_t expect_errors;        /* refused by our kernel (no master...) */
	uint64_t expects_withheld;     /* not sent: a node without CT_WIRE_F_EXT */
	uint64_t entries_local;        /* our own flows the sweep kept (ct_select) */
	uint64_t drops[CT_DROP__COUNT];  /* datagrams refused, by reason */
	uint64_t last_resync_ms;       /* monotonic; 0 = never completed */
	uint64_t last_rx_ms;           /* last verified datagram; 0 = never */
	int64_t lag_ms, lag_max_ms;    /* realtime(receive) - sent_ms of entries */
};

struct ct_sync;

/*
 * A socket, bound to a local address on its interface: links to several
 * nodes over one interface share it (lib/ctsync/ct_peer.h).
 */
struct ct_sync_sock {
	struct ct_sync *s;
	int fd;                        /* UDP; -1 when not open */
	struct evloop_watch watch;
	bool want_out;                 /* EPOLLOUT armed: a link is blocked */
	size_t first_link;             /* the first link on it, for logs */
};

/* One sync link: its socket, where it sends, whether it answers. */
struct ct_sync_link {
	struct ct_sync *s;
	const struct conf_conn_sync_link *conf;   /* in s->conf.links */
	size_t sock;                   /* in s->socks */
	struct sockaddr_storage peer_sa;   /* where datagrams go */
	socklen_t peer_salen;
	struct ct_link live;           /* probed only with several links */
	uint32_t node;                 /* sender id of its node; 0 unknown */
	bool active;                   /* carries datagrams to its node */
	bool blocked;                  /* its socket took no more: EPOLLOUT */
	uint32_t sent_upto;            /* last of the ring handed to it */
	uint64_t datagrams_sent, datagrams_received;   /* of the stream */
};

struct ct_sync {
	struct conf_conn_sync conf;
	struct ct_auth_key key;
	enum ct_sync_role role;

	struct ct_sync_link links[CONF_CONN_SYNC_LINKS_MAX];
	size_t nlinks;
	struct ct_sync_sock socks[CONF_CONN_SYNC_LINKS_MAX];
	size_t nsocks;
	bool probing;                  /* nlinks > 1 */
	struct ct_peers peers;         /* the other nodes, their windows */
	uint64_t link_switches;
	struct evloop *loop;
	struct evloop_watch ct_watch;
	struct evloop_watch exp_watch;  /* expectation events; fd -1: none */
	struct ct_kernel kernel;

	/* sender */
	uint64_t session;
	char session_path[4096];       /* state_dir/CT_SYNC_SESSION_FILE; "" none */
	bool session_warned;           /* the file could not be written */
	uint32_t sender_id;            /* addr_id32(local) */
	struct ct_ring ring;           /* sent and queued datagrams */
	uint64_t emitted;              /* datagrams encoded, ever */
	struct ct_entry batch[CT_WIRE_MAX_ENTRIES];
	uint16_t nbatch;
	struct ct_expect xbatch[CT_WIRE_MAX_EXPECTS];
	uint16_t nxbatch;
	uint64_t flush_due_ms;         /* a partial batch goes out; 0 = none */
	uint64_t next_heartbeat_ms;
	uint64_t next_refresh_ms;
	bool dump_due;                 /* a resync was asked or events lost */
	uint16_t answer_tag;           /* of the request the next dump answers */
	struct {
		bool active;
		bool restart;          /* fresh overflowed: read it again */
		uint16_t tag;          /* the request it answers; 0 = none */
		uint32_t reads;        /* batches read so far */
		uint64_t next_ms;      /* next pass */
	} dump;
	struct ct_order fresh;         /* flows with events during the dump */

	/* receiver */
	uint32_t follow_id;            /* the node whose stream we take; 0 none */
	struct ct_window *win;         /* its window (peers), or nowin */
	struct ct_window nowin;        /* empty: no node followed yet */
	bool synced;                   /* a full resync completed since... */
	bool whole_once_gapless;       /* its end came, datagrams before it
					  are still missing */
	uint64_t resync_asked_ms;      /* last request; 0 = none yet */
	uint64_t receiving_since_ms;   /* opened, or became receiver */
	struct ct_recv_repair repair;  /* the nacks' clocks (lib/ctsync/ct_recv.h) */
	uint64_t last_entries_ms;      /* last datagram of entries installed */
	struct ct_sweep sweep;         /* marks since the resync request */
	bool sweep_due;                /* its tagged dump came: sweep when whole */
	enum { CT_SYNC_SWEEP_IDLE, CT_SYNC_SWEEP_READING,
	    CT_SYNC_SWEEP_DELETING } sweep_phase;
	size_t sweep_next_stale;       /* index in sweep.stale: next to delete */
	uint64_t sweep_removed;
	uint64_t sweep_next_ms;        /* next pass of a sweep under way */
	struct ct_order order;         /* flows changed while a gap is open */
	struct addr *locals;           /* our addresses, read at sweep start */
	size_t nlocals;

	struct ct_wire_msg rx;         /* the datagram being handled */
	struct ct_sync_stats stats;
	/* Datagram refusals, install and sweep errors: the warnings. */
	struct log_ratelimit drop_log;
	/* Each its own, so that none uses up another's lines. */
	struct log_ratelimit adopt_log, restart_log, events_log, queue_log;
	struct log_ratelimit stale_log;  /* debug: ordinary loss repair */
	struct log_ratelimit link_log;   /* probe answers refused */
};

/*
 * Open the socket (bound to conf->local:port on conf->interface) and the
 * ctnetlink handles, and start as receiver. The session is kept in
 * state_dir (NULL: not kept). Returns 0 or -errno (logged).
 */
int ct_sync_open(struct ct_sync *s, const struct conf_conn_sync *conf,
    struct evloop *loop, const char *state_dir, uint64_t now_ms);
void ct_sync_close(struct ct_sync *s);

/* Follow the instance: master sends, anything else receives. */
void ct_sync_set_role(struct ct_sync *s, bool master, uint64_t now_ms);

struct ct_sync_link_status {
	const struct conf_conn_sync_link *conf;
	enum ct_link_state state;
	uint64_t changed_ms;           /* monotonic; 0 = never */
	bool active, probed;
};

/* What others may know of a running conn_sync (ct_sync_status). */
struct ct_sync_status {
	enum ct_sync_role role;
	bool synced;                   /* receiver: a full resync completed
					  since it became one */
	bool peer_heard;               /* a session of the peer is followed */
	uint64_t session;              /* ours */
	uint64_t peer_session;         /* the peer's we follow; 0 = none */
	const struct conf_conn_sync *conf;   /* what it runs with; s owns it */
	size_t nlinks;
	struct ct_sync_link_status links[CONF_CONN_SYNC_LINKS_MAX];
};

/*
 * The role and session of s, for the daemon and the dumps, which never
 * read struct ct_sync's fields.
 */
void ct_sync_status(const struct ct_sync *s, struct ct_sync_status *out);

/* Whether preemption should wait for the table (ct_recv_table_pending). */
bool ct_sync_table_pending(const struct ct_sync *s, uint64_t now_ms);

/* Timers: heartbeats, nacks, resync requests. */
void ct_sync_tick(struct ct_sync *s, uint64_t now_ms);
uint64_t ct_sync_next_deadline(const struct ct_sync *s);

/* `vipctl conns`, and the sync part of the dumps. */
void ct_sync_write_text(FILE *f, const struct ct_sync *s, uint64_t now_ms);
void ct_sync_write_json(FILE *f, const struct ct_sync *s, uint64_t now_ms);

#endif

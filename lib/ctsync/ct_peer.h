/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_peer - the other nodes of a sync group (conn_sync.links may name
 * several): who is who, each one's replay window, which one a receiver
 * follows, and which link reaches each node.
 *
 * Identity: a node is its sender id, the one in every datagram's header
 * (lib/ctsync/ct_wire.h: its links[0].local address). The id is learnt
 * from the link a verified datagram came in on, not configured: a node
 * reached over two links has two peer addresses, and what ties them
 * together is that both carry the same signed id, which every node puts
 * in its probes, answers and stream alike. So a pair's two links
 * (one node) and a three-node group's two links (two nodes) need no
 * configuration beyond the addresses, and a link whose node is not known
 * yet counts as a node of its own until something verified comes on it.
 *
 * Windows are per node: each node numbers its datagrams in its own
 * session, so one window for all would take a second node's numbers for
 * replays or an older session (refused for CT_WIRE_ADOPT_SILENT_MS).
 * A receiver follows one node's stream (ct_peer_follow): the node that
 * sends entries or heartbeats, i.e. the one following the MASTER; it
 * moves to another sender only once the followed one has been silent
 * CT_PEER_FOLLOW_SILENT_MS (two heartbeats), so that two nodes both
 * master for a moment do not make it flap between their tables.
 *
 * Pure: no sockets, time passed in. Unit-tested.
 */
#ifndef VIPD_CT_PEER_H
#define VIPD_CT_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctsync/ct_link.h"
#include "ctsync/ct_wire.h"

#define CT_PEER_MAX 8               /* = CONF_CONN_SYNC_LINKS_MAX */
#define CT_PEER_FOLLOW_SILENT_MS 500

struct ct_peer {
	uint32_t id;                  /* sender id; 0 = free slot */
	struct ct_window window;      /* its datagrams' numbers */
	uint64_t last_rx_ms;          /* its last verified datagram; 0 never */
	uint64_t datagrams;           /* accepted from it */
	bool ext;                     /* its last datagram said CT_WIRE_F_EXT */
};

struct ct_peers {
	struct ct_peer p[CT_PEER_MAX];
	size_t n;
};

/* The node with sender id `id` (not 0), added when new; NULL when full. */
struct ct_peer *ct_peers_get(struct ct_peers *t, uint32_t id);
/* The node with sender id `id`, or NULL. */
struct ct_peer *ct_peers_find(struct ct_peers *t, uint32_t id);

/*
 * Whether every node heard from decodes the extended records (types 7 and
 * 8, lib/ctsync/ct_wire.h); true while none was heard (a node of an
 * earlier release that comes later refuses what it got before as
 * bad_type and repairs through a resync, sent to it in type 1).
 */
bool ct_peers_all_ext(const struct ct_peers *t);

/*
 * Whether a stream datagram (entries or a heartbeat) from node `from`
 * should make a receiver follow it, while it follows `current` (0: none),
 * last heard at current_rx_ms (0: never).
 */
bool ct_peer_follow(uint32_t current, uint64_t current_rx_ms, uint32_t from,
    uint64_t now_ms);

/*
 * Which links carry datagrams: among the links that reach one node
 * (node[i] equal and not 0), the first up one, else the one active so
 * far, else the first; a link whose node is unknown (node[i] == 0) is
 * active on its own. active[] holds the previous choice and gets the new
 * one; from[i] is set to the link that was active for i's node before
 * (i itself when it stays, n when there was none), for the caller to
 * carry its place in the send queue over. Returns the number of links
 * whose active flag changed.
 */
size_t ct_peer_pick_links(const struct ct_link *links, const uint32_t *node,
    size_t n, bool *active, size_t *from);

#endif

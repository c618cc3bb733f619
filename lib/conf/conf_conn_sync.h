/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_conn_sync - the conn_sync section: where connection-table sync
 * talks (interface, local and peer addresses, UDP port), its HMAC key, and
 * which instance or sync group's state decides the direction.
 *
 * Owns: checking every key of conn_sync (socket_buffer_bytes: the sync
 * socket's send and receive buffers, as conntrackd's SndSocketBuffer and
 * RcvSocketBuffer; a smaller one bounds the kernel memory and the delay a
 * slow sync link can hold, and leaves a burst to the send ring, see
 * lib/ctsync/ct_sync.h "Bounds"), and reading key_file, which is
 * refused when anyone but its owner and group may read it, or when it holds
 * fewer than CONF_CONN_SYNC_KEY_MIN bytes (a trailing newline does not
 * count).
 * The key is read at load, so `vipd -t`, start and reload all say why.
 * Errors read "FILE:LINE: conn_sync.key: problem".
 *
 * Links: either interface/local/peer (one link) or links = ( { interface;
 * local; peer; }, ... ), up to CONF_CONN_SYNC_LINKS_MAX redundant links to
 * the peer nodes, in order of preference (lib/ctsync/ct_link.h); links
 * may lead to different nodes (lib/ctsync/ct_peer.h). Refused: both
 * forms at once, two links to the same peer over one interface, a local
 * address on two interfaces (links over one interface share its socket),
 * and a link whose peer is one of our own local addresses. links[0] is also
 * in interface/local/peer, which the single-link code and the dumps read;
 * the sender id is links[0]'s local address.
 *
 * Never does: open sockets or touch conntrack (lib/ct_sync does).
 */
#ifndef VIPD_CONF_CONN_SYNC_H
#define VIPD_CONF_CONN_SYNC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

#define CONF_CONN_SYNC_KEY_MIN 32
#define CONF_CONN_SYNC_KEY_MAX 256
#define CONF_CONN_SYNC_DEFAULT_PORT 7788
/* The sync socket's send and receive buffers (socket_buffer_bytes). */
#define CONF_CONN_SYNC_SOCKBUF_DEFAULT_BYTES (8 * 1024 * 1024)
#define CONF_CONN_SYNC_SOCKBUF_MIN_BYTES 65536
#define CONF_CONN_SYNC_SOCKBUF_MAX_BYTES (64 * 1024 * 1024)
#define CONF_CONN_SYNC_NAME_MAX 64     /* = CONF_NAME_MAX */
#define CONF_CONN_SYNC_IFNAME_MAX 16   /* = CONF_IFNAME_MAX */
#define CONF_CONN_SYNC_LINKS_MAX 8

struct conf_conn_sync_link {
	char interface[CONF_CONN_SYNC_IFNAME_MAX];
	struct addr local, peer;      /* same family */
	int line;
};

/*
 * select: which flows are synced, a list of rules (a flow is synced when
 * one rule matches it, a rule when every key it gives does): mark/mask
 * (ct mark & mask == mark & mask), protocol, source and destination
 * prefixes of the original direction, conntrack zone. "all": every flow (a firewall
 * pair). Not given: the balancer's marked flows (lib/ctsync/ct_select.h).
 */
#define CONF_CONN_SYNC_SELECT_MAX 16

struct conf_conn_sync_rule {
	bool has_mark;
	uint32_t mark, mask;               /* mask default 0xffffffff */
	uint8_t protocol;                  /* IPPROTO_*; 0 = any */
	bool has_src, has_dst;
	struct addr src, dst;              /* network addresses, host bits 0 */
	uint8_t src_len, dst_len;          /* prefix lengths */
	bool has_zone;
	uint16_t zone;                     /* ct zone, 0..65535 */
	int line;
};

struct conf_conn_sync_select {
	bool given;                        /* false: the balancer's flows */
	bool all;                          /* select = "all" */
	size_t nrules;
	struct conf_conn_sync_rule rules[CONF_CONN_SYNC_SELECT_MAX];
	int line;
};

struct conf_conn_sync {
	bool enabled;                      /* the section is there */
	char interface[CONF_CONN_SYNC_IFNAME_MAX];
	struct addr local, peer;      /* same family; = links[0] */
	struct conf_conn_sync_link links[CONF_CONN_SYNC_LINKS_MAX];
	size_t nlinks;                     /* >= 1 when enabled */
	uint16_t port;                     /* default 7788, both ends */
	int socket_buffer_bytes;           /* SO_SNDBUF and SO_RCVBUF */
	char key_file[PATH_MAX];
	uint8_t key[CONF_CONN_SYNC_KEY_MAX];
	size_t key_len;
	char follow[CONF_CONN_SYNC_NAME_MAX];  /* instance or sync group */
	bool follow_is_group;
	struct conf_conn_sync_select select;
	int line;
};

struct conf;
struct conf_ctx;
struct config_setting_t;

/*
 * The conn_sync group into conf->conn_sync, after vrrp_instances and
 * sync_groups (follow names one of them). Errors go to ctx.
 */
void conf_conn_sync_load(struct conf_ctx *ctx,
    const struct config_setting_t *g, struct conf *conf);

/* True when both would run the same sync (reload keeps the runtime). */
bool conf_conn_sync_equal(const struct conf_conn_sync *a,
    const struct conf_conn_sync *b);

#endif

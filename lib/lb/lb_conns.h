/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_conns - the balanced connections vipd knows of, pure: one entry per
 * conntrack entry of a service with a connection-count scheduler, fed by
 * conntrack events and dumps, so that each backend's active and inactive
 * counts are exact (lib/lb/lb_least picks from them).
 *
 * An entry is keyed by the connection's original tuple and remembers its
 * backend (the reply tuple's source) and its class:
 *   active    TCP opening or ESTABLISHED (SYN_SENT, SYN_RECV, ESTABLISHED,
 *             SYN_SENT2), or any UDP flow
 *   inactive  TCP closing (FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE)
 * Every change is reported to the caller as a lb_conns_change (the backend
 * loses one of a class and/or gains one), who applies it to its counts.
 *
 * A full dump (after a start or lost events) is bracketed by
 * lb_conns_sweep_begin/end: entries neither dumped nor updated meanwhile
 * are gone from the kernel, and leave.
 *
 * Bounded: at most `max` entries (LB_CONNS_MAX); more are refused and
 * counted. Owns: the entries. Never does: read the kernel, or know
 * services.
 */
#ifndef VIPD_LB_CONNS_H
#define VIPD_LB_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_CONNS_MAX (1u << 20)
#define LB_CONNS_BUCKETS (1u << 16)

enum lb_conn_class { LB_CONN_NONE = -1, LB_CONN_ACTIVE = 0,
	LB_CONN_INACTIVE = 1 };

/* Zero-filled before use: compared and hashed as bytes. */
struct lb_conn_key {
	uint8_t src[16], dst[16];     /* original direction; IPv4 first 4 */
	uint16_t sport, dport;
	uint8_t family, proto;
	uint8_t pad[2];
};

struct lb_conn_dest {
	uint8_t addr[16];             /* the backend: reply tuple's source */
	uint16_t port;
	uint8_t pad[2];
};

struct lb_conn {
	struct lb_conn *next;
	struct lb_conn_key key;
	struct lb_conn_dest dest;
	int8_t cls;
	uint32_t gen;
};

/* What one event did: dest lost one of was and gained one of now. */
struct lb_conns_change {
	const struct lb_conn_key *key;
	struct lb_conn_dest dest;
	enum lb_conn_class was, now;  /* LB_CONN_NONE: none */
};

struct lb_conns {
	struct lb_conn **buckets;     /* LB_CONNS_BUCKETS, NULL until init */
	size_t count, max;
	uint32_t gen;
	uint64_t refused;             /* entries refused: table full, no memory */
};

/* 0 or -ENOMEM. */
int lb_conns_init(struct lb_conns *t, size_t max);
void lb_conns_free(struct lb_conns *t);

/*
 * The class of a flow of proto (IPPROTO_*) in TCP state tcp_state (the
 * kernel's enum tcp_conntrack; 0 = not given): LB_CONN_NONE when not
 * given (an update that keeps the class).
 */
enum lb_conn_class lb_conns_class(uint8_t proto, uint8_t tcp_state);

/*
 * A flow seen (new, updated or dumped) in class cls (LB_CONN_NONE: keep,
 * or active when new). *ch says what changed (was == now: nothing).
 * Returns 0, or -ENOSPC (table full) / -ENOMEM: refused and counted.
 */
int lb_conns_update(struct lb_conns *t, const struct lb_conn_key *key,
    const struct lb_conn_dest *dest, enum lb_conn_class cls,
    struct lb_conns_change *ch);

/* A flow gone. Returns true (and *ch) when it was known. */
bool lb_conns_destroy(struct lb_conns *t, const struct lb_conn_key *key,
    struct lb_conns_change *ch);

typedef void (*lb_conns_fn)(void *arg, const struct lb_conns_change *ch);

/* Each entry as a change from nothing to its class (to count anew). */
void lb_conns_each(const struct lb_conns *t, lb_conns_fn fn, void *arg);

void lb_conns_sweep_begin(struct lb_conns *t);
/* Remove the entries not seen since sweep_begin, each through fn. */
size_t lb_conns_sweep_end(struct lb_conns *t, lb_conns_fn fn, void *arg);

#endif

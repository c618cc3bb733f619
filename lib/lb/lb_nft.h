/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_nft - the balancer's rules as nft batch text, pure: virtual services
 * and their backends' states in, commands for one nft_apply() out.
 *
 * Objects in table inet vipd, all named "lb_..." (X = the service name
 * with '_' '-' '.' written as "__" "_d" "_o", so that every name is a
 * plain nft identifier and two services never share one):
 *   lb_prerouting  nat, prerouting (dstnat): VIP:port -> jump lb_s_X
 *   lb_output      nat, output: the same, for clients on the node itself
 *   lb_s_X         the service's DNAT: ct mark set NFT_VIPD_CT_MARK, then
 *                  the scheduler's slot -> backend map (an anonymous map,
 *                  so that the chain is rebuilt as a whole on a change);
 *                  with persistence first one rule per backend B that
 *                  sends the clients in lb_p_X_B there
 *   lb_p_X_B       persistence: the clients backend B got lately, a
 *                  dynamic set with timeout persistence_s; B is a hash of
 *                  the backend's address and port (16 hex digits), so the
 *                  set outlives rebuilds of lb_s_X and reloads that keep
 *                  the backend: only a backend that stops taking new flows
 *                  (down, weight 0, removed) loses its clients
 *   lb_fwd         filter, forward: marked flows of X -> jump lb_f_X
 *   lb_f_X         every packet's backend (address . port) looked up in
 *                  lb_cm_X, a map to the counters lb_c_X_i (packets and
 *                  bytes of backend i, both directions); the persistence
 *                  set updates
 *   lb_postrouting nat, postrouting (srcnat): the first packet of each
 *                  marked flow of X, after DNAT, counted in lb_n_X_i
 *                  (new connections) through the map lb_nm_X
 *   lb_input       filter, input: what reaches the VIP:port undiverted
 *                  (no backend, no sorry server) gets a TCP reset / ICMP
 *                  port unreachable
 * NAT chains see only the first packet of a connection, and conntrack keeps
 * its NAT binding for the rest of it: rebuilding lb_s_X never disturbs an
 * established flow, to any backend.
 *
 * Never does: apply anything (lib/nft does), or decide backend health.
 */
#ifndef VIPD_LB_NFT_H
#define VIPD_LB_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf_lb.h"

#define LB_NFT_ID_MAX (2 * CONF_LB_NAME_MAX + 8)
#define LB_NFT_SET_MAX (LB_NFT_ID_MAX + 24)   /* "lb_p_" id "_" 16 hex */

/* A growing text buffer; oom is set (and text left short) on failure. */
struct lb_text {
	char *buf;
	size_t len, cap;
	bool oom;
};

void lb_text_printf(struct lb_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lb_text_free(struct lb_text *t);

/* The service name as an nft identifier part ("web-1" -> "web_d1"). */
void lb_nft_id(const char *name, char *out, size_t len);

/*
 * The counters of backend i of the service with nft id `id` (see the
 * top): "lb_n_<id>_<i>" counts its new connections, "lb_c_<id>_<i>" its
 * packets and bytes. lb_nft_counter_name() writes one; lb_nft_counter_parse()
 * reads one back (false for any other name), so that the name is written
 * and read in this one file.
 */
enum lb_nft_counter {
	LB_NFT_COUNTER_CONNS,      /* lb_n_ */
	LB_NFT_COUNTER_TRAFFIC,    /* lb_c_ */
};
#define LB_NFT_COUNTER_MAX (LB_NFT_ID_MAX + 32)

const char *lb_nft_counter_name(enum lb_nft_counter kind, const char *id,
    size_t backend, char *buf, size_t len);
bool lb_nft_counter_parse(const char *name, enum lb_nft_counter *kind,
    char *id, size_t id_len, size_t *backend);

/*
 * Every counter of `nft list counters` text (which it cuts up in place):
 * fn gets each one's name, packets and bytes, whatever the name.
 */
typedef void (*lb_nft_counter_fn)(void *arg, const char *name,
    uint64_t packets, uint64_t bytes);
void lb_nft_counters_each(char *text, lb_nft_counter_fn fn, void *arg);

/* The persistence set of backend b of the service with nft id `id`. */
const char *lb_nft_persist_set(const char *id, const struct conf_backend *b,
    char *buf, size_t len);

/* Create the table and the base chains if missing, then empty the base
 * chains (their rules are rewritten with lb_nft_service_hooks). */
void lb_nft_base(struct lb_text *t);

/*
 * Create / delete the per-service chains, counters and persistence sets.
 * keep: the service that replaces svc in the same transaction (a reload
 * that changed it), or NULL: the persistence sets of backends keep has too
 * (same persistence_s and family) are left for it, clients and all.
 */
void lb_nft_service_add(struct lb_text *t, const struct conf_service *svc);
void lb_nft_service_delete(struct lb_text *t, const struct conf_service *svc,
    const struct conf_service *keep);

/* The service's rules in the base chains. */
void lb_nft_service_hooks(struct lb_text *t, const struct conf_service *svc);

/*
 * Rewrite lb_s_X for the backends whose up[i] is true: the scheduler's
 * table over those with weight > 0, the sorry server below quorum, or no
 * rule at all (lb_input rejects); empty the persistence sets of backends
 * that take no new flows, and only those. Returns how many backends take
 * new flows.
 */
size_t lb_nft_service_rules(struct lb_text *t, const struct conf_service *svc,
    const bool *up);

/* Backends that would take new flows, and whether that meets the quorum. */
size_t lb_nft_active(const struct conf_service *svc, const bool *up);

/*
 * A backend as the rules see it at run time: its health, its weight now
 * (the file's, or what `vipctl backend` set), its connections (for lc,
 * wlc, sed and nq; lib/lb/lb_least.h).
 */
struct lb_nft_backend_state {
	bool up;
	uint32_t weight;
	uint32_t active, inactive;
};

/*
 * lb_nft_service_rules from run-time states: the same, with the sorry
 * server (or refusal) when quorum_met is false. lb_nft_service_rules()
 * is this with the file's weights, no connections, and the quorum met
 * when lb_nft_quorum_met(false, true, ...) says so.
 */
size_t lb_nft_service_rules_st(struct lb_text *t,
    const struct conf_service *svc, const struct lb_nft_backend_state *st,
    bool quorum_met);
/*
 * lc, wlc, sed, nq. The scheduler's rule walks a named map, slot ->
 * backend, with "numgen inc mod len": the rule is written again only by
 * lb_nft_service_rules_st (health, weight, quorum, reload), its numgen
 * then starting at slot 0 (the map filled from there); a change of counts
 * rewrites only the map's changed elements (lb_nft_least_update), so
 * numgen keeps counting through it.
 *
 * lb_nft_least_slots: the picks IPVS would make from st's counts, the
 * first at slot pos (mod len), into slots[] (LB_SCHED_SEQ_MAX). Returns
 * len (lb_least_len of the service's backends), 0 when none takes flows.
 * lb_nft_least_update: the transaction text that turns the map's was[]
 * into now[]; returns the slots changed (0: no text).
 */
size_t lb_nft_least_slots(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, uint32_t pos, uint16_t *slots);
size_t lb_nft_least_update(struct lb_text *t, const struct conf_service *svc,
    const uint16_t *was, const uint16_t *now, size_t len);
/* "lb_m_<id>" */
const char *lb_nft_least_map(const char *id, char *buf, size_t len);

size_t lb_nft_active_st(const struct conf_service *svc,
    const struct lb_nft_backend_state *st);

/* The weights of the backends that are up, added (keepalived's quorum). */
uint32_t lb_nft_weight_sum(const struct conf_service *svc,
    const struct lb_nft_backend_state *st);

/*
 * Whether the quorum is met, keepalived's rule: with `first` (no state
 * yet) when sum >= quorum; after that, a met quorum holds until sum <
 * quorum - hysteresis and a lost one comes back at sum >= quorum +
 * hysteresis. Never met when no backend takes new flows (active 0).
 */
bool lb_nft_quorum_met(bool was_met, bool first, uint32_t sum, size_t active,
    uint32_t quorum, uint32_t hysteresis);

/*
 * The scheduler of svc in both forwarding modes. lb_nft_sched_backends():
 * its backends for lb_sched (keyed by address and port; st[i].up =
 * usable, st[i].weight its weight now). lb_nft_table_size(): the Maglev
 * size for sh and mh, sized from the configured backends
 * (lb_sched_maglev_size), 0 for the others. lb_nft_table(): fill table
 * (lb_nft_table_size() slots) for the backends st[], and return its
 * digest (lb_sched_table_digest). lb_nft_hash_expr(): the nft expression
 * that picks a slot, the same on every node ("jhash ... mod SIZE seed S":
 * of the source address for sh, of the 5-tuple for mh).
 */
struct lb_sched_backend;
#define LB_NFT_HASH_MAX 160
void lb_nft_sched_backends(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, struct lb_sched_backend *sb);
size_t lb_nft_table_size(const struct conf_service *svc);
uint64_t lb_nft_table(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, uint16_t *table);
const char *lb_nft_hash_expr(const struct conf_service *svc, char *buf,
    size_t len);

#endif

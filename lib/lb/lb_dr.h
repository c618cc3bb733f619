/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_dr - direct routing (forwarding = "dr") as nft batch text, pure:
 * services, their backends' MACs and states in, commands for one
 * nft_apply() out.
 *
 * The data path is a netdev ingress chain, so it runs before conntrack
 * and the IP stack: nothing is tracked, the node keeps no state, and a
 * node that computes the same table sends every packet where any other
 * would. Objects in table netdev vipd (LB_DR_TABLE), X the service's nft
 * id (lb_nft_id), D an ingress device's:
 *   dr_in_D   ingress hook on device D, where the VIP's traffic arrives:
 *             frames addressed to this node (meta pkttype host: not the
 *             copies a switch floods to every port; or the VMAC while the
 *             VIP's instance uses one and holds the VIP: the backup has
 *             the same VMAC) to VIP:port -> jump dr_s_X. Frames to the
 *             VMAC while the VIP is not held: counted drop (counter
 *             dr_v_X), or the node's stack, through the macvlan, routes
 *             them (ip_forward = 1) and every one arrives twice. A
 *             takeover or a release rewrites this chain alone.
 *   dr_s_X    the slot of the packet (the Maglev slot of lb_nft_hash_expr,
 *             the same seed and size as on every node, through the packet
 *             mark) -> jump dr_b_X_i by the map dr_m_X; a slot without a
 *             backend: counted drop (counter dr_d_X)
 *   dr_m_X    slot -> jump dr_b_X_i. A health change sends only the slots
 *             that change owner (delete, then add, in one transaction):
 *             at 65537 slots and 100 backends about 650 elements a
 *             backend instead of all 65537 (15-20 ms against 300-750 ms
 *             for a rebuilt anonymous map, measured)
 *   dr_b_X_i  backend i: ether saddr set to the node's MAC (or the switch
 *             learns the client's MAC on the node's port), ether daddr to
 *             the backend's, counter lb_c_X_i (lb_nft_counter_name),
 *             fwd to the backend's interface. A changed MAC rewrites this
 *             chain alone.
 * The packet keeps its IP header: the backend holds the VIP on lo and
 * answers the client by its own route.
 *
 * Never does: resolve MACs (lb_mac), apply anything, decide health.
 */
#ifndef VIPD_LB_DR_H
#define VIPD_LB_DR_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf_lb.h"
#include "lb/lb_nft.h"

#define LB_DR_TABLE "netdev vipd"
#define LB_DR_DROP_PREFIX "dr_d_"
#define LB_DR_BACKUP_PREFIX "dr_v_"     /* to the VMAC, VIP not held */

/* Replace the netdev table with an empty one (the start of a rebuild). */
void lb_dr_reset(struct lb_text *t);

/* The table gone (stop; no dr service left). */
void lb_dr_remove(struct lb_text *t);

/*
 * The slot table of svc for the backends st[i] (lb_nft_table_size(svc)
 * slots; their health and weight now): Maglev's, or every slot
 * LB_SCHED_NONE when quorum_met is false. Returns how many backends take
 * flows. lb_dr_table(): the same for up[i] with the file's weights and the
 * quorum as it is first decided (lb_nft_quorum_met(false, true, ...)).
 */
size_t lb_dr_table_st(const struct conf_service *svc,
    const struct lb_nft_backend_state *st, bool quorum_met, uint16_t *table);
size_t lb_dr_table(const struct conf_service *svc, const bool *up,
    uint16_t *table);

/*
 * A dr service's objects, hooks and rules with the slot table `table`:
 * node_mac is the MAC of svc->dr_interface, mac[i] backend i's (all zero
 * when it has none: it is not up then, and gets its chain rewritten when
 * it gets one); vmac_on: frames to the VMAC are taken too (the instance
 * holds the VIP).
 */
void lb_dr_service_add(struct lb_text *t, const struct conf_service *svc,
    const uint8_t node_mac[6], const uint8_t (*mac)[6],
    const uint16_t *table, bool vmac_on);

/*
 * The ingress chain dr_in_D of device `ingress` emptied, and then one
 * service's rules in it again (the chain is shared by every service that
 * comes in on D: each of them is added back, in one transaction).
 */
void lb_dr_ingress_flush(struct lb_text *t, const char *ingress);
void lb_dr_ingress_rules(struct lb_text *t, const struct conf_service *svc,
    bool vmac_on);

/*
 * Change the map from `old` (what the kernel has) to `table`; returns the
 * number of slots that change.
 */
size_t lb_dr_table_delta(struct lb_text *t, const struct conf_service *svc,
    const uint16_t *old, const uint16_t *table);

/* Rewrite dr_b_X_i for backend i's (new) MAC. */
void lb_dr_backend(struct lb_text *t, const struct conf_service *svc,
    size_t i, const uint8_t node_mac[6], const uint8_t mac[6]);

/* The slot chain's name (dr_s_X) of the service with nft id `id`. */
const char *lb_dr_slot_chain(const char *id, char *buf, size_t len);

/*
 * Whether the output of `nft list chains netdev` (text) shows the slot
 * chain of the service with nft id `id` in table netdev vipd.
 */
bool lb_dr_chain_listed(const char *text, const char *id);

/* The drop counter's name of the service with nft id `id`. */
const char *lb_dr_drop_counter(const char *id, char *buf, size_t len);

/* "02:00:00:00:00:01" (buf of at least 18 bytes). */
const char *lb_dr_mac_str(const uint8_t mac[6], char *buf, size_t len);

#endif

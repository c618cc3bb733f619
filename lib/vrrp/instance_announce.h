/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_announce - what one instance puts on the wire: its adverts (to
 * the family's multicast group or each unicast peer, from the VMAC with
 * use_vmac) and its gratuitous ARP / unsolicited NA as garp_sched times
 * them. Only lib/instance uses it.
 *
 * Owns: inst->ip_id and the AH sequence numbers sent, the advert and GARP
 * counters.
 * Never does: open sockets (the daemon passes them in), decide when to
 * advertise (vrrp_fsm) or when a burst is due (garp_sched), touch VIPs.
 */
#ifndef VIPD_INSTANCE_ANNOUNCE_H
#define VIPD_INSTANCE_ANNOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp/instance.h"

/* Send one advert with this priority; failures are counted (send_errors). */
void instance_announce_advert(struct instance *inst, uint8_t priority);

/* A burst of announcements when due; stops the schedule unless Master. */
void instance_announce_tick(struct instance *inst,
			    const struct instance_env *env, uint64_t now_ms);

/*
 * Became Master (fresh false): the full schedule. A reassertion (fresh
 * true) is a fresh burst only: the second burst and refresh keep their times.
 */
void instance_announce_start(struct instance *inst,
			     const struct instance_env *env, bool fresh,
			     uint64_t now_ms);

#endif

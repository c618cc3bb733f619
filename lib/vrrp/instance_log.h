/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance_log - how one instance's transitions are told: the one log line
 * per transition with its reason and detail (peer, time since the last
 * advert, hand-over time, health reason), the rate-limited line for a
 * lower-priority master heard, and the timeline entry with the wall clock
 * (read by the caller).
 * Only lib/instance uses it.
 *
 * A transition that priorities decide (higher priority, preempt) tells
 * both sides of the comparison: ours, with the track change behind it
 * (inst->track_note: "script chk failing (exit 1), weight -60, priority
 * 150 -> 90"), and the peer's advertised priority, the only thing we know
 * of its reasons.
 *
 * Owns: the wording of those lines, inst->timeline entries, the reasserts
 * counter, and whether the track note was told (track_note_fresh).
 * Never does: change state, send packets or touch the OS.
 */
#ifndef VIPD_INSTANCE_LOG_H
#define VIPD_INSTANCE_LOG_H

#include <stdint.h>

#include "vrrp/instance.h"

/* "name: FROM -> TO (reason, detail)" at notice level. */
void instance_log_transition(struct instance *inst,
			     const struct vrrp_actions *a, uint64_t now_ms);

/* A lower-priority master heard: counted, logged rate-limited (peer-driven). */
void instance_log_reassert(struct instance *inst,
			   const struct addr *peer, uint64_t now_ms);

/*
 * Add the transition to inst->timeline with its health detail, stamped
 * now_ms (monotonic) and wall_ms (CLOCK_REALTIME, ms since the epoch: the
 * caller reads it).
 */
void instance_log_record(struct instance *inst, const struct vrrp_actions *a,
			 uint64_t now_ms, uint64_t wall_ms);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_timers - the timer arithmetic of VRRP: Skew_Time and
 * Master_Down_Interval for VRRPv3 (RFC 5798 6.1) and VRRPv2 (RFC 3768 6.1),
 * in milliseconds, truncated the way keepalived truncates them so that both
 * ends of a mixed pair agree to the millisecond.
 *
 * Owns: nothing; pure functions of their arguments.
 * Never does: keep state, read a clock, or know about states and events
 * (vrrp_fsm decides when a timer is armed).
 */
#ifndef VIPD_VRRP_TIMERS_H
#define VIPD_VRRP_TIMERS_H

#include <stdint.h>

/*
 * Skew_Time for this priority. version 2: (256 - priority) / 256 s,
 * whatever the interval; any other version: (256 - priority) *
 * Master_Adver_Interval / 256.
 */
uint32_t vrrp_timers_skew_ms(uint8_t version, uint8_t priority,
			     uint32_t master_adver_interval_ms);

/* Master_Down_Interval: 3 * Master_Adver_Interval + Skew_Time. */
uint32_t vrrp_timers_down_ms(uint8_t version, uint8_t priority,
			     uint32_t master_adver_interval_ms);

#endif

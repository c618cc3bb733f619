/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_timers - Skew_Time and Master_Down_Interval (see vrrp_timers.h).
 */
#include "vrrp/vrrp_timers.h"

/*
 * RFC 5798 6.1 and RFC 3768 6.1. keepalived computes in microseconds and
 * so truncates there; doing the same keeps our Master_Down_Interval equal
 * to a keepalived peer's to the millisecond.
 */
static uint64_t
skew_time_us(uint8_t version, uint8_t priority,
    uint32_t master_adver_interval_ms)
{
	if (version == 2)
		return (256u - priority) * 1000000u / 256u;
	return ((uint64_t)(256 - priority) * master_adver_interval_ms * 1000) /
	    256;
}

uint32_t
vrrp_timers_skew_ms(uint8_t version, uint8_t priority,
    uint32_t master_adver_interval_ms)
{
	return (uint32_t)(skew_time_us(version, priority,
	    master_adver_interval_ms) / 1000);
}

uint32_t
vrrp_timers_down_ms(uint8_t version, uint8_t priority,
    uint32_t master_adver_interval_ms)
{
	uint64_t us = 3 * (uint64_t)master_adver_interval_ms * 1000 +
	    skew_time_us(version, priority, master_adver_interval_ms);

	return (uint32_t)(us / 1000);
}

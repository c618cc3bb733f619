/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_bfd - the master_down_bfd decision (see vrrp_bfd.h).
 */
#include "vrrp/vrrp_bfd.h"

enum vrrp_bfd_decision
vrrp_bfd_decide(const struct vrrp_bfd_input *in)
{
	if (!in->enabled)
		return VRRP_BFD_IGNORE_OFF;
	if (in->state != VRRP_STATE_BACKUP)
		return VRRP_BFD_IGNORE_NOT_BACKUP;
	if (!in->master_known || !in->peer_is_master)
		return VRRP_BFD_IGNORE_NOT_MASTER;
	switch (in->probe) {
	case VRRP_BFD_PROBE_PENDING:
		return VRRP_BFD_WAIT_PROBE;
	case VRRP_BFD_PROBE_ANSWERED:
		return VRRP_BFD_WAIT_MASTER_ANSWERS;
	case VRRP_BFD_PROBE_SILENT:
		return VRRP_BFD_TAKE_OVER;
	case VRRP_BFD_PROBE_NONE:
		break;
	}
	return VRRP_BFD_WAIT_NO_PROBE;
}

const char *
vrrp_bfd_decision_name(enum vrrp_bfd_decision d)
{
	switch (d) {
	case VRRP_BFD_IGNORE_OFF: return "master_down_bfd off";
	case VRRP_BFD_IGNORE_NOT_BACKUP: return "not BACKUP";
	case VRRP_BFD_IGNORE_NOT_MASTER: return "not the master's session";
	case VRRP_BFD_WAIT_PROBE: return "waiting for the probe of the master";
	case VRRP_BFD_WAIT_MASTER_ANSWERS:
		return "the master's address answers its probe: waiting for the "
		    "master down timer";
	case VRRP_BFD_WAIT_NO_PROBE:
		return "the master's address could not be probed: waiting for "
		    "the master down timer";
	case VRRP_BFD_TAKE_OVER: return "probe unanswered";
	}
	return "?";
}

uint32_t
vrrp_bfd_skew_ms(uint8_t priority, uint64_t detect_time_ms)
{
	return (uint32_t)((256u - priority) * detect_time_ms / 256u);
}

uint32_t
vrrp_bfd_probe_wait_ms(uint64_t detect_time_ms, uint32_t min_ms)
{
	uint64_t w = detect_time_ms / 2;

	return w < min_ms ? min_ms : (uint32_t)w;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_bfd - master_down_bfd as pure logic: whether a Backup whose BFD
 * session to the master went down takes over early, and after which skew.
 *
 * The rule that keeps it safe: BFD alone never makes a second master. A
 * session goes down when BFD packets are lost or filtered too, with the
 * master alive and advertising; so the backup takes over early only when
 * a probe of the master's address (ARP, IPv6 neighbour solicitation),
 * sent when the session started missing packets, got no answer. When the
 * master answers, or no probe could be sent or its result is not known
 * yet, the backup keeps waiting for its normal Master_Down_Timer, which
 * adverts from a live master keep re-arming.
 *
 * Owns: that decision and the words that explain it, and the skew
 * (256 - priority) / 256 x detection time, RFC 5798's Skew_Time scaled to
 * BFD's time, so that of several backups the best goes first.
 * Never does: probe, look at sockets or sessions, touch the FSM (the
 * instance feeds VRRP_EV_BFD_MASTER_DOWN when this says TAKE_OVER).
 */
#ifndef VIPD_VRRP_BFD_H
#define VIPD_VRRP_BFD_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp/vrrp_fsm.h"

/* What is known of the master's address since the session went silent. */
enum vrrp_bfd_probe {
	VRRP_BFD_PROBE_NONE = 0,     /* none sent (cannot: no socket, no family) */
	VRRP_BFD_PROBE_PENDING,      /* sent, no answer yet, still waiting */
	VRRP_BFD_PROBE_ANSWERED,     /* the master's address answered */
	VRRP_BFD_PROBE_SILENT,       /* sent, no answer within its time */
};

enum vrrp_bfd_decision {
	VRRP_BFD_IGNORE_OFF = 0,        /* master_down_bfd is off */
	VRRP_BFD_IGNORE_NOT_BACKUP,     /* only a Backup takes over */
	VRRP_BFD_IGNORE_NOT_MASTER,     /* the session is not to the master */
	VRRP_BFD_WAIT_PROBE,            /* decide again when the probe ends */
	VRRP_BFD_WAIT_MASTER_ANSWERS,   /* alive: Master_Down_Timer as usual */
	VRRP_BFD_WAIT_NO_PROBE,         /* unconfirmed: Master_Down_Timer */
	VRRP_BFD_TAKE_OVER,             /* after vrrp_bfd_skew_ms */
};

struct vrrp_bfd_input {
	bool enabled;                   /* master_down_bfd */
	enum vrrp_state state;
	bool master_known;
	bool peer_is_master;            /* session peer == instance_master_addr */
	enum vrrp_bfd_probe probe;
};

enum vrrp_bfd_decision vrrp_bfd_decide(const struct vrrp_bfd_input *in);

/* Why, for the log: "master 10.0.0.2 answers its ARP probe". */
const char *vrrp_bfd_decision_name(enum vrrp_bfd_decision d);

/* (256 - priority) / 256 x detect_time_ms, in ms (priority 1..255). */
uint32_t vrrp_bfd_skew_ms(uint8_t priority, uint64_t detect_time_ms);

/*
 * How long a probe waits for its answer: half the detection time (the
 * probe goes out when half of it has passed in silence), at least
 * min_ms (a neighbour answers in well under a millisecond on a LAN; the
 * floor is for a loaded host).
 */
uint32_t vrrp_bfd_probe_wait_ms(uint64_t detect_time_ms, uint32_t min_ms);

#endif

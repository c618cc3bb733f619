/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_stall - a loop that was stalled (the process stopped with SIGSTOP,
 * a paused VM, a wait behind a slow call) and now runs again: whether it
 * was, from the instance's own deadlines and the time now, and what a
 * Master that finds another master's adverts queued then does. Pure: time
 * passed in, no OS, no log.
 *
 * A Master stalled for 3 advert intervals has been silent as long as the
 * shortest Master_Down_Interval a backup can have (3 x
 * Master_Adver_Interval + Skew_Time, RFC 5798 6.1): a backup may have
 * taken over and carried the connections meanwhile, and then this node's
 * kernel state (its conntrack entries' TCP windows) is out of date. The
 * adverts the kernel queued while the loop stood still tell: the caller
 * reads them before acting on any timer, marked stalled
 * (struct vrrp_event.stalled). An advert of another master among them
 * (priority above 0, whatever it is) makes this Master resume as a node
 * that has just joined: BACKUP at once, the VIPs removed without a grace
 * (the other node holds them, the clients' neighbour entries point
 * there), no advert of ours (it would make the other node yield), that
 * master followed. It takes over again only through the normal path:
 * preempt, preempt_delay_ms, the connection table first (table_hold), and
 * the new master's make-before-break hand-over. Finding none, it stays
 * Master: no one took over, its state is current.
 *
 * A Backup whose Master_Down_Timer is overdue by an advert interval was
 * stalled too: read first, its master's queued adverts arm the timer
 * again, and it never claims the VIPs for a master that lives.
 */
#ifndef VIPD_VRRP_STALL_H
#define VIPD_VRRP_STALL_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp/vrrp_fsm.h"

/* Silent this many advert intervals, a Master may have been taken over from. */
#define VRRP_STALL_MASTER_INTERVALS 3

struct vrrp_stall {
	uint64_t late_ms;     /* the instance's deadline was this far behind */
	uint64_t silent_ms;   /* Master: since its last advert; Backup: since
				 the last advert heard (0: none) */
};

/*
 * Whether fsm, woken at now_ms, was stalled (the rules above); *out says
 * how long. A Master handing over (releasing) or a state without timers
 * is never stalled.
 */
bool vrrp_stall_detect(const struct vrrp_fsm *fsm, uint64_t now_ms,
		       struct vrrp_stall *out);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_fsm - the VRRP state machine of RFC 5798 section 6.4, as pure logic.
 *
 * Owns: state (Initialize/Backup/Master, plus Fault for a dead link), the
 * Adver_Timer and Master_Down_Timer deadlines, Master_Adver_Interval learnt
 * from the master, preemption and its delay, the address tie-break.
 * Input: an event and the current time (ms, CLOCK_MONOTONIC). Output: a
 * struct vrrp_actions telling the caller what to do. The caller performs the
 * actions (send, add VIPs, GARP, log); the FSM never touches the OS, never
 * logs, never allocates.
 *
 * Time is milliseconds throughout. The wire carries centiseconds; the caller
 * converts (cs * 10) before handing an advert to the FSM. The Skew_Time and
 * Master_Down_Interval arithmetic is vrrp_timers'.
 */
#ifndef VIPD_VRRP_FSM_H
#define VIPD_VRRP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp/vrrp_pkt.h"
#include "vrrp/vrrp_timers.h"

enum vrrp_state {
	VRRP_STATE_INIT = 0,   /* RFC "Initialize": not started, or shut down */
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
	VRRP_STATE_FAULT,      /* interface down: silent, no VIPs */
};

/* Why the last transition happened; names are the words in logs and dumps. */
enum vrrp_reason {
	VRRP_REASON_NONE = 0,
	VRRP_REASON_STARTUP,            /* Initialize -> Backup */
	VRRP_REASON_STARTUP_OWNER,      /* Initialize -> Master, priority 255 */
	VRRP_REASON_MASTER_DOWN,        /* Master_Down_Timer expired */
	VRRP_REASON_MASTER_LEFT,        /* priority-0 advert, Skew_Time elapsed */
	VRRP_REASON_HIGHER_PRIORITY,    /* Master heard a higher priority */
	VRRP_REASON_TIE_HIGHER_ADDRESS, /* equal priority, peer's address higher */
	VRRP_REASON_PREEMPT,            /* Backup preempting a lower-priority master */
	VRRP_REASON_SHUTDOWN,           /* graceful stop */
	VRRP_REASON_IFACE_DOWN,
	VRRP_REASON_IFACE_UP,
	/*
	 * Make-before-break hand-overs, by what started them: the new master
	 * was heard, or (stop, forced fault) nobody took over within
	 * Master_Down_Interval.
	 */
	VRRP_REASON_STOP_HANDED_OVER,
	VRRP_REASON_STOP_HANDOVER_TIMEOUT,
	VRRP_REASON_FAULT_HANDED_OVER,
	VRRP_REASON_FAULT_HANDOVER_TIMEOUT,
	VRRP_REASON_DRILL_HANDED_OVER,
	VRRP_REASON_GROUP_HANDED_OVER,  /* with another sync group member */
	VRRP_REASON_FORCED_FAULT,       /* operator: vipctl fault on */
	VRRP_REASON_FORCED_FAULT_OFF,   /* operator: vipctl fault off */
	VRRP_REASON_DRILL,              /* operator: vipctl drill (rfc hand-over) */
	VRRP_REASON_TRACK_FAULT,        /* a tracked object with weight 0 failed */
	VRRP_REASON_TRACK_OK,           /* tracked objects recovered */
	VRRP_REASON_GROUP_FAULT,        /* another sync group member is in FAULT */
	VRRP_REASON_GROUP_OK,           /* no sync group member in FAULT any more */
	VRRP_REASON_GROUP_BACKUP,       /* another sync group member became BACKUP */
	VRRP_REASON_GROUP_MASTER,       /* every sync group member ready for MASTER */
	VRRP_REASON_BFD_MASTER_DOWN,    /* the BFD session to the master went down
					   and its address is silent (vrrp_bfd.h) */
	VRRP_REASON_STALLED,            /* Master: the loop stood still, another
					   master took over meanwhile
					   (vrrp_stall.h) */
	VRRP_REASON__COUNT
};

enum vrrp_event_type {
	VRRP_EV_STARTUP,     /* RFC 6.4.1 */
	VRRP_EV_SHUTDOWN,    /* graceful stop: Master sends priority 0 */
	VRRP_EV_ADVERT,      /* a verified advert for this VRID */
	VRRP_EV_TIMER,       /* now >= vrrp_fsm_next_deadline() */
	VRRP_EV_IFACE_DOWN,  /* also Initialize -> Fault: started on a dead link */
	VRRP_EV_IFACE_UP,    /* Initialize or Fault: start as VRRP_EV_STARTUP does */
	VRRP_EV_FORCE_FAULT, /* operator drill: hand over (if Master), then FAULT */
	VRRP_EV_FORCE_FAULT_OFF, /* back out of a forced FAULT, as at startup */
	VRRP_EV_DRILL,       /* Master only: hand over, then Backup for hold_ms */
	VRRP_EV_TRACK_FAULT, /* tracking says FAULT: priority 0 if Master, no VIPs */
	VRRP_EV_TRACK_OK,    /* out of a tracking FAULT, as at startup */
	VRRP_EV_GROUP_FAULT, /* sync group: another member is in FAULT */
	VRRP_EV_GROUP_OK,    /* sync group: out of FAULT, as at startup */
	VRRP_EV_GROUP_BACKUP,/* sync group: a Master yields (priority 0) to Backup */
	VRRP_EV_GROUP_MASTER,/* sync group: a Backup waiting at the gate takes over */
	VRRP_EV_GROUP_HANDOVER,/* sync group: another member hands over (drill,
				  forced fault): a Master hands over too, as a
				  drill does (hold_ms), make-before-break */
	VRRP_EV_BFD_MASTER_DOWN,/* master_down_bfd: the master is down (its BFD
				   session went down, its address is silent):
				   a Backup's Master_Down_Timer expires
				   bfd_skew_ms from now, unless it would sooner
				   or an advert comes first */
};

struct vrrp_event {
	enum vrrp_event_type type;
	/* VRRP_EV_ADVERT only: */
	uint8_t priority;
	uint32_t max_adver_int_ms;
	struct addr src;      /* the sender's primary address */
	bool stalled;         /* queued while our loop was stalled
				 (vrrp_stall.h): a Master yields to it */
	/* VRRP_EV_DRILL, GROUP_HANDOVER: how long to stay Backup before preempting back. */
	uint32_t hold_ms;
	/* VRRP_EV_BFD_MASTER_DOWN: vrrp_bfd_skew_ms() of our priority. */
	uint32_t bfd_skew_ms;
};

/* Bit flags of what the caller must do, in this order. */
enum vrrp_action_flags {
	VRRP_ACT_SEND_ADVERT = 1u << 0,  /* send one advert with actions.advert_priority */
	VRRP_ACT_ADD_VIPS    = 1u << 1,
	VRRP_ACT_SEND_GARP   = 1u << 2,  /* announce every VIP (GARP / unsolicited NA) */
	VRRP_ACT_REMOVE_VIPS = 1u << 3,
	VRRP_ACT_STATE_CHANGED = 1u << 4,/* from/to/reason are valid: log, notify, dump */
	VRRP_ACT_HANDOVER_STARTED = 1u << 5,/* priority 0 sent, VIPs kept until released */
	VRRP_ACT_REASSERTED  = 1u << 6,  /* a lower-priority master was heard (a split
					    brain healing): advert and GARP sent at once;
					    actions.peer is that master */
	VRRP_ACT_WANT_MASTER = 1u << 7,  /* group gate closed: Master_Down_Timer
					    expired, waiting for the sync group */
	VRRP_ACT_HANDOVER_KEPT = 1u << 8,/* a drill's make-before-break hand-over
					    found no taker within
					    Master_Down_Interval: VIPs kept,
					    still Master, advert sent again */
};

/*
 * Make-before-break: after hearing the new master, keep the VIPs this much
 * longer. The new master sends its advert a moment before its gratuitous
 * ARP (after adding its addresses); releasing on the advert alone would
 * drop what clients send in between.
 */
#define VRRP_HANDOVER_GRACE_MS 20

struct vrrp_actions {
	unsigned flags;
	uint8_t advert_priority;      /* 0 on shutdown, else the effective priority */
	enum vrrp_state from, to;
	enum vrrp_reason reason;
	struct addr peer;        /* the advert's sender, when the reason involves one */
};

/* Static per-instance settings, copied in at init. */
struct vrrp_fsm_config {
	uint8_t priority;              /* 1..255, 255 = address owner */
	uint32_t advert_interval_ms;   /* our Advertisement_Interval */
	bool preempt;
	uint32_t preempt_delay_ms;     /* keepalived semantics: no preemption until this
					  long after entering Backup, or after the first
					  lower-priority advert that follows one of at
					  least our priority. Ignored by an owner (255). */
	struct addr primary_addr; /* our own primary address, for the tie-break */
	/*
	 * A graceful stop of a Master announces priority 0 as RFC 5798 6.4.3
	 * says, but keeps the VIPs until a new master is heard (or until
	 * Master_Down_Interval passes), so no client packet falls in between.
	 * A drill (VRRP_EV_DRILL, GROUP_HANDOVER) that nobody takes over
	 * from keeps them and stays Master (VRRP_ACT_HANDOVER_KEPT); a stop
	 * or a forced FAULT releases them then, the node is going away.
	 */
	bool make_before_break;
	uint8_t version;               /* 2: RFC 3768 timers; otherwise RFC 5798 */
};

struct vrrp_fsm {
	struct vrrp_fsm_config cfg;
	enum vrrp_state state;
	uint32_t master_adver_interval_ms; /* learnt from the master (RFC 6.1) */
	uint64_t adver_due_ms;             /* 0 = Adver_Timer not armed */
	uint64_t master_down_due_ms;       /* 0 = Master_Down_Timer not armed */
	uint64_t preempt_allowed_ms;       /* Backup may preempt from this time on;
					      0 with a delay = delay not running */
	uint64_t state_since_ms;
	bool master_known;                 /* master_addr is valid */
	struct addr master_addr;      /* current master (self when Master) */
	uint64_t last_advert_ms;           /* last advert heard from the master
					      (Backup), 0 = none since startup */
	enum vrrp_reason last_reason;
	enum vrrp_reason takeover_reason;  /* what Master_Down_Timer expiry means:
					      MASTER_DOWN, MASTER_LEFT or PREEMPT */

	/* Make-before-break hand-over in progress (state stays MASTER). */
	bool releasing;
	bool release_heard;                /* the new master's advert arrived */
	uint64_t release_started_ms;
	uint64_t release_due_ms;           /* VIPs go at this time */
	struct addr release_new_master;
	enum vrrp_state release_to;        /* INIT (stop), FAULT (forced) or
					      BACKUP (drill, group hand-over) */
	enum vrrp_event_type release_cause;/* the event that started it, for
					      the reason that ends it */
	uint64_t release_kept_ms;          /* a drill's hand-over last called
					      off for want of a taker, 0 = never */
	/* Backup after yielding: VIPs still held until this time (0 = none). */
	uint64_t vips_release_due_ms;
	/*
	 * conn_sync: the connection table is still on its way to this node
	 * (set by the daemon, lib/ctsync/ct_recv.h ct_recv_table_pending): a Backup
	 * does not preempt, since as Master without the table it would drop
	 * every established connection. An owner (255) preempts all the same
	 * (RFC 5798 6.1); a master that is down is taken over from as usual.
	 */
	bool table_hold;
	/* Drill: no preemption before hold_until_ms (0 = no hold). */
	uint32_t drill_hold_ms;
	uint64_t hold_until_ms;
	/* Master: no new reassertion before this time (one per advert interval). */
	uint64_t reassert_allowed_ms;
	/*
	 * Sync group gate: while closed, a Backup whose Master_Down_Timer
	 * expires does not take over by itself but sets want_master and waits
	 * for VRRP_EV_GROUP_MASTER, so that members become MASTER together.
	 */
	bool group_gate;
	bool want_master;
};

void vrrp_fsm_init(struct vrrp_fsm *fsm, const struct vrrp_fsm_config *cfg);

/*
 * Feed one event at time now_ms. *out is cleared and filled with what the
 * caller must do. Events that do not apply in the current state yield no
 * actions.
 */
void vrrp_fsm_handle(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
		     uint64_t now_ms, struct vrrp_actions *out);

/*
 * A new effective priority (tracking). 0 and 255 are refused (the owner is
 * never adjusted; 0 is a goodbye): returns false and changes nothing. A
 * Master advertises the new priority at once, so that a Backup that now
 * has more preempts (RFC 5798 6.4.2: it ignores lower-priority adverts,
 * when Preempt_Mode is true, until its Master_Down_Timer fires); a Backup
 * that now has more than its Master does the same on that Master's next
 * advert.
 */
bool vrrp_fsm_set_priority(struct vrrp_fsm *fsm, uint8_t priority,
			   uint64_t now_ms, struct vrrp_actions *out);

/* Earliest armed deadline (ms), or 0 when no timer is armed. */
uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *fsm);

/*
 * RFC 5798 6.1 timers for the given priority and Master_Adver_Interval;
 * the arithmetic is vrrp_timers'.
 */
static inline uint32_t
vrrp_fsm_skew_time_ms(uint8_t priority, uint32_t master_adver_interval_ms)
{
	return vrrp_timers_skew_ms(3, priority, master_adver_interval_ms);
}

static inline uint32_t
vrrp_fsm_master_down_interval_ms(uint8_t priority,
				 uint32_t master_adver_interval_ms)
{
	return vrrp_timers_down_ms(3, priority, master_adver_interval_ms);
}

/*
 * The timers this instance uses: RFC 5798's above, or for VRRPv2 RFC
 * 3768's, whose Skew_Time is (256 - priority) / 256 s whatever the
 * interval (keepalived's v2 timers too).
 */
static inline uint32_t
vrrp_fsm_skew_ms(const struct vrrp_fsm *fsm, uint8_t priority,
		 uint32_t master_adver_interval_ms)
{
	return vrrp_timers_skew_ms(fsm->cfg.version, priority,
				   master_adver_interval_ms);
}

static inline uint32_t
vrrp_fsm_down_ms(const struct vrrp_fsm *fsm, uint8_t priority,
		 uint32_t master_adver_interval_ms)
{
	return vrrp_timers_down_ms(fsm->cfg.version, priority,
				   master_adver_interval_ms);
}

const char *vrrp_state_name(enum vrrp_state state);   /* "MASTER", ... */
const char *vrrp_reason_name(enum vrrp_reason reason);/* "master down timer expired" */

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vrrp_fsm - the VRRP state machine of RFC 5798 section 6.4, as pure logic.
 *
 * Every decision is taken here and handed back as struct vrrp_actions; the
 * caller does the sending, the addresses and the logging. Deadlines are
 * absolute monotonic milliseconds, 0 meaning "not armed". Planned
 * hand-overs (make-before-break stop, forced FAULT, drills) are
 * vrrp_fsm_release.c's.
 */
#include <string.h>
#include <sys/socket.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_fsm_priv.h"

#define VRRP_PRIO_OWNER 255

static const char *const state_names[] = {
	[VRRP_STATE_INIT] = "INIT",
	[VRRP_STATE_BACKUP] = "BACKUP",
	[VRRP_STATE_MASTER] = "MASTER",
	[VRRP_STATE_FAULT] = "FAULT",
};

static const char *const reason_names[VRRP_REASON__COUNT] = {
	[VRRP_REASON_NONE] = "none",
	[VRRP_REASON_STARTUP] = "starting",
	[VRRP_REASON_STARTUP_OWNER] = "address owner starting",
	[VRRP_REASON_MASTER_DOWN] = "master down timer expired",
	[VRRP_REASON_MASTER_LEFT] = "master sent priority 0",
	[VRRP_REASON_HIGHER_PRIORITY] = "higher priority advert",
	[VRRP_REASON_TIE_HIGHER_ADDRESS] = "equal priority, higher peer address",
	[VRRP_REASON_PREEMPT] = "preempting lower-priority master",
	[VRRP_REASON_SHUTDOWN] = "shutdown",
	[VRRP_REASON_IFACE_DOWN] = "interface down",
	[VRRP_REASON_IFACE_UP] = "interface up",
	/* The cause first: a line or a timeline entry read alone says it. */
	[VRRP_REASON_STOP_HANDED_OVER] =
	    "stopping (SIGTERM/SIGINT): handed over to the new master",
	[VRRP_REASON_STOP_HANDOVER_TIMEOUT] =
	    "stopping (SIGTERM/SIGINT): no new master within Master_Down_Interval",
	[VRRP_REASON_FAULT_HANDED_OVER] =
	    "vipctl fault on: handed over to the new master",
	[VRRP_REASON_FAULT_HANDOVER_TIMEOUT] =
	    "vipctl fault on: no new master within Master_Down_Interval",
	[VRRP_REASON_DRILL_HANDED_OVER] =
	    "drill (vipctl drill): handed over to the new master",
	[VRRP_REASON_GROUP_HANDED_OVER] =
	    "sync group hand-over: handed over to the new master",
	[VRRP_REASON_FORCED_FAULT] = "forced fault (vipctl fault on)",
	[VRRP_REASON_FORCED_FAULT_OFF] = "forced fault cleared (vipctl fault off)",
	[VRRP_REASON_DRILL] = "drill (vipctl drill)",
	[VRRP_REASON_TRACK_FAULT] = "tracked object failed",
	[VRRP_REASON_TRACK_OK] = "tracked objects recovered",
	[VRRP_REASON_GROUP_FAULT] = "sync group member in FAULT",
	[VRRP_REASON_GROUP_OK] = "sync group out of FAULT",
	[VRRP_REASON_GROUP_BACKUP] = "sync group member became BACKUP",
	[VRRP_REASON_GROUP_MASTER] = "sync group ready for MASTER",
	[VRRP_REASON_BFD_MASTER_DOWN] = "master's BFD session down",
	[VRRP_REASON_STALLED] = "loop stalled, another master took over",
};

void
vrrp_fsm_init(struct vrrp_fsm *fsm, const struct vrrp_fsm_config *cfg)
{
	memset(fsm, 0, sizeof(*fsm));
	fsm->cfg = *cfg;
	fsm->state = VRRP_STATE_INIT;
	fsm->master_adver_interval_ms = cfg->advert_interval_ms;
	fsm->last_reason = VRRP_REASON_NONE;
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
}

/* RFC 5798 6.4.1 (owner) and 6.4.2 (Master_Down_Timer fired). */
static void
fsm_become_master(struct vrrp_fsm *fsm, enum vrrp_reason reason,
    uint64_t now_ms, struct vrrp_actions *out)
{
	out->flags |= VRRP_ACT_SEND_ADVERT | VRRP_ACT_ADD_VIPS |
	    VRRP_ACT_SEND_GARP;
	out->advert_priority = fsm->cfg.priority;
	/* The master we replace, for the log line and the dump. */
	if (reason != VRRP_REASON_STARTUP_OWNER && fsm->master_known)
		out->peer = fsm->master_addr;

	fsm->adver_due_ms = vrrp_fsm_deadline(now_ms, fsm->cfg.advert_interval_ms);
	fsm->master_down_due_ms = 0;
	/* Still held from a yield a moment ago: ADD_VIPS finds them there. */
	fsm->vips_release_due_ms = 0;
	/* As master, the interval that counts on the link is ours. */
	fsm->master_adver_interval_ms = fsm->cfg.advert_interval_ms;
	fsm->master_addr = fsm->cfg.primary_addr;
	fsm->master_known = true;
	vrrp_fsm_transition(fsm, VRRP_STATE_MASTER, reason, now_ms, out);
}

/* RFC 5798 6.4.1: Startup, also the way back out of Fault. */
static void
fsm_start(struct vrrp_fsm *fsm, enum vrrp_reason backup_reason,
    uint64_t now_ms, struct vrrp_actions *out)
{
	fsm->master_adver_interval_ms = fsm->cfg.advert_interval_ms;
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
	fsm->hold_until_ms = 0;
	if (fsm->cfg.priority == VRRP_PRIO_OWNER) {
		fsm_become_master(fsm, VRRP_REASON_STARTUP_OWNER, now_ms, out);
		return;
	}
	fsm->adver_due_ms = 0;
	fsm->master_down_due_ms = vrrp_fsm_deadline(now_ms,
	    vrrp_fsm_down_ms(fsm, fsm->cfg.priority,
	    fsm->master_adver_interval_ms));
	fsm->preempt_allowed_ms = vrrp_fsm_deadline(now_ms, fsm->cfg.preempt_delay_ms);
	vrrp_fsm_transition(fsm, VRRP_STATE_BACKUP, backup_reason, now_ms, out);
}

/*
 * RFC 5798 6.4.2/6.4.3 Shutdown, and Fault. Only a graceful stop says
 * goodbye with priority 0: with the link down nobody would hear it.
 */
static void
fsm_stop(struct vrrp_fsm *fsm, enum vrrp_state to, enum vrrp_reason reason,
    uint64_t now_ms, struct vrrp_actions *out)
{
	if (fsm->state == VRRP_STATE_MASTER) {
		/* A stop or a forced fault can still say goodbye; a dead link cannot. */
		if (reason != VRRP_REASON_IFACE_DOWN) {
			out->flags |= VRRP_ACT_SEND_ADVERT;
			out->advert_priority = 0;
		}
		out->flags |= VRRP_ACT_REMOVE_VIPS;
	}
	if (fsm->vips_release_due_ms != 0)
		out->flags |= VRRP_ACT_REMOVE_VIPS;
	fsm->vips_release_due_ms = 0;
	fsm->adver_due_ms = 0;
	fsm->master_down_due_ms = 0;
	fsm->preempt_allowed_ms = 0;
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
	fsm->releasing = false;
	fsm->release_due_ms = 0;
	vrrp_fsm_forget_master(fsm);
	vrrp_fsm_transition(fsm, to, reason, now_ms, out);
}

/*
 * Whether a Backup may ignore a lower-priority master (RFC 5798 6.4.2).
 * Preempt delay follows keepalived: the delay runs from entering Backup;
 * a master of at least our priority stops it, and the next lower-priority
 * advert starts it again, so a master that degrades is not preempted at
 * once either.
 */
static bool
fsm_backup_may_preempt(struct vrrp_fsm *fsm, uint64_t now_ms)
{
	/* A drill holds us in Backup for the time the operator asked. */
	if (fsm->hold_until_ms != 0 && now_ms < fsm->hold_until_ms)
		return false;
	/* RFC 5798 6.1 Preempt_Mode: the owner always preempts. */
	if (fsm->cfg.priority == VRRP_PRIO_OWNER)
		return true;
	if (!fsm->cfg.preempt || fsm->table_hold)
		return false;
	if (fsm->cfg.preempt_delay_ms == 0)
		return true;
	if (fsm->preempt_allowed_ms == 0)
		fsm->preempt_allowed_ms = vrrp_fsm_deadline(now_ms,
		    fsm->cfg.preempt_delay_ms);
	return now_ms >= fsm->preempt_allowed_ms;
}

static void
fsm_backup_advert(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms)
{
	uint8_t local = fsm->cfg.priority;

	fsm->master_addr = ev->src;
	fsm->master_known = true;
	fsm->last_advert_ms = now_ms;

	/* RFC 5798 6.4.2: the master is leaving; wait only our Skew_Time. */
	if (ev->priority == 0) {
		fsm->master_down_due_ms = vrrp_fsm_deadline(now_ms,
		    vrrp_fsm_skew_ms(fsm, local, fsm->master_adver_interval_ms));
		fsm->takeover_reason = VRRP_REASON_MASTER_LEFT;
		return;
	}

	if (ev->priority >= local) {
		if (fsm->cfg.preempt_delay_ms != 0)
			fsm->preempt_allowed_ms = 0;
	} else if (fsm_backup_may_preempt(fsm, now_ms)) {
		/*
		 * RFC 5798 6.4.2: discard, so that Master_Down_Timer runs
		 * out and we take over.
		 */
		fsm->takeover_reason = VRRP_REASON_PREEMPT;
		return;
	}

	/*
	 * RFC 5798 6.4.2: follow this master's interval. vrrp_pkt refuses a
	 * zero interval; never learn one anyway, it would leave only
	 * Skew_Time between a lost advert and a takeover.
	 */
	if (ev->max_adver_int_ms != 0)
		fsm->master_adver_interval_ms = ev->max_adver_int_ms;
	fsm->master_down_due_ms = vrrp_fsm_deadline(now_ms,
	    vrrp_fsm_down_ms(fsm, local,
	    fsm->master_adver_interval_ms));
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
	/* A master we accept: nothing to take over from. */
	fsm->want_master = false;
}

/*
 * A Master hearing a lower-priority master: two masters, a split brain
 * that is healing. RFC 5798 6.4.3 only discards the advert, and the other
 * master yields at our next advert; but clients whose ARP entry points at
 * it would keep sending there until their entry expires. So, as keepalived
 * does, advertise at once and announce the VIPs again. At most once per
 * advert interval, so that a flood of such adverts costs one burst.
 */
static void
fsm_master_reassert(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms, struct vrrp_actions *out)
{
	if (fsm->reassert_allowed_ms != 0 && now_ms < fsm->reassert_allowed_ms)
		return;
	fsm->reassert_allowed_ms = vrrp_fsm_deadline(now_ms,
	    fsm->cfg.advert_interval_ms);
	out->flags |= VRRP_ACT_SEND_ADVERT | VRRP_ACT_SEND_GARP |
	    VRRP_ACT_REASSERTED;
	out->advert_priority = fsm->cfg.priority;
	out->peer = ev->src;
	fsm->adver_due_ms = vrrp_fsm_deadline(now_ms, fsm->cfg.advert_interval_ms);
}

static void
fsm_master_advert(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms, struct vrrp_actions *out)
{
	uint8_t local = fsm->cfg.priority;
	enum vrrp_reason reason;

	if (fsm->releasing) {
		vrrp_fsm_release_heard(fsm, ev, now_ms);
		return;
	}

	/* RFC 5798 6.4.3: another master is leaving; reassert at once. */
	if (ev->priority == 0) {
		out->flags |= VRRP_ACT_SEND_ADVERT;
		out->advert_priority = local;
		fsm->adver_due_ms = vrrp_fsm_deadline(now_ms,
		    fsm->cfg.advert_interval_ms);
		return;
	}

	/*
	 * Queued while we stood still: that master took over from our
	 * silence and carried the flows; our state is older than its.
	 */
	if (ev->stalled) {
		vrrp_fsm_stall_yield(fsm, ev, now_ms, out);
		return;
	}

	/*
	 * RFC 5798 6.4.3: yield to a higher priority, or on a tie to the
	 * higher primary address. This holds for the owner too: two routers
	 * at 255 is a misconfiguration, and the tie-break still ends it.
	 * Anything else is discarded.
	 */
	if (ev->priority > local)
		reason = VRRP_REASON_HIGHER_PRIORITY;
	else if (ev->priority == local &&
	    addr_cmp(&ev->src, &fsm->cfg.primary_addr) > 0)
		reason = VRRP_REASON_TIE_HIGHER_ADDRESS;
	else {
		fsm_master_reassert(fsm, ev, now_ms, out);
		return;
	}

	/*
	 * Make-before-break: the new master's advert comes a moment before its
	 * gratuitous ARP; hold the VIPs a little longer so that nothing the
	 * clients still send us in between is dropped.
	 */
	if (fsm->cfg.make_before_break)
		fsm->vips_release_due_ms = vrrp_fsm_deadline(now_ms,
		    VRRP_HANDOVER_GRACE_MS);
	else
		out->flags |= VRRP_ACT_REMOVE_VIPS;
	/*
	 * A split brain healing: clients may have followed us. Advertise once
	 * more, so that the winner hears a lower-priority master and announces
	 * its VIPs again (fsm_master_reassert) even when we heard it first;
	 * otherwise those clients would wait for their ARP entries to expire.
	 */
	out->flags |= VRRP_ACT_SEND_ADVERT;
	out->advert_priority = local;
	out->peer = ev->src;
	fsm->adver_due_ms = 0;
	if (ev->max_adver_int_ms != 0)
		fsm->master_adver_interval_ms = ev->max_adver_int_ms;
	fsm->master_down_due_ms = vrrp_fsm_deadline(now_ms,
	    vrrp_fsm_down_ms(fsm, local,
	    fsm->master_adver_interval_ms));
	fsm->preempt_allowed_ms = vrrp_fsm_deadline(now_ms, fsm->cfg.preempt_delay_ms);
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
	fsm->master_addr = ev->src;
	fsm->master_known = true;
	fsm->last_advert_ms = now_ms;
	vrrp_fsm_transition(fsm, VRRP_STATE_BACKUP, reason, now_ms, out);
}

/*
 * Only one timer is armed at a time (Master_Down_Timer in Backup,
 * Adver_Timer in Master), but test both against now so that a tick that
 * comes late still acts on whatever expired meanwhile.
 */
static void
fsm_timer(struct vrrp_fsm *fsm, uint64_t now_ms, struct vrrp_actions *out)
{
	if (fsm->vips_release_due_ms != 0 && fsm->vips_release_due_ms <= now_ms) {
		out->flags |= VRRP_ACT_REMOVE_VIPS;
		fsm->vips_release_due_ms = 0;
	}
	if (fsm->release_due_ms != 0 && fsm->release_due_ms <= now_ms) {
		vrrp_fsm_release_finish(fsm, now_ms, out);
		return;
	}
	if (fsm->master_down_due_ms != 0 && fsm->master_down_due_ms <= now_ms) {
		if (fsm->group_gate) {
			/* The group decides; the timer is done either way. */
			fsm->master_down_due_ms = 0;
			fsm->want_master = true;
			out->flags |= VRRP_ACT_WANT_MASTER;
			return;
		}
		fsm_become_master(fsm, fsm->takeover_reason, now_ms, out);
		return;
	}
	if (fsm->adver_due_ms != 0 && fsm->adver_due_ms <= now_ms) {
		out->flags |= VRRP_ACT_SEND_ADVERT;
		out->advert_priority = fsm->cfg.priority;
		/* From now, not from the missed deadline: no burst after a stall. */
		fsm->adver_due_ms = vrrp_fsm_deadline(now_ms,
		    fsm->cfg.advert_interval_ms);
	}
}

static void fsm_group_backup(struct vrrp_fsm *fsm, uint64_t now_ms,
    struct vrrp_actions *out);

/*
 * master_down_bfd: the Master_Down_Timer runs out after the BFD skew, as
 * if it had been armed that long ago, so that the best of several backups
 * goes first. Never later than it would anyway; an advert heard before
 * it expires arms it again for Master_Down_Interval (the master lives).
 * A timer already expired (a group gate waiting) is left alone.
 */
static void
fsm_bfd_master_down(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms)
{
	uint64_t due = vrrp_fsm_deadline(now_ms, ev->bfd_skew_ms);

	if (fsm->state != VRRP_STATE_BACKUP || !fsm->master_known ||
	    fsm->master_down_due_ms == 0 || due >= fsm->master_down_due_ms)
		return;
	fsm->master_down_due_ms = due;
	fsm->takeover_reason = VRRP_REASON_BFD_MASTER_DOWN;
}

void
vrrp_fsm_handle(struct vrrp_fsm *fsm, const struct vrrp_event *ev,
    uint64_t now_ms, struct vrrp_actions *out)
{
	memset(out, 0, sizeof(*out));
	out->from = out->to = fsm->state;

	switch (ev->type) {
	case VRRP_EV_STARTUP:
		if (fsm->state == VRRP_STATE_INIT)
			fsm_start(fsm, VRRP_REASON_STARTUP, now_ms, out);
		break;
	case VRRP_EV_SHUTDOWN:
		/* A second request while handing over releases at once. */
		if (fsm->state == VRRP_STATE_MASTER &&
		    fsm->cfg.make_before_break && !fsm->releasing)
			vrrp_fsm_release_begin(fsm, VRRP_STATE_INIT,
			    VRRP_EV_SHUTDOWN, now_ms, out);
		else if (fsm->state != VRRP_STATE_INIT)
			fsm_stop(fsm, VRRP_STATE_INIT, VRRP_REASON_SHUTDOWN,
			    now_ms, out);
		break;
	case VRRP_EV_ADVERT:
		if (fsm->state == VRRP_STATE_BACKUP)
			fsm_backup_advert(fsm, ev, now_ms);
		else if (fsm->state == VRRP_STATE_MASTER)
			fsm_master_advert(fsm, ev, now_ms, out);
		break;
	case VRRP_EV_TIMER:
		fsm_timer(fsm, now_ms, out);
		break;
	case VRRP_EV_IFACE_DOWN:
		if (fsm->state != VRRP_STATE_FAULT)
			fsm_stop(fsm, VRRP_STATE_FAULT, VRRP_REASON_IFACE_DOWN,
			    now_ms, out);
		break;
	case VRRP_EV_IFACE_UP:
		if (fsm->state == VRRP_STATE_INIT ||
		    fsm->state == VRRP_STATE_FAULT)
			fsm_start(fsm, VRRP_REASON_IFACE_UP, now_ms, out);
		break;
	case VRRP_EV_FORCE_FAULT:
		/* A planned hand-over like a stop, ending in FAULT. */
		if (fsm->state == VRRP_STATE_MASTER &&
		    fsm->cfg.make_before_break && !fsm->releasing)
			vrrp_fsm_release_begin(fsm, VRRP_STATE_FAULT,
			    VRRP_EV_FORCE_FAULT, now_ms, out);
		else if (fsm->state != VRRP_STATE_FAULT &&
		    !(fsm->releasing && fsm->release_to == VRRP_STATE_FAULT))
			fsm_stop(fsm, VRRP_STATE_FAULT, VRRP_REASON_FORCED_FAULT,
			    now_ms, out);
		break;
	case VRRP_EV_DRILL:
	case VRRP_EV_GROUP_HANDOVER:
		vrrp_fsm_drill(fsm, ev, now_ms, out);
		break;
	case VRRP_EV_FORCE_FAULT_OFF:
		if (fsm->state == VRRP_STATE_FAULT)
			fsm_start(fsm, VRRP_REASON_FORCED_FAULT_OFF, now_ms, out);
		break;
	case VRRP_EV_TRACK_FAULT:
	case VRRP_EV_GROUP_FAULT:
		/* Unhealthy: say goodbye (the link still works) and release now. */
		if (fsm->state != VRRP_STATE_FAULT)
			fsm_stop(fsm, VRRP_STATE_FAULT, ev->type ==
			    VRRP_EV_TRACK_FAULT ? VRRP_REASON_TRACK_FAULT :
			    VRRP_REASON_GROUP_FAULT, now_ms, out);
		break;
	case VRRP_EV_TRACK_OK:
	case VRRP_EV_GROUP_OK:
		if (fsm->state == VRRP_STATE_FAULT)
			fsm_start(fsm, ev->type == VRRP_EV_TRACK_OK ?
			    VRRP_REASON_TRACK_OK : VRRP_REASON_GROUP_OK, now_ms,
			    out);
		break;
	case VRRP_EV_GROUP_BACKUP:
		fsm_group_backup(fsm, now_ms, out);
		break;
	case VRRP_EV_GROUP_MASTER:
		if (fsm->state == VRRP_STATE_BACKUP && fsm->want_master)
			fsm_become_master(fsm, VRRP_REASON_GROUP_MASTER, now_ms,
			    out);
		break;
	case VRRP_EV_BFD_MASTER_DOWN:
		fsm_bfd_master_down(fsm, ev, now_ms);
		break;
	}
}

/*
 * A Master whose sync group went Backup: priority 0 so that the peer takes
 * over after its Skew_Time, then Backup like any other. The VIPs go at
 * once, or with make-before-break after the grace a yield gets: the peer's
 * group moves all its members together, so its adverts for this instance
 * and the one that went Backup arrive a moment apart.
 */
static void
fsm_group_backup(struct vrrp_fsm *fsm, uint64_t now_ms,
    struct vrrp_actions *out)
{
	if (fsm->state != VRRP_STATE_MASTER || fsm->releasing)
		return;
	out->flags |= VRRP_ACT_SEND_ADVERT;
	out->advert_priority = 0;
	fsm->adver_due_ms = 0;
	fsm->vips_release_due_ms = 0;
	if (fsm->cfg.make_before_break)
		fsm->vips_release_due_ms = vrrp_fsm_deadline(now_ms,
		    VRRP_HANDOVER_GRACE_MS);
	else
		out->flags |= VRRP_ACT_REMOVE_VIPS;
	vrrp_fsm_forget_master(fsm);
	fsm->master_adver_interval_ms = fsm->cfg.advert_interval_ms;
	fsm->master_down_due_ms = vrrp_fsm_deadline(now_ms,
	    vrrp_fsm_down_ms(fsm, fsm->cfg.priority,
	    fsm->master_adver_interval_ms));
	fsm->preempt_allowed_ms = vrrp_fsm_deadline(now_ms, fsm->cfg.preempt_delay_ms);
	fsm->takeover_reason = VRRP_REASON_MASTER_DOWN;
	vrrp_fsm_transition(fsm, VRRP_STATE_BACKUP, VRRP_REASON_GROUP_BACKUP, now_ms,
	    out);
}

bool
vrrp_fsm_set_priority(struct vrrp_fsm *fsm, uint8_t priority, uint64_t now_ms,
    struct vrrp_actions *out)
{
	memset(out, 0, sizeof(*out));
	out->from = out->to = fsm->state;
	if (priority == 0 || priority == VRRP_PRIO_OWNER ||
	    fsm->cfg.priority == VRRP_PRIO_OWNER)
		return false;
	if (priority == fsm->cfg.priority)
		return true;
	fsm->cfg.priority = priority;
	/* Tell the Backups now rather than at the next Adver_Timer. */
	if (fsm->state == VRRP_STATE_MASTER && !fsm->releasing) {
		out->flags |= VRRP_ACT_SEND_ADVERT;
		out->advert_priority = priority;
		fsm->adver_due_ms = vrrp_fsm_deadline(now_ms,
		    fsm->cfg.advert_interval_ms);
	}
	return true;
}

uint64_t
vrrp_fsm_next_deadline(const struct vrrp_fsm *fsm)
{
	uint64_t due = 0;
	const uint64_t armed[] = { fsm->adver_due_ms, fsm->master_down_due_ms,
	    fsm->release_due_ms, fsm->vips_release_due_ms };

	for (size_t i = 0; i < sizeof(armed) / sizeof(armed[0]); i++)
		if (armed[i] != 0 && (due == 0 || armed[i] < due))
			due = armed[i];
	return due;
}

const char *
vrrp_state_name(enum vrrp_state state)
{
	if ((unsigned)state >= sizeof(state_names) / sizeof(state_names[0]))
		return "UNKNOWN";
	return state_names[state];
}

const char *
vrrp_reason_name(enum vrrp_reason reason)
{
	if ((unsigned)reason >= VRRP_REASON__COUNT)
		return "unknown";
	return reason_names[reason];
}

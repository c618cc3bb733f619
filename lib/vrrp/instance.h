/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * instance - one running VRRP instance: its state machine, and the OS side
 * of what the machine decides (adverts on the wire, VIPs on the interface,
 * gratuitous ARP bursts), its counters and its last transition.
 *
 * Owns: the struct vrrp_fsm, the GARP schedule, which VIPs it added (and so
 * may remove), its VMAC interface (use_vmac), whether its VIPs are in the
 * accept-mode drop sets, per-instance counters and log rate limits.
 * Never does: own sockets shared between instances (the daemon passes the
 * interface's advert socket and the environment in), parse config, or read
 * packets off the wire.
 *
 * Its OS side lives in instance_vips (VIPs, accept-mode filter, VMAC),
 * instance_announce (adverts, GARP/NA) and instance_log (transition log
 * lines, timeline); instance.c feeds the FSM and applies its actions.
 */
#ifndef VIPD_INSTANCE_H
#define VIPD_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/drift.h"
#include "conf/conf.h"
#include "vrrp/drill.h"
#include "vrrp/garp_sched.h"
#include "os/log.h"
#include "os/nft.h"
#include "os/nl.h"
#include "vrrp/timeline.h"
#include "vrrp/vrrp_auth.h"
#include "vrrp/vrrp_fsm.h"
#include "vrrp/vmac.h"
#include "vrrp/vrrp_pkt.h"
#include "vrrp/vrrp_stall.h"

struct vrrp_counters {
	uint64_t adverts_sent;
	uint64_t adverts_received;
	uint64_t priority_zero_sent;
	uint64_t priority_zero_received;
	uint64_t transitions;
	uint64_t became_master;
	uint64_t garp_sent;
	uint64_t send_errors;
	uint64_t vip_errors;
	uint64_t addr_list_mismatch;   /* peer advertises other VIPs: logged, still used */
	uint64_t reasserts;            /* lower-priority master heard while master */
	uint64_t route_errors;         /* excluded VIPs, routes, rules refused */
	uint64_t routes_restored;      /* ... found gone while MASTER, put back */
	uint64_t stalls;               /* the loop stood still (vrrp_stall.h) */
	uint64_t vips_restored;        /* VIPs deleted from outside while MASTER */
	uint64_t vmac_restored;        /* the VMAC deleted from outside, re-created */
	uint64_t drops[VRRP_DROP__COUNT];
};

struct instance;

/*
 * What the instance put in the kernel beside its VIPs while MASTER (see
 * instance_routes.h): bit i of owned, conf.excluded[i] / routes[i] /
 * rules[i] was added by us; of pending, it was refused and is retried.
 */
#define INSTANCE_BITS(n) (((n) + 7) / 8)
struct instance_gw {
	uint8_t excl_owned[INSTANCE_BITS(CONF_VIPS_MAX)];
	uint8_t excl_pending[INSTANCE_BITS(CONF_VIPS_MAX)];
	uint8_t route_owned[INSTANCE_BITS(CONF_ROUTES_MAX)];
	uint8_t route_pending[INSTANCE_BITS(CONF_ROUTES_MAX)];
	uint8_t rule_owned[INSTANCE_BITS(CONF_ROUTES_MAX)];
	uint8_t rule_pending[INSTANCE_BITS(CONF_ROUTES_MAX)];
	bool active;                   /* MASTER: they belong in the kernel */
	uint64_t retry_due_ms;         /* 0: nothing pending */
	uint32_t retry_ms;             /* the back-off: 1 s doubling to 30 s */
};

/* Longest "why" an instance keeps for its log lines and dumps. */
#define INSTANCE_REASON_MAX 160

/*
 * What tracking (lib/health) made of the instance's tracked objects, in the
 * instance's own words: health fills it in and hands it over with
 * instance_track_apply(), so that vrrp needs nothing of health.
 */
struct instance_track {
	bool fault;                    /* a weight-0 object failed: FAULT */
	uint8_t priority;              /* effective priority (unless fault) */
	int adjust;                    /* sum of the weights applied */
	char reason[INSTANCE_REASON_MAX]; /* "chk_web failing (exit 1), weight -60" */
};

/* What the instance needs from the daemon to touch the OS. */
struct instance_env {
	struct netlink *nl;
	int garp_fd;                   /* AF_PACKET socket */
	struct nft *nft;               /* table inet vipd: the accept-mode filter */
	bool accept_filter_ok;         /* its sets and chain exist */
	/* Counts and rate-limits what is put back after outside changes. */
	struct drift *drift;
	/* Called after every state change (notify, sync groups); may be NULL. */
	void (*on_transition)(void *arg, struct instance *inst,
			      const struct vrrp_actions *a, uint64_t now_ms);
	/*
	 * The VIPs go in (held) or out: called before they are added (so
	 * before the gratuitous ARP) and before they are removed; what
	 * follows the holder (dr ingress rules) is in place when traffic
	 * comes. May be NULL.
	 */
	void (*on_vips)(void *arg, struct instance *inst, bool held);
	/* A Master heard a lower-priority Master (notify_master_rx_lower_pri). */
	void (*on_rx_lower_pri)(void *arg, struct instance *inst,
				uint64_t now_ms);
	void *transition_arg;
};

struct instance {
	/*
	 * A copy of the model's conf_instance whose lists (VIPs, peers,
	 * tracked objects, notify paths) are the model's, not copied: the
	 * model must outlive the instance, and a reload rebinds a kept
	 * instance to the new model (instance_update) before the old one is
	 * freed. 1000 instances hold 1000 small structs, not 1000 copies of
	 * every protocol bound.
	 */
	struct conf_instance conf;
	struct vrrp_auth auth;         /* conf.auth as the codec takes it */
	/*
	 * The state machine: read and set through the queries and setters
	 * below, never from outside lib/vrrp/ (make layering checks).
	 */
	struct vrrp_fsm fsm;
	struct vrrp_counters counters;
	struct timeline timeline;      /* the last TIMELINE_MAX transitions (owned) */
	struct addr last_advert_src;  /* sender of the last advert heard */
	uint8_t last_advert_priority;      /* and the priority it carried */

	int ifindex;                   /* 0 while the interface is missing */
	bool link_up;
	uint8_t mac[6];
	bool have_primary;
	struct addr primary;      /* source of our adverts, tie-break address */
	int sock_fd;                   /* the interface's advert socket, not owned */
	uint16_t ip_id;                /* of the last advert sent; never 0 (AH) */
	struct vrrp_ah_replay ah;      /* AH sequence numbers sent and heard */

	/* Bit i: conf.vips[i] was added by us, so is ours to remove. */
	uint8_t vip_owned[(VRRP_MAX_ADDRS + 7) / 8];
	/* Desired state: the VIPs belong in (from ADD_VIPS to REMOVE_VIPS). */
	bool vips_in;
	bool forced_fault;             /* vipctl fault on: stays FAULT until off */
	bool track_fault;              /* a tracked object with weight 0 failed */
	bool group_fault;              /* another sync group member is in FAULT */
	struct instance_track track;   /* last evaluation of the tracked objects */
	char health_detail[INSTANCE_REASON_MAX]; /* why of a health transition */
	/*
	 * The last priority change by tracking, "script chk failing (exit 1),
	 * weight -60, priority 150 -> 90": told with the transitions a
	 * priority decides (higher priority, preempt) while the priority is
	 * adjusted, or the first one after it came back.
	 */
	char track_note[INSTANCE_REASON_MAX];
	bool track_note_fresh;             /* no transition told it yet */
	struct drill drill;
	struct garp_sched garp;
	struct vmac vmac;              /* use_vmac: the macvlan the VIPs live on */
	bool accept_blocked;           /* our VIPs are in the accept-mode drop sets */
	struct instance_gw gw;         /* excluded VIPs, virtual_routes/rules */
	struct log_ratelimit lower_log; /* lower-priority master heard */
	/* Between instance_stall_begin() and _end(): adverts are "stalled". */
	bool stalling;
	struct vrrp_stall stall;       /* the last stall, for the log line */
	struct log_ratelimit stall_log;

	struct log_ratelimit drop_log;     /* adverts refused */
	struct log_ratelimit gw_log;       /* routes/rules/addresses put back */
	struct log_ratelimit mismatch_log; /* what accepted adverts make us say:
					      other VIPs, a lower-priority
					      master, a master leaving */
};

/*
 * Prepare inst from its config (a model's entry: inst->conf shares its
 * lists, see above); nothing touches the OS yet.
 */
void instance_init(struct instance *inst, const struct conf_instance *conf,
		   enum conf_handover handover);

/*
 * Free what inst allocated since instance_init() (its timeline); the
 * struct itself stays the caller's. Call after instance_stop().
 */
void instance_fini(struct instance *inst);

/*
 * Reload: take conf in place when it differs from the running one only in
 * settings that need no restart (priority, advert interval, preemption,
 * garp, tracking and notify); state and VIPs stay, and inst->conf now
 * shares conf's lists. Returns false when a restart is needed (inst keeps
 * its old config, whose model must then live until inst is stopped).
 */
bool instance_update(struct instance *inst, const struct conf_instance *conf,
		     enum conf_handover handover);

/*
 * Look the interface up (index, MAC, carrier, primary address). The daemon
 * calls this first, then hands the instance its interface's advert socket,
 * then calls instance_start() or instance_link_update().
 */
void instance_resolve(struct instance *inst, const struct instance_env *env);

/*
 * Remove VIPs a crashed earlier run left behind and start the state machine
 * (or FAULT when the link is down, missing, or has no address).
 */
void instance_start(struct instance *inst, const struct instance_env *env,
		    uint64_t now_ms);

/*
 * Graceful stop: priority-0 advert when master, VIPs removed, state INIT.
 * With make-before-break a master keeps its VIPs until the new master is
 * heard: instance_releasing() stays true until then, and the event loop
 * must keep running. Calling it again releases at once.
 */
void instance_stop(struct instance *inst, const struct instance_env *env,
		   uint64_t now_ms);
bool instance_releasing(const struct instance *inst);

/*
 * vipctl fault on|off: a forced FAULT for drills. A master hands over first
 * (make-before-break when configured). Returns 0, -EALREADY when already in
 * the asked mode, or -EBUSY while a hand-over is still in progress.
 */
int instance_force_fault(struct instance *inst, const struct instance_env *env,
			 bool on, uint64_t now_ms);

/*
 * Start a drill (Master only). Returns 0, or -EINVAL with the reason in why
 * (not Master, a hand-over or drill already running).
 */
int instance_drill_start(struct instance *inst, const struct instance_env *env,
			 uint32_t hold_ms, uint64_t now_ms, char *why, size_t why_len);

/* Cut a running drill short (instance stopped): its report says why. */
void instance_drill_end_early(struct instance *inst, const char *why,
			      uint64_t now_ms);

/* Once a drill is done: true (once), its report and whether it passed. */
bool instance_drill_take_report(struct instance *inst, const char **report,
				bool *ok);

/* Last resort before exit: whatever happened, leave no VIP of ours behind. */
void instance_release_all(struct instance *inst, const struct instance_env *env);

/*
 * A verified advert for this instance's VRID arrived. What needs the
 * instance's memory or config is checked here: own packet, AH replay
 * (vrrp_ah_replay_check), and for v2 the interval (RFC 3768 7.1).
 */
void instance_receive(struct instance *inst, const struct instance_env *env,
		      const struct vrrp_advert *adv, const struct vrrp_pkt_meta *meta,
		      uint64_t now_ms);

/* Count (and, rate-limited, log) a packet refused for this instance. */
void instance_count_drop(struct instance *inst, enum vrrp_drop reason,
			 const struct addr *src, uint64_t now_ms);

/* After instance_resolve(): enter or leave FAULT as the link now allows. */
void instance_link_update(struct instance *inst, const struct instance_env *env,
			  uint64_t now_ms);

/*
 * Tracking decided (lib/health): enter or leave FAULT, or take the new
 * effective priority (a Master advertises it at once). Each change is one
 * log line with r->reason; a transition records it in the timeline.
 */
void instance_track_apply(struct instance *inst, const struct instance_env *env,
			  const struct instance_track *r, uint64_t now_ms);

/*
 * Sync group decided: VRRP_EV_GROUP_FAULT / GROUP_OK set or clear
 * group_fault (FAULT is left only when nothing else holds it);
 * GROUP_BACKUP / GROUP_MASTER go to the state machine. detail names the
 * member that caused it, for the log line and the timeline.
 */
void instance_group_event(struct instance *inst, const struct instance_env *env,
			  enum vrrp_event_type type, const char *detail,
			  uint64_t now_ms);

/*
 * Sync group: cause, another member, hands over (drill, forced FAULT), so
 * this Master does too, make-before-break. When cause runs a drill, this
 * member runs one alongside with the same hold (its figures go into the
 * group's report, see sync_groups_drill_report()).
 */
void instance_group_handover(struct instance *inst, const struct instance_env *env,
			     const struct instance *cause, const char *detail,
			     uint64_t now_ms);

/* FAULT for a reason of its own (link, vipctl, tracking), not its group's. */
/*
 * master_down_bfd decided TAKE_OVER (lib/vrrp/vrrp_bfd.h): a Backup's
 * Master_Down_Timer expires skew_ms from now (VRRP_EV_BFD_MASTER_DOWN);
 * detail says why, for the log and the timeline ("to-b down (control
 * detection time expired), master 10.0.0.2 silent 31 ms, probe
 * unanswered").
 */
void instance_bfd_master_down(struct instance *inst,
			      const struct instance_env *env, uint32_t skew_ms,
			      const char *detail, uint64_t now_ms);

bool instance_own_fault(const struct instance *inst);

/*
 * What the state machine says, for dumps, the control socket, sync groups
 * and conn_sync: its state and since when (monotonic ms), whether a planned
 * hand-over is on and has heard the new master, the master it follows
 * (NULL when none is known), the advert interval that counts on the link,
 * the effective priority, why a Backup would take over, whether a Backup
 * under a sync group's gate wants MASTER, and until when a drill holds it
 * in Backup (0: no hold).
 */
enum vrrp_state instance_state(const struct instance *inst);
uint64_t instance_state_since_ms(const struct instance *inst);
bool instance_release_heard(const struct instance *inst);
const struct addr *instance_master_addr(const struct instance *inst);
uint32_t instance_master_adver_interval_ms(const struct instance *inst);
uint8_t instance_effective_priority(const struct instance *inst);
enum vrrp_reason instance_takeover_reason(const struct instance *inst);
bool instance_wants_master(const struct instance *inst);
uint64_t instance_hold_until_ms(const struct instance *inst);

/*
 * A sync group of two or more members gates the instance: its
 * Master_Down_Timer then only says it wants MASTER (VRRP_ACT_WANT_MASTER)
 * and the group decides (lib/health/sync_group.c).
 */
void instance_set_group_gate(struct instance *inst, bool on);

/*
 * conn_sync's table is on its way: a Backup does not preempt meanwhile
 * (daemon/vipd_services.c).
 */
void instance_set_table_hold(struct instance *inst, bool on);

/*
 * The loop woke at now_ms: whether this instance was stalled
 * (lib/vrrp/vrrp_stall.h), counted. If so, the caller reads the adverts
 * queued meanwhile before any timer runs, and calls instance_stall_end()
 * after: adverts received in between are marked stalled, and a Master
 * that finds another master's among them resumes as BACKUP (one log line
 * says so, or that nobody took over).
 */
bool instance_stall_begin(struct instance *inst, uint64_t now_ms);
void instance_stall_end(struct instance *inst, uint64_t now_ms);

/* Run whatever is due at now_ms (FSM timers, GARP schedule). */
void instance_tick(struct instance *inst, const struct instance_env *env,
		   uint64_t now_ms);

/* Earliest deadline of this instance, 0 when none. */
uint64_t instance_next_deadline(const struct instance *inst);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb - the embedded L4 balancer at run time: the virtual services of the
 * running config, their backends' health checks, and the nftables rules
 * that follow them.
 *
 * Every change is one nft transaction: at start and on a reload that
 * changes services (changed ones are replaced, removed ones deleted, added
 * ones created, unchanged ones left alone); after backends' health changes
 * (only the DNAT chains of the services they belong to are rewritten). A
 * reload that changes no service sends nothing to the kernel.
 *
 * Health changes are batched: a change marks its service dirty, and
 * lb_tick() rewrites every dirty service in one transaction, at most once
 * per LB_APPLY_GAP_MS. With 1000 backends coming up at once that is a few
 * transactions, not 1000, and the loop stays free for the probes (one
 * transaction per change delayed them until they timed out falsely, which
 * made more changes). One transaction for all dirty services rather than
 * one per service: a refusal is handled alike either way (everything is
 * rebuilt by the retry), and each service's chain is still replaced
 * atomically, so other backends' flows are not disturbed.
 *
 * Owns: its services (a copy of their config), their checks, the "lb_"
 * objects of table inet vipd (see lb_nft.h), counters read back from nft,
 * and for forwarding = "dr" services the whole table netdev vipd (lb_dr.h,
 * lb_mac.c) with their backends' MACs.
 * Never does: create or delete the table itself (the daemon does, with
 * nft_table_reset/nft_table_remove), decide VRRP state.
 */
#ifndef VIPD_LB_H
#define VIPD_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lb/check.h"
#include "lb/lb_announce.h"
#include "lb/lb_conns.h"
#include "conf/conf.h"
#include "os/evloop.h"
#include "os/log.h"
#include "os/nft.h"
#include "os/nl.h"
#include "os/nl_neigh.h"
#include "health/track.h"

/* Health transactions are at least this far apart (batching, see top). */
#define LB_APPLY_GAP_MS 50

/* Probes start at most this long before their slot (lb_probe_lead_ms). */
#define LB_PROBE_LEAD_MAX_MS 4

/*
 * The maps of services with a connection-count scheduler are rewritten
 * at most this often when their counts change (lib/lb/lb_nft.h: the
 * kernel walks the picks written ahead of it meanwhile).
 */
#define LB_COUNTS_APPLY_GAP_MS 20

/* Scripts of the balancer (quorum_up/down, notify_up/down) are killed
 * after this long. */
#define LB_SCRIPT_TIMEOUT_MS 30000

/* First probes are spread over at most this long (see lb_first_probe_ms). */
#define LB_FIRST_PROBE_SPREAD_MS 1000

/*
 * When the first probe of the backend with global index gidx (over every
 * service, in config order) of total starts (pure): spread evenly over
 * min(interval, LB_FIRST_PROBE_SPREAD_MS), so that probes of different
 * services do not coincide, and a backend that is new (start, or a reload
 * that changed its check) is UNKNOWN for at most a second: until its
 * first result it takes no flows and counts against quorum, which with an
 * interval of an hour spread over the interval lasted up to an hour.
 */
uint64_t lb_first_probe_ms(uint64_t now_ms, size_t gidx, size_t total,
    uint32_t interval_ms);

/*
 * The slot whose grid that backend's later probes follow (pure, for
 * check_set_grid): spread evenly over the whole interval, so that after
 * the first round the probes of many backends stay apart.
 */
uint64_t lb_probe_grid_ms(uint64_t now_ms, size_t gidx, size_t total,
    uint32_t interval_ms);

/*
 * How long before its slot a backend's probes start (pure, for
 * check_set_lead): slot_ms modulo LB_PROBE_LEAD_MAX_MS + 1, so that
 * probes are due on a grid of that many + 1 milliseconds only. With 1000
 * backends a second, one per millisecond, the loop wakes for five probes
 * at a time instead of one, each started at most 4 ms early and always
 * by the same amount (its intervals stay exact); their connects complete
 * together too, one wake-up for several. Wake-ups, not syscalls, were
 * most of the checks' CPU.
 */
uint32_t lb_probe_lead_ms(uint64_t slot_ms);

struct lb_service;
struct drift;
struct netlink_route;

/*
 * A balancer script (quorum_up/down, notify_up/down) of one object: one
 * runs at a time; a transition while it runs waits (only the latest one:
 * an up then a down while a script runs means "down" next).
 */
struct lb_script {
	struct script_job job;
	const struct conf_script *next;   /* to run when job ends, or NULL */
	char what[160];                   /* "web: quorum_down", for logs */
	struct lb *lb;
};

struct lb_backend {
	struct conf_backend *conf;       /* in svc->conf.backends */
	struct lb_service *svc;
	size_t index;
	struct check check;
	uint64_t conns, packets, bytes;  /* nft counters, at the last read */
	uint64_t changes;                /* health changes */
	uint32_t weight;                 /* now: the file's, or vipctl's */
	uint32_t active, inactive;       /* connections (lb_conns.h) */
	int last_notified;               /* CHECK_UP / CHECK_DOWN / -1 */
	struct lb_script *notify;        /* notify_up/down runs, or NULL */
	/*
	 * forwarding = "dr" (lb_mac): the MAC the kernel resolved for the
	 * backend on the service's interface. Without one (or off every
	 * segment of that interface) the backend takes no flows, whatever its
	 * check says; dr_down says why ("" when it has a MAC).
	 */
	bool dr_mac_ok;
	bool dr_mac_dirty;               /* its dr_b_ chain to rewrite */
	bool dr_off_segment;
	uint8_t dr_mac[6];
	char dr_down[64];
};

struct lb_service {
	struct conf_service conf;        /* own copy: backends owned */
	struct lb_backend *backends;     /* conf.nbackends of them */
	struct lb *lb;
	size_t active;                   /* backends taking new flows */
	bool quorum_met;
	bool quorum_known;               /* quorum_met decided once */
	bool met_before;                 /* quorum_met before the rewrite */
	uint32_t weight_sum;             /* of the backends up, run-time weights */
	struct lb_script *quorum_script; /* quorum_up/down runs, or NULL */
	bool rules_ok;                   /* last transaction went through */
	bool dirty;                      /* health changed, rules not yet */
	/*
	 * lc, wlc, sed, nq (lib/lb/lb_nft.h): the map's slots as last
	 * written (slots[0..nslots)) and room for the next (next_slots),
	 * NULL for other schedulers or without memory (then every change
	 * of counts rewrites the rule); the flows the rule has placed since
	 * it was written, by the conntrack events seen (mod nslots): where
	 * the kernel's numgen has come to, less the flows in flight whose
	 * events are still to come, which take the picks written from
	 * there on, the ones they would have had.
	 */
	uint16_t *slots, *next_slots;
	size_t nslots;                   /* 0: the map is not in use */
	uint32_t placed;
	bool counts_dirty;               /* counts changed, map not yet */
	bool slots_pending;              /* next_slots in this transaction */
	char track_detail[48];           /* "1 of quorum 2" for tracking */
	size_t table_size;               /* sh, mh: Maglev slots; 0 = rr, wrr */
	uint64_t table_digest;           /* of the slot table in the kernel */
	/* forwarding = "dr": both interfaces exist, so its rules are in. */
	bool dr_ready;
	int dr_ifindex;                  /* conf.dr_interface's */
	uint8_t dr_node_mac[6];          /* its MAC: the frames' new source */
	uint64_t dr_dropped;             /* packets with no backend to go to */
	uint16_t *dr_table;              /* the slot map in the kernel, or NULL */
	uint16_t *dr_next;               /* in the health transaction under way */
	int dr_in_ifindex;               /* conf.dr_ingress's, and its MAC */
	uint8_t dr_in_mac[6];
	uint64_t dr_arp_hazards;         /* others claiming the VIP (ARP/ND) */
	bool dr_holds_vip;               /* at the last ARP probe */
	bool dr_vmac_on;                 /* its instance holds the VIP: the
	                                    VMAC rule is in dr_in_D */
	uint64_t dr_backup_drops;        /* to the VMAC while not holding it */
	/* announce = true (lb_route.c): its route and what it follows. */
	struct lb_announce ann;
	bool ann_links_up;               /* both interfaces up, at the last look */
	bool ann_chain_ok;               /* its dr_s_ chain is in the kernel */
	int ann_if_down;                 /* track_interfaces: the first down, -1 */
	uint64_t ann_chain_ms;           /* when that was looked at */
	char ann_detail[96];             /* more about the last withdraw */
};

struct lb {
	struct nft *nft;
	struct evloop *loop;
	struct script_runner *runner;    /* for script checks */
	struct lb_service **services;
	size_t nservices;
	uint64_t transactions, transaction_errors;
	uint64_t health_changes;         /* backends' changes, all services */
	uint64_t apply_ms;               /* dirty services are due, 0 = none */
	uint64_t last_apply_ms;          /* the last health transaction */
	struct check_budget budget;      /* probes in flight vs open files */
	struct check_heap sched;         /* every check, by when it is due */
	uint64_t refused_logged;         /* budget.refused already logged */
	uint64_t retry_ms;               /* next retry of refused rules, 0 = none */
	bool full_retry;                 /* the last configuration was refused */
	char last_error[256];
	struct log_ratelimit error_log;
	struct lb_conns conns;           /* balanced connections, counted */
	uint64_t conn_events;            /* conntrack events handled */
	uint64_t scripts_run, scripts_failed;
	/*
	 * Called after a service's quorum_met changed, so that VRRP tracking
	 * can weigh it (a service below quorum demoting the node, like a
	 * track script). NULL: nobody listens.
	 */
	void (*on_quorum)(void *arg, const struct lb_service *svc);
	void *on_quorum_arg;
	/*
	 * Called before rules are computed, so that the conntrack events
	 * already queued are counted (lb_conn_event) first: a rewrite from
	 * counts that miss a flow the kernel already placed would send the
	 * next one to the same backend. NULL: nobody feeds counts.
	 */
	void (*drain_events)(void *arg);
	void *drain_events_arg;
	/* forwarding = "dr" (lb_mac.c): neighbour resolution and table. */
	struct netlink *nl;              /* link lookups; NULL: not opened */
	struct nl_neigh neigh;
	struct evloop_watch neigh_watch;
	bool neigh_ok;
	bool dr_rebuild;                 /* netdev table to rebuild */
	bool dr_table;                   /* the netdev table holds our rules */
	uint64_t dr_use_ms;              /* next re-confirmation of MACs */
	struct log_ratelimit mac_log;
	/* announce (lb_route.c) */
	bool stopping;                   /* every route withdrawn, draining */
	uint64_t route_verify_ms;        /* next look at links and chains */
	uint64_t route_audit_ms;         /* next look at the kernel's routes */
	bool route_events;               /* route events watched (lb_route_event) */
	struct drift *drift;             /* counts and logs repairs; may be NULL */
	uint64_t route_foreign;          /* others' routes of our protocol */
	uint64_t route_errors;           /* route requests refused */
	struct log_ratelimit route_log;
	/*
	 * The service's own track_* objects: false when one fails, with what
	 * in detail. NULL: the service tracks nothing.
	 */
	bool (*announce_track)(void *arg, const struct lb_service *svc,
	    char *detail, size_t len);
	void *announce_track_arg;
	int arp_fd;                      /* lb_arp: -1 = closed */
	struct evloop_watch arp_watch;
	uint64_t arp_probe_ms;
	struct log_ratelimit arp_log;
	int nd_fd;                       /* lb_arp, IPv6: -1 = closed */
	struct evloop_watch nd_watch;
};

/*
 * lb_arp.c: the arp_ignore hazard of dr services (another MAC answering
 * ARP for the VIP), probed while the node holds the VIP. lb_arp_open()
 * (from lb_mac_open) returns 0 or -errno; lb_arp_tick() from lb_mac_tick.
 */
int lb_arp_open(struct lb *lb);
void lb_arp_tick(struct lb *lb, uint64_t now_ms);
void lb_arp_close(struct lb *lb);

/*
 * forwarding = "dr" (lb_mac.c). lb_mac_open(): after lb_init, the
 * neighbour events on the loop (0 or -errno; without it dr backends have
 * no MAC). lb_mac_follow(): after a configure or a link change, each dr
 * service's interfaces and each backend's segment and MAC, asking the
 * kernel to resolve them. lb_mac_tick(): the periodic re-confirmation and
 * a due rebuild of the netdev table. lb_mac_dirty_rules(): a dirty dr
 * service's part of a health transaction (its changed MACs, the slots
 * that change owner), from its backends' states st and its quorum_met as
 * just decided; lb_mac_dirty_done() after it, applied or not.
 * lb_mac_close(): the netdev table removed (stop) and the socket closed.
 */
int lb_mac_open(struct lb *lb, struct netlink *nl);
void lb_mac_follow(struct lb *lb, uint64_t now_ms);
void lb_mac_tick(struct lb *lb, uint64_t now_ms);

/*
 * The instance `inst` takes (held) or gives up its VIPs: each dr service
 * behind its VMAC takes frames to the VMAC only while it holds them (a
 * backup has the same VMAC, and a switch that floods would hand it a copy
 * of every frame). The ingress chains that change are rewritten at once,
 * in one transaction, so that a takeover calls this before its VIPs and
 * gratuitous ARP go out. Also after lb_configure() for every instance.
 */
void lb_dr_vips_held(struct lb *lb, const struct conf_instance *inst,
    bool held);
struct lb_text;
struct lb_nft_backend_state;
void lb_mac_dirty_rules(struct lb_text *t, struct lb_service *svc,
    const struct lb_nft_backend_state *st);
void lb_mac_dirty_done(struct lb_service *svc, bool applied);
void lb_mac_close(struct lb *lb);

/*
 * announce = true (lb_route.c). lb_route_flush(): at start, the routes of
 * vipd's protocol left by an earlier run removed (every table, both
 * families); returns how many, or -errno. lb_route_follow(): the services'
 * interfaces looked at again (configure, link events). lb_route_tick():
 * every service's decision carried out; about once a second the kernel's
 * routes of our protocol and the nft chains are looked at (others' routes
 * over ours replaced, logged). lb_route_stop(): every route withdrawn for
 * a stop; returns until when to keep forwarding (0: nothing was
 * announced). lb_route_forget(): svc's route out (a reload removed it).
 * lb_route_close(): whatever is still announced withdrawn.
 */
int lb_route_flush(struct lb *lb);
/*
 * A route event (RTM_NEWROUTE / RTM_DELROUTE): whether it may be drift of
 * an announced route (lb_announce_event_drift); then lb_route_repair()
 * compares the kernel's routes with the desired state and puts ours back
 * (counted and logged as drift of kind announce_route). With events
 * watched (route_events), the routes are otherwise read back only every
 * LB_ROUTE_AUDIT_MS, in case events were lost.
 */
bool lb_route_event(const struct lb *lb, int type,
    const struct netlink_route *r);
void lb_route_repair(struct lb *lb, uint64_t now_ms);
void lb_route_follow(struct lb *lb);
void lb_route_tick(struct lb *lb, uint64_t now_ms);
uint64_t lb_route_deadline(const struct lb *lb);
uint64_t lb_route_stop(struct lb *lb, uint64_t now_ms);
void lb_route_forget(struct lb_service *svc);
void lb_route_close(struct lb *lb);
/* Whether some service has announce = true. */
bool lb_route_wanted(const struct lb *lb);

/*
 * Mark svc's rules to rewrite in the next health transaction: at the next
 * tick, or LB_APPLY_GAP_MS (gap_ms) after the last one.
 */
void lb_service_dirty(struct lb_service *svc, uint64_t now_ms);
void lb_service_dirty_gap(struct lb_service *svc, uint64_t now_ms,
    uint64_t gap_ms);

/*
 * Each backend of svc as the rules see it now (lb_nft.h): lb_backend_up,
 * its run-time weight, its connections.
 */
void lb_service_states(const struct lb_service *svc,
    struct lb_nft_backend_state *st);

/*
 * Up as far as health goes: no check, or its check says up. Weight aside:
 * a drained backend (weight 0) is up but takes no new flows (a service's
 * `active` counts those that do). The one definition of "up" for the
 * rules, the dumps and `vipctl status`.
 */
bool lb_backend_up(const struct lb_backend *b);

void lb_init(struct lb *lb, struct nft *nft, struct evloop *loop,
    struct script_runner *runner);

/*
 * Make the running services those of conf (start, or reload): unchanged
 * services keep their runtime and their rules untouched. Returns 0, or
 * -errno with why filled when the transaction failed (the services run
 * anyway, their checks will retry the rules) or memory ran out.
 */
int lb_configure(struct lb *lb, const struct conf *conf, uint64_t now_ms,
    char *why, size_t why_len);

/*
 * What is due: rules to retry, the checks whose time has come (only
 * those: they are kept in lb->sched by when they are next due), dirty
 * services. lb_next_deadline() is O(1).
 */
void lb_tick(struct lb *lb, uint64_t now_ms);

/*
 * The balancer's part of table inet vipd again, whole (the table was
 * flushed or deleted from outside, lb_nft_base re-creates it): every nat
 * service's chains, maps, sets and rules from the state in memory
 * (backend weights, health, drains), counters from zero. Established
 * flows keep their conntrack NAT bindings and do not notice. Returns 0,
 * or nft's refusal in why (then a full retry follows as for any refusal).
 */
int lb_restore(struct lb *lb, char *why, size_t why_len);
/* The same for table netdev vipd (dr services), rebuilt now. */
void lb_restore_dr(struct lb *lb, uint64_t now_ms);
bool lb_has_dr(const struct lb *lb);
uint64_t lb_next_deadline(const struct lb *lb);

/*
 * The services with a track_weight whose address is one of inst's VIPs,
 * as tracked objects (up = quorum met) for lib/track: at most max into
 * objs; returns the count. Names point into lb: use them at once.
 */
size_t lb_track_objs(const struct lb *lb, const struct conf_instance *inst,
    struct track_obj *objs, size_t max);

/*
 * Refresh every backend's connections/packets/bytes from nft counters.
 * Returns 0 or -errno (logged, rate-limited: dumps may come often).
 */
int lb_read_counters(struct lb *lb);

/*
 * Whether any service schedules by connection counts: then the daemon
 * feeds lb_conn_event() from conntrack.
 */
bool lb_counts_wanted(const struct lb *lb);

/*
 * A conntrack event (or dump entry) of a balanced flow: key its original
 * tuple, dest its backend (the reply's source), cls from lb_conns_class.
 * The backend's counts follow; its service's map is rewritten soon
 * (LB_COUNTS_APPLY_GAP_MS) when it schedules by counts. A flow first
 * seen in an event (not from_dump) is one the rule placed.
 */
void lb_conn_event(struct lb *lb, const struct lb_conn_key *key,
    const struct lb_conn_dest *dest, enum lb_conn_class cls, bool destroy,
    bool from_dump, uint64_t now_ms);
/* Around a full dump: entries it did not show leave at the end. */
void lb_conn_sweep_begin(struct lb *lb);
void lb_conn_sweep_end(struct lb *lb, uint64_t now_ms);

/*
 * vipctl backend SERVICE ADDRESS:PORT weight N (drain = 0, enable = the
 * file's weight): the backend's weight until the next reload, applied at
 * once. enable_it: weight is the file's. Returns 0, or -ENOENT (no such
 * service) / -ESRCH (no such backend) / -EINVAL, with why filled.
 */
int lb_backend_set_weight(struct lb *lb, const char *service,
    const struct addr *addr, uint16_t port, bool enable_it, uint32_t weight,
    char *why, size_t why_len);
/* A health change of backend b (check or MAC): counted, logged. */
void lb_backend_changed(struct lb_backend *b, const char *health,
    const char *reason);

/* Find a service by name, or NULL. */
const struct lb_service *lb_find(const struct lb *lb, const char *name);

/*
 * For tracking: true when service `name` has at least `quorum` backends
 * taking new flows; false when below, or when there is no such service
 * (*known says which).
 */
bool lb_quorum_met(const struct lb *lb, const char *name, bool *known);

void lb_dump_text(FILE *f, const struct lb *lb, uint64_t now_ms);
/* Writes `, "virtual_services": [...]` to continue a JSON object. */
void lb_dump_json(FILE *f, const struct lb *lb, uint64_t now_ms);

/* Stop every check and free the services (rules stay: table removal). */
void lb_close(struct lb *lb);

#endif

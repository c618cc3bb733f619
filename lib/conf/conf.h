/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf - the configuration file (libconfig syntax) as a validated model.
 *
 * Owns: reading the file, checking every key, type and range, and building
 * struct conf. Every problem is reported as "FILE:LINE: message" in a
 * struct conf_errors; a config with any error yields no model. Pure but for
 * reading the file (conf_load_string takes the text directly, for tests and
 * fuzzing).
 *
 * Never does: touch interfaces or sockets, log, or exit. Whether a named
 * interface exists is the daemon's business at start.
 */
#ifndef VIPD_CONF_H
#define VIPD_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf_lb.h"
#include "conf/conf_bfd.h"
#include "conf/conf_conn_sync.h"
#include "conf/conf_groups.h"
#include "conf/conf_health.h"
#include "conf/conf_route.h"
#include "conf/conf_procs.h"
#include "base/addr.h"

#define CONF_NAME_MAX 64        /* instance / router names, including NUL */
#define CONF_IFNAME_MAX 16      /* IFNAMSIZ */
#define CONF_MAX_ERRORS 64      /* further errors are counted, not stored */
#define CONF_ERROR_LEN 512
#define CONF_MAX_WARNINGS 16    /* further warnings are dropped */
#define CONF_DEFAULT_PATH "/etc/vipd/vipd.conf"
#define CONF_DEFAULT_STATE_DIR "/run/vipd"
#define CONF_MAX_PEERS 32       /* unicast_peers of one instance */

struct conf_errors {
	size_t count;                      /* all errors found */
	size_t stored;                     /* min(count, CONF_MAX_ERRORS) */
	char msg[CONF_MAX_ERRORS][CONF_ERROR_LEN]; /* "FILE:LINE: message" */
	/* Warnings (an include glob that matches nothing): the load goes on. */
	size_t nwarn;
	char warn[CONF_MAX_WARNINGS][CONF_ERROR_LEN]; /* "FILE:LINE: warning: ..." */
};

/* How a Master hands over on a planned stop (graceful stop, reload). */
enum conf_handover {
	CONF_HANDOVER_MAKE_BEFORE_BREAK = 0, /* keep VIPs until the new master is heard */
	CONF_HANDOVER_RFC,                   /* release at once, as RFC 5798 6.4.3 */
};

#define CONF_PEER_FILTER_MAX 32             /* global.peer_filter addresses */

struct conf_global {
	char router_id[CONF_NAME_MAX];     /* default: the host name, filled by caller */
	char state_dir[PATH_MAX];          /* default CONF_DEFAULT_STATE_DIR */
	char script_user[CONF_NAME_MAX];   /* default "nobody" */
	int script_user_line;              /* its line, else global's; 0: no global */
	enum conf_handover handover;       /* default make-before-break */
	char notify_fifo[CONF_PATH_MAX];   /* "" = none: one line per transition */
	bool metrics_enabled;              /* metrics_listen given (default off) */
	struct addr metrics_addr;     /* loopback unless metrics_allow_remote */
	uint16_t metrics_port;
	bool metrics_allow_remote;         /* default false */
	/* VRRP (and AH) only from these sources, by nftables; 0 = no filter. */
	struct addr peer_filter[CONF_PEER_FILTER_MAX];
	size_t npeer_filter;
};

struct conf_garp {
	uint32_t delay_ms;                 /* default 0: a second burst this long after */
	uint32_t repeat;                   /* default 3: ARPs per burst, >= 1 */
	uint32_t interval_ms;              /* default 10 */
	uint32_t refresh_s;                /* default 0: no periodic refresh */
};

/* Addresses one advertisement carries (its count field is one byte). */
#define CONF_VIPS_MAX 255

/*
 * VRRPv2 authentication (RFC 2338 5.3.6), the type numbered as on the wire.
 * key is the secret NUL-padded to 8 bytes, as keepalived stores auth_pass:
 * the auth data itself for PASS, the HMAC-MD5 key for AH.
 */
enum conf_auth_type {
	CONF_AUTH_NONE = 0,
	CONF_AUTH_PASS = 1,
	CONF_AUTH_AH = 2,
};
#define CONF_AUTH_KEY_LEN 8
struct conf_auth {
	uint8_t type;                      /* enum conf_auth_type */
	uint8_t key[CONF_AUTH_KEY_LEN];
};

/*
 * One vrrp_instances entry. Its lists (vips, peers, and the track lists and
 * notify paths of conf_health.h) are allocated by the loader to the length
 * the file gives, within the protocol's bounds (CONF_VIPS_MAX addresses,
 * CONF_MAX_PEERS peers, CONF_MAX_TRACKS per kind), and owned by the model:
 * conf_free() frees them. A struct copy shares them, so it is valid only
 * while its model is (struct instance holds such a copy, see instance.h).
 * Compare with conf_instance_equal(), which compares what they hold.
 */
struct conf_instance {
	char name[CONF_NAME_MAX];
	char interface[CONF_IFNAME_MAX];
	uint8_t vrid;                      /* 1..255, required */
	uint8_t version;                   /* default 3 */
	uint8_t priority;                  /* 1..255, default 100 */
	uint32_t advert_interval_ms;       /* default 1000 */
	bool preempt;                      /* default true */
	uint32_t preempt_delay_ms;         /* default 0 */
	bool accept_mode;
	bool use_vmac;
	char vmac_name[CONF_IFNAME_MAX];   /* default "vrrp.<vrid>" ("vrrp6." IPv6) */
	struct conf_auth auth;             /* v2 only; type CONF_AUTH_NONE by default */
	struct conf_garp garp;
	size_t nvips;                      /* 1..CONF_VIPS_MAX */
	struct conf_vip *vips;             /* nvips entries, in advert order */
	int family;                        /* of the VIPs: AF_INET (default) or AF_INET6 */
	bool have_unicast_src;             /* else the interface's primary / link-local */
	struct addr unicast_src;
	size_t npeers;                     /* unicast_peers; 0 = multicast */
	struct addr *peers;           /* npeers entries; NULL when 0 */
	struct conf_instance_track track;  /* track_*, notify (conf_health.h) */
	/* Carried while MASTER but not advertised (advertise = false); any
	   family (conf_route.h); NULL when 0. */
	size_t nexcluded;
	struct conf_vip *excluded;
	size_t nroutes, nrules;            /* virtual_routes, virtual_rules */
	struct conf_route *routes;         /* owned by the model; NULL when 0 */
	struct conf_rule *rules;
	bool check_advert_addresses;       /* default true: RFC 5798 7.1 drop */
	char notify_rx_lower_pri[CONF_PATH_MAX]; /* "" = none */
	struct conf_instance_bfd bfd;      /* track_bfd, master_down_bfd (conf_bfd.h) */
	int line;                          /* where the instance starts, for messages */
};

struct conf {
	char path[PATH_MAX];
	struct conf_global global;
	size_t ninstances;
	struct conf_instance *instances;   /* owned; freed by conf_free */
	size_t nservices;                  /* virtual_services (conf_lb.h) */
	struct conf_service *services;     /* owned; freed by conf_free */
	size_t ntrack_scripts;             /* top-level track_scripts */
	struct conf_track_script *track_scripts; /* owned; freed by conf_free */
	size_t ntrack_processes;           /* top-level track_processes */
	struct conf_track_process *track_processes; /* owned (conf_procs.h) */
	size_t nsync_groups;
	struct conf_sync_group *sync_groups;     /* owned; freed by conf_free */
	struct conf_conn_sync conn_sync;   /* conn_sync (conf_conn_sync.h) */
	struct conf_statics statics;       /* static_* (conf_route.h) */
	size_t nbfd_sessions;              /* bfd_sessions (conf_bfd.h) */
	struct conf_bfd_session *bfd_sessions; /* owned; freed by conf_free */
};

/*
 * Load and validate. On success returns 0 and *out is a new model (caller
 * frees with conf_free). On failure returns -EINVAL with errs filled (or
 * -errno when the file cannot be read, also reported in errs) and *out NULL.
 * path is used in messages; conf_load_string parses text instead of a file.
 */
int conf_load_file(const char *path, struct conf **out, struct conf_errors *errs);
int conf_load_string(const char *text, const char *path_for_messages,
		     struct conf **out, struct conf_errors *errs);
void conf_free(struct conf *conf);

/*
 * The router_id vipd goes by: global.router_id, else the host name (read
 * at each call, so that a reload sees a renamed host), else "vipd".
 */
void conf_router_id(const struct conf *conf, char *out, size_t len);

/* Find an instance by name, or NULL. */
const struct conf_instance *conf_find_instance(const struct conf *conf, const char *name);

/*
 * True when two instances would behave identically (reload keeps state):
 * field by field, the lists by what they hold (never by pointer or
 * memcmp), line excepted.
 */
bool conf_instance_equal(const struct conf_instance *a, const struct conf_instance *b);

#endif

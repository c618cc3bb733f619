/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_lb - the virtual_services section: the balancer's model (services,
 * backends, health checks) and its loader.
 *
 * Owns: the types of struct conf's services, checking every key, type and
 * range of virtual_services, and the rules across services (unique names,
 * unique address/port/protocol). Errors read "FILE:LINE:
 * virtual_services[NAME].backends[I].key: problem".
 *
 * Never does: touch nftables or sockets. lib/lb turns the model into a
 * runtime; lib/lb_nft into rules.
 */
#ifndef VIPD_CONF_LB_H
#define VIPD_CONF_LB_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "conf/conf_command.h"

#define CONF_LB_NAME_MAX 33        /* service names: 1..32 chars + NUL */
#define CONF_LB_MAX_SERVICES 64
#define CONF_LB_MAX_BACKENDS 256       /* = LB_SCHED_MAX_BACKENDS */
#define CONF_LB_WEIGHT_MAX 100
#define CONF_LB_TEXT_MAX 256       /* http path, host, expected body */
#define CONF_LB_TRACKS 8           /* of each kind, per announced service */
#define CONF_LB_TRACK_NAME_MAX 64  /* = CONF_TRACK_NAME_MAX */

enum conf_lb_proto { CONF_LB_TCP = 0, CONF_LB_UDP };
enum conf_lb_sched { CONF_LB_RR = 0, CONF_LB_WRR, CONF_LB_SH, CONF_LB_MH,
	/* By connection counts (IPVS's meaning; lib/lb/lb_sched.h). */
	CONF_LB_LC, CONF_LB_WLC, CONF_LB_SED, CONF_LB_NQ };

/* The schedulers that follow connection counts. */
#define CONF_LB_SCHED_COUNTS(s) ((s) >= CONF_LB_LC && (s) <= CONF_LB_NQ)

/* The largest quorum: every backend up with the highest weight. */
#define CONF_LB_QUORUM_MAX (CONF_LB_MAX_BACKENDS * CONF_LB_WEIGHT_MAX)

/*
 * A program to run (quorum_up, notify_down, ...), argv[0] absolute: argc
 * allocated strings then NULL; argc 0 = none. Copied by conf_script_copy.
 */
struct conf_script {
	size_t argc;
	char *argv[CONF_COMMAND_ARGS + 1];
};

int conf_script_copy(struct conf_script *to, const struct conf_script *from);
void conf_script_free(struct conf_script *s);
bool conf_script_equal(const struct conf_script *a,
    const struct conf_script *b);
/*
 * nat: DNAT through conntrack, replies come back through the node. dr:
 * direct routing, stateless: the node rewrites the destination MAC of the
 * inbound packets to the backend's and the backend answers the client
 * itself (it holds the VIP on lo); sh or mh only, the backend port is the
 * service port.
 */
enum conf_lb_fwd { CONF_LB_NAT = 0, CONF_LB_DR };
#define CONF_LB_IFNAME_MAX 16      /* IFNAMSIZ */
enum conf_check_type {
	CONF_CHECK_NONE = 0,       /* no check: the backend is always up */
	CONF_CHECK_TCP,
	CONF_CHECK_HTTP,
	CONF_CHECK_HTTPS,
	CONF_CHECK_SCRIPT,         /* exit 0 = healthy, through lib/script */
	CONF_CHECK_UDP,            /* a datagram, optionally a reply */
	CONF_CHECK_DNS,            /* a query over UDP, rcode NOERROR */
	CONF_CHECK_SMTP,           /* 220 banner, EHLO (or HELO): 250, QUIT */
	CONF_CHECK_PING,           /* ICMP / ICMPv6 echo */
};

#define CONF_CHECK_URLS_MAX 16
#define CONF_CHECK_BYTES_MAX 512   /* udp payload and expected reply */

/* One url of an http(s) check: all of them must answer as expected. */
struct conf_check_url {
	char *path;                        /* owned, starts with / */
	uint16_t status_lo, status_hi;     /* default 200-200 */
	bool has_digest;
	uint8_t digest[16];                /* MD5 of the whole body */
	char *expect_body;                 /* owned or NULL: a substring */
	char *expect_regex;                /* owned or NULL: POSIX extended */
};

struct conf_check {
	enum conf_check_type type;
	uint16_t port;                     /* default: the backend's port */
	uint32_t interval_ms;              /* default 1000, 100..3600000 */
	uint32_t timeout_ms;               /* default 500, 10..interval_ms */
	uint32_t rise, fall;               /* default 2 and 3, 1..100 */
	char *path;                        /* http(s): owned; NULL = "/" */
	char *host;                        /* http(s) Host: owned; NULL = address */
	uint16_t expect_status;            /* http(s): default 200 */
	char *expect_body;                 /* http(s): substring, owned; NULL = any */
	bool verify;                       /* https: check the certificate */
	/*
	 * The long, rare texts are allocated (owned by this conf_check) rather
	 * than embedded: a check is held by the model, the balancer's copy and
	 * the check itself, for each of up to thousands of backends. A copy
	 * by assignment shares them: make owning copies with conf_check_copy.
	 */
	char *ca_file;                     /* https with verify; NULL = system CAs */
	size_t argc;                       /* script: command, argv[0] absolute */
	char *argv[CONF_COMMAND_ARGS + 1]; /* argc strings, then NULL */
	/* Every type but script. */
	struct addr connect_ip;            /* family 0: the backend's address */
	struct addr bind_to;               /* family 0: the kernel chooses */
	uint32_t retry;                    /* failed probes retried, 0..100 */
	uint32_t delay_before_retry_ms;    /* default 1000 */
	uint32_t warmup_ms;                /* the first probe waits this long */
	uint16_t status_hi;                /* http(s): expect_status..status_hi */
	/* udp: what is sent, what the reply starts with or matches. */
	uint8_t *payload;                  /* owned or NULL (an empty datagram) */
	size_t payload_len;
	uint8_t *expect_reply;             /* owned or NULL: no reply needed */
	size_t expect_reply_len;
	char *expect_regex;                /* udp reply: owned or NULL */
	/* dns */
	char *query_name;                  /* owned; NULL = "." */
	uint16_t query_type;               /* default SOA (6) */
	struct addr expect_address;        /* family 0: any answer */
	/* smtp */
	char *helo_name;                   /* owned; NULL = "vipd" */
	/* http(s): several urls (nurls 0: path / expect_* above), headers */
	struct conf_check_url *urls;       /* owned, nurls of them */
	size_t nurls;
	char *headers;                     /* owned: "Name: value\r\n"..., or NULL */
};

/*
 * *to = *from with its own ca_file and argv (to is overwritten, not
 * freed first). Returns 0, or -ENOMEM with *to holding nothing to free.
 */
int conf_check_copy(struct conf_check *to, const struct conf_check *from);

/* Free what conf_check_copy or the loader allocated in c. */
void conf_check_free(struct conf_check *c);

struct conf_backend {
	struct addr addr;
	uint16_t port;                     /* default: the service's port */
	uint32_t weight;                   /* 0..100, default 1; 0 drains */
	struct conf_check check;
	struct conf_script notify_up, notify_down;   /* owned */
};

/*
 * *to = *from with its own check texts and scripts (to is overwritten).
 * Returns 0, or -ENOMEM with *to holding nothing to free.
 */
int conf_backend_copy(struct conf_backend *to, const struct conf_backend *from);
void conf_backend_free(struct conf_backend *b);

struct conf_service {
	char name[CONF_LB_NAME_MAX];
	struct addr addr;
	uint16_t port;
	enum conf_lb_proto protocol;       /* default tcp */
	enum conf_lb_sched scheduler;      /* default wrr; dr: mh */
	enum conf_lb_fwd forwarding;       /* default nat */
	/*
	 * dr: where the backends are; "" = the interface of the VRRP instance
	 * holding the address (dr_interface is the one in use either way).
	 */
	char interface[CONF_LB_IFNAME_MAX];
	char dr_interface[CONF_LB_IFNAME_MAX];
	/* dr: where the VIP's traffic arrives (the holding instance's
	 * interface, else dr_interface), and the VMAC it comes to when that
	 * instance uses one (dr_vmac[0..5], has_vmac). */
	char dr_ingress[CONF_LB_IFNAME_MAX];
	bool dr_has_vmac;
	uint8_t dr_vmac[6];
	uint32_t persistence_s;            /* 0 = off; 0..86400 */
	/*
	 * keepalived's meaning: the weights of the backends that are up add
	 * up to at least quorum (default 1). Once met it holds until the sum
	 * falls below quorum - hysteresis; once lost it comes back at
	 * quorum + hysteresis.
	 */
	uint32_t quorum;
	uint32_t hysteresis;               /* default 0 */
	int quorum_line;                   /* of the quorum key, 0 = absent */
	struct conf_script quorum_up, quorum_down;   /* owned */
	bool has_sorry;
	struct addr sorry_addr;
	uint16_t sorry_port;
	bool tracked;                      /* track_weight given */
	int track_weight;                  /* -254..254, as a track script's */
	/*
	 * dr: a blackhole route VIP/32 (/128) of vipd's routing protocol
	 * while the service is ready, for FRR or BIRD to announce
	 * (lib/lb/lb_announce.h); withdrawn that long before a stop.
	 */
	bool announce;
	uint32_t announce_drain_ms;        /* default 2000, 0..60000 */
	int announce_line;                 /* of the announce key, 0 = absent */
	/*
	 * announce: the node's own health; any of them down withdraws (no
	 * weights). Scripts and processes name top-level track_scripts and
	 * track_processes; interfaces are up with carrier.
	 */
	size_t ntrack_scripts, ntrack_ifs, ntrack_procs;
	char track_scripts[CONF_LB_TRACKS][CONF_LB_TRACK_NAME_MAX];
	char track_ifs[CONF_LB_TRACKS][CONF_LB_IFNAME_MAX];
	char track_procs[CONF_LB_TRACKS][CONF_LB_TRACK_NAME_MAX];
	size_t nbackends;
	struct conf_backend *backends;     /* owned; freed by conf_lb_free */
	int line;
};

/* The words of the config and of dumps: conf/conf_names.h. */

/* True when two checks would probe alike. */
bool conf_check_equal(const struct conf_check *a, const struct conf_check *b);

/* True when two services would program the same rules and checks. */
bool conf_service_equal(const struct conf_service *a,
    const struct conf_service *b);

struct conf;
struct conf_ctx;

/*
 * Load the virtual_services list (a libconfig setting) into
 * conf->services. Errors go to ctx; returns 0 or -ENOMEM.
 */
struct config_setting_t;
int conf_lb_load(struct conf_ctx *ctx, const struct config_setting_t *list,
    struct conf *conf);

/*
 * Readings that changed meaning: fn gets one "FILE:LINE: warning: ..."
 * line each (path is FILE), for vipd -t and the log. Returns their count.
 */
size_t conf_lb_warnings(const struct conf *conf, const char *path,
    void (*fn)(void *arg, const char *line), void *arg);

/*
 * After the VRRP instances are loaded: each dr service's interfaces from
 * the instance holding its address (see conf_service), and the error
 * when no instance holds it and it names no interface. list is the
 * virtual_services setting (for the lines).
 */
void conf_lb_resolve(struct conf_ctx *ctx, const struct config_setting_t *list,
    struct conf *conf);

/* Free conf->services (called by conf_free). */
void conf_lb_free(struct conf *conf);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_lb - the virtual_services section (see conf_lb.h): one group per
 * virtual service, a list of backends each with an optional health check,
 * then the rules across services.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_keys.h"
#include "conf/conf_check.h"
#include "conf/conf_command.h"
#include "conf/conf_lb.h"
#include "conf/conf_names.h"
#include "conf/conf_util.h"
#include "conf/conf_vrrp.h"

#define WHERE_LEN (CONF_WHERE_MAX + 64)

const char *const conf_service_keys[] = { "name", "address", "port",
	"protocol", "scheduler", "persistence_s", "quorum", "sorry_server",
	"track_weight", "backends", "hysteresis", "quorum_up", "quorum_down",
	"forwarding", "interface", "announce", "announce_drain_ms",
	"track_scripts", "track_interfaces", "track_processes", NULL };
const char *const conf_service_track_keys[] = { "name", NULL };
const char *const conf_backend_keys[] = { "address", "port", "weight",
	"check", "notify_up", "notify_down", NULL };
const char *const conf_backend_check_keys[] = { "type", "port", "interval_ms",
	"timeout_ms", "rise", "fall", "path", "host", "expect_status",
	"expect_body", "verify", "ca_file", "command",
	/* conf_check's */
	"connect_ip", "bind_to", "retry", "delay_before_retry_ms", "warmup_ms",
	"payload", "payload_hex", "expect_reply", "expect_reply_hex",
	"expect_reply_regex", "query_name", "query_type", "expect_address",
	"helo_name", "urls", "headers", "user", "password", NULL };

/* Index of v in names, or -1. */
static int
word_index(const char *v, const char *const *names)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

/* A string key that must be one of names; returns its index, or -1. */
static int
get_word(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, const char *const *names, const char *expect)
{
	const char *v;
	char q[48];
	int i;

	if (conf_get_string(ctx, g, where, key, &v) <= 0)
		return -1;
	if ((i = word_index(v, names)) < 0)
		conf_error(ctx, config_setting_get_member(g, key),
		    "%s.%s: '%s' is not %s", where, key,
		    conf_quote(v, q, sizeof(q)), expect);
	return i;
}

static int
get_u32(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, long long lo, long long hi, uint32_t *out)
{
	long long v;
	int rc = conf_get_int(ctx, g, where, key, lo, hi, &v);

	if (rc > 0)
		*out = (uint32_t)v;
	return rc;
}

/* A string copied into out (len bytes); 1 when set. */
static int
get_text(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, char *out, size_t len)
{
	const char *v;

	if (conf_get_string(ctx, g, where, key, &v) <= 0)
		return 0;
	if (strlen(v) >= len) {
		conf_error(ctx, config_setting_get_member(g, key),
		    "%s.%s: longer than %zu characters", where, key, len - 1);
		return -1;
	}
	/* The text goes into a request line or header: no CR, LF or NUL. */
	if (strpbrk(v, "\r\n") != NULL) {
		conf_error(ctx, config_setting_get_member(g, key),
		    "%s.%s: must not contain a line break", where, key);
		return -1;
	}
	snprintf(out, len, "%s", v);
	return 1;
}

/* An address key ("10.0.0.10" or "2001:db8::10"); 1 when set. */
static int
get_addr(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, struct addr *out)
{
	const char *v;
	char q[48];

	if (conf_get_string(ctx, g, where, key, &v) <= 0)
		return 0;
	if (addr_parse(v, out) < 0) {
		conf_error(ctx, config_setting_get_member(g, key),
		    "%s.%s: '%s' is not an IPv4 or IPv6 address", where, key,
		    conf_quote(v, q, sizeof(q)));
		return -1;
	}
	return 1;
}

/* "A.B.C.D:PORT" or "[X:X::X]:PORT". */
static int
parse_addr_port(const char *text, struct addr *addr, uint16_t *port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	const char *colon, *a = text;
	size_t alen;
	char *end;
	unsigned long p;

	if (text[0] == '[') {
		if ((colon = strstr(text, "]:")) == NULL)
			return -1;
		a = text + 1;
		alen = (size_t)(colon - a);
		colon++;
	} else {
		if ((colon = strrchr(text, ':')) == NULL ||
		    strchr(text, ':') != colon)
			return -1;
		alen = (size_t)(colon - text);
	}
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, a, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, addr) < 0)
		return -1;
	if (text[0] != '[' && addr->family != AF_INET)
		return -1;
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* ---- checks ------------------------------------------------------------ */

/* command = [ "/abs/path", "arg", ... ]: script checks only, no shell. */
static void
load_command(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_check *c)
{
	const config_setting_t *s = config_setting_get_member(g, "command");
	const char *argv[CONF_COMMAND_ARGS];
	size_t n;

	if (s == NULL) {
		if (c->type == CONF_CHECK_SCRIPT)
			conf_error(ctx, g, "%s.command: missing (required for "
			    "type \"script\")", where);
		return;
	}
	if (c->type != CONF_CHECK_SCRIPT) {
		conf_error(ctx, s, "%s.command: applies to type \"script\" "
		    "only", where);
		return;
	}
	n = conf_command_load(ctx, s, where, argv);
	for (size_t i = 0; i < n; i++) {
		if ((c->argv[i] = strdup(argv[i])) == NULL) {
			conf_error(ctx, s, "%s.command: out of memory", where);
			return;
		}
		c->argc = i + 1;
	}
}

/* key = [ "/abs/path", "arg", ... ]: a script of a service or backend. */
static void
load_script(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, struct conf_script *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *argv[CONF_COMMAND_ARGS];
	size_t n;

	if (s == NULL)
		return;
	n = conf_command_load_key(ctx, s, where, key, argv);
	for (size_t i = 0; i < n; i++) {
		if ((out->argv[i] = strdup(argv[i])) == NULL) {
			conf_error(ctx, s, "%s.%s: out of memory", where, key);
			return;
		}
		out->argc = i + 1;
	}
}

static void
check_defaults(struct conf_check *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_ms = 1000;
	c->timeout_ms = 500;
	c->rise = 2;
	c->fall = 3;
	c->expect_status = 200;
	c->status_hi = 200;
}

/* A text key into *out, allocated when set and not empty. */
static int
get_owned_text(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, char **out)
{
	char buf[CONF_LB_TEXT_MAX];
	int rc = get_text(ctx, g, where, key, buf, sizeof(buf));

	if (rc > 0 && buf[0] != '\0' && (*out = strdup(buf)) == NULL) {
		conf_error(ctx, config_setting_get_member(g, key),
		    "%s.%s: out of memory", where, key);
		ctx->nomem = true;
	}
	return rc;
}

static void
load_check(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_check *c)
{
	const config_setting_t *s;
	char ca[PATH_MAX] = "";
	long long v;
	int t;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, g, "%s: expected a group { ... }", where);
		return;
	}
	conf_check_keys(ctx, g, where, conf_backend_check_keys, NULL);
	if ((s = config_setting_get_member(g, "type")) == NULL)
		conf_error(ctx, g, "%s.type: missing (required)", where);
	else if ((t = get_word(ctx, g, where, "type", conf_names_check_types + 1,
	    "\"tcp\", \"http\", \"https\", \"script\", \"udp\", \"dns\", "
	    "\"smtp\" or \"ping\"")) >= 0)
		c->type = (enum conf_check_type)(t + 1);
	if (conf_get_int(ctx, g, where, "port", 1, 65535, &v) > 0)
		c->port = (uint16_t)v;
	get_u32(ctx, g, where, "interval_ms", 100, 3600000, &c->interval_ms);
	get_u32(ctx, g, where, "rise", 1, 100, &c->rise);
	get_u32(ctx, g, where, "fall", 1, 100, &c->fall);
	/* A probe still running when the next is due would overlap it. */
	if (get_u32(ctx, g, where, "timeout_ms", 10, 3600000,
	    &c->timeout_ms) > 0 && c->timeout_ms > c->interval_ms)
		conf_error(ctx, config_setting_get_member(g, "timeout_ms"),
		    "%s.timeout_ms: %u is longer than interval_ms (%u)", where,
		    c->timeout_ms, c->interval_ms);
	if (get_owned_text(ctx, g, where, "path", &c->path) > 0 &&
	    (c->path == NULL || c->path[0] != '/' ||
	    strchr(c->path, ' ') != NULL))
		conf_error(ctx, config_setting_get_member(g, "path"),
		    "%s.path: must start with / and contain no blank", where);
	get_owned_text(ctx, g, where, "host", &c->host);
	conf_check_load_status(ctx, g, where, &c->expect_status, &c->status_hi);
	{
		char body[CONF_LB_TEXT_MAX];

		if (get_text(ctx, g, where, "expect_body", body,
		    sizeof(body)) > 0 && body[0] != '\0' &&
		    (c->expect_body = strdup(body)) == NULL)
			ctx->nomem = true;
	}
	conf_get_bool(ctx, g, where, "verify", &c->verify);
	/* Found now rather than at the first check: vipd -t tells. */
	if (get_text(ctx, g, where, "ca_file", ca, sizeof(ca)) > 0 &&
	    (ca[0] != '/' || access(ca, R_OK) != 0))
		conf_error(ctx, config_setting_get_member(g, "ca_file"),
		    "%s.ca_file: cannot read %s: %s", where, ca,
		    ca[0] != '/' ? "not an absolute path" : strerror(errno));
	else if (ca[0] != '\0' && (c->ca_file = strdup(ca)) == NULL)
		conf_error(ctx, config_setting_get_member(g, "ca_file"),
		    "%s.ca_file: out of memory", where);
	load_command(ctx, g, where, c);
	if (c->type != CONF_CHECK_HTTPS && (config_setting_get_member(g,
	    "verify") != NULL || config_setting_get_member(g, "ca_file")))
		conf_error(ctx, g, "%s: verify and ca_file apply to type "
		    "\"https\" only", where);
	if (c->type != CONF_CHECK_HTTP && c->type != CONF_CHECK_HTTPS &&
	    (config_setting_get_member(g,
	    "path") != NULL || config_setting_get_member(g, "expect_status") ||
	    config_setting_get_member(g, "expect_body") ||
	    config_setting_get_member(g, "host")))
		conf_error(ctx, g, "%s: path, host, expect_status and "
		    "expect_body apply to http and https checks only", where);
	conf_check_load_more(ctx, g, where, c);
}

/* ---- backends ---------------------------------------------------------- */

static void
load_backend(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_service *svc, struct conf_backend *b)
{
	const config_setting_t *s;
	long long v;

	memset(b, 0, sizeof(*b));
	b->port = svc->port;
	b->weight = 1;
	check_defaults(&b->check);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, g, "%s: expected a group { ... }", where);
		return;
	}
	conf_check_keys(ctx, g, where, conf_backend_keys, NULL);
	if (config_setting_get_member(g, "address") == NULL)
		conf_error(ctx, g, "%s.address: missing (required)", where);
	else if (get_addr(ctx, g, where, "address", &b->addr) > 0 &&
	    svc->addr.family != 0 && b->addr.family != svc->addr.family)
		conf_error(ctx, config_setting_get_member(g, "address"),
		    "%s.address: not the family of the service address "
		    "(NAT between IPv4 and IPv6 is not supported)", where);
	if (conf_get_int(ctx, g, where, "port", 1, 65535, &v) > 0) {
		b->port = (uint16_t)v;
		/* The packet reaches the backend unchanged but for its MAC. */
		if (svc->forwarding == CONF_LB_DR && b->port != svc->port)
			conf_error(ctx, config_setting_get_member(g, "port"),
			    "%s.port: %u is not the service port %u: "
			    "forwarding = \"dr\" cannot change ports", where,
			    b->port, svc->port);
	}
	get_u32(ctx, g, where, "weight", 0, CONF_LB_WEIGHT_MAX, &b->weight);
	if ((s = config_setting_get_member(g, "check")) != NULL) {
		char cw[WHERE_LEN + 48];

		snprintf(cw, sizeof(cw), "%s.check", where);
		load_check(ctx, s, cw, &b->check);
	}
	if (b->check.port == 0)
		b->check.port = b->port;
	load_script(ctx, g, where, "notify_up", &b->notify_up);
	load_script(ctx, g, where, "notify_down", &b->notify_down);
}

/* Returns 0, or -ENOMEM. */
static int
load_backends(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_service *svc)
{
	const config_setting_t *s, *e;
	char bw[WHERE_LEN + 32];
	int n;

	if ((s = config_setting_get_member(g, "backends")) == NULL) {
		conf_error(ctx, g, "%s.backends: missing (required)", where);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_error(ctx, s, "%s.backends: expected a list ( { ... } )",
		    where);
		return 0;
	}
	n = config_setting_length(s);
	if (n < 1 || n > CONF_LB_MAX_BACKENDS) {
		conf_error(ctx, s, "%s.backends: %d backends, expected 1..%d",
		    where, n, CONF_LB_MAX_BACKENDS);
		return 0;
	}
	if ((svc->backends = calloc((size_t)n, sizeof(*svc->backends))) ==
	    NULL)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct conf_backend *b = &svc->backends[svc->nbackends];

		e = config_setting_get_elem(s, (unsigned)i);
		snprintf(bw, sizeof(bw), "%s.backends[%d]", where, i);
		load_backend(ctx, e, bw, svc, b);
		for (size_t j = 0; j < svc->nbackends; j++)
			if (b->addr.family != 0 && addr_cmp(&b->addr,
			    &svc->backends[j].addr) == 0 &&
			    b->port == svc->backends[j].port)
				conf_error(ctx, e, "%s: the same address and "
				    "port as backends[%zu]", bw, j);
		svc->nbackends++;
	}
	return 0;
}

/* ---- one service -------------------------------------------------------- */

static void
load_sorry(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_service *svc)
{
	const char *v;
	char q[48];

	if (conf_get_string(ctx, g, where, "sorry_server", &v) <= 0)
		return;
	if (parse_addr_port(v, &svc->sorry_addr, &svc->sorry_port) < 0) {
		conf_error(ctx, config_setting_get_member(g, "sorry_server"),
		    "%s.sorry_server: '%s' is not ADDRESS:PORT (A.B.C.D:P or "
		    "[X:X::X]:P)", where, conf_quote(v, q, sizeof(q)));
		return;
	}
	if (svc->addr.family != 0 && svc->sorry_addr.family !=
	    svc->addr.family) {
		conf_error(ctx, config_setting_get_member(g, "sorry_server"),
		    "%s.sorry_server: not the family of the service address",
		    where);
		return;
	}
	svc->has_sorry = true;
}

static uint32_t
weight_sum(const struct conf_service *svc)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < svc->nbackends; i++)
		sum += svc->backends[i].weight;
	return sum;
}

/* quorum (a sum of weights, as keepalived's), hysteresis, their scripts. */
static void
load_quorum(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_service *svc)
{
	const config_setting_t *q = config_setting_get_member(g, "quorum");
	uint32_t sum = weight_sum(svc);

	if (get_u32(ctx, g, where, "quorum", 0, CONF_LB_QUORUM_MAX,
	    &svc->quorum) > 0) {
		svc->quorum_line = (int)config_setting_source_line(q);
		if (svc->nbackends > 0 && svc->quorum > sum)
			conf_error(ctx, q, "%s.quorum: %u is more than the "
			    "backends' weights add up to (%u): never met",
			    where, svc->quorum, sum);
	}
	if (get_u32(ctx, g, where, "hysteresis", 0, CONF_LB_QUORUM_MAX,
	    &svc->hysteresis) > 0 && svc->hysteresis > svc->quorum)
		conf_error(ctx, config_setting_get_member(g, "hysteresis"),
		    "%s.hysteresis: %u is more than quorum (%u)", where,
		    svc->hysteresis, svc->quorum);
	load_script(ctx, g, where, "quorum_up", &svc->quorum_up);
	load_script(ctx, g, where, "quorum_down", &svc->quorum_down);
}

/*
 * The rules of forwarding = "dr": no connection state on the node, so
 * only schedulers that pick from the packet alone, and no persistence.
 */
static void
load_dr(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_service *svc)
{
	const char *v;
	char q[48];
	int r;

	if ((r = conf_get_string(ctx, g, where, "interface", &v)) > 0 &&
	    !conf_valid_ifname(v))
		conf_error(ctx, config_setting_get_member(g, "interface"),
		    "%s.interface: '%s' is not an interface name (1..15 "
		    "characters, no '/', ':' or blanks)", where,
		    conf_quote(v, q, sizeof(q)));
	else if (r > 0 && svc->forwarding != CONF_LB_DR)
		conf_error(ctx, config_setting_get_member(g, "interface"),
		    "%s.interface: applies to forwarding = \"dr\" only (nat "
		    "routes to its backends)", where);
	else if (r > 0)
		snprintf(svc->interface, sizeof(svc->interface), "%s", v);
	if (svc->forwarding != CONF_LB_DR)
		return;
	if (svc->scheduler != CONF_LB_SH && svc->scheduler != CONF_LB_MH)
		conf_error(ctx, config_setting_get_member(g, "scheduler"),
		    "%s.scheduler: '%s' cannot be used with forwarding = "
		    "\"dr\": the node keeps no connection state, only sh and "
		    "mh pick a backend from the packet alone (the same on "
		    "every node)", where, conf_names_lb_sched(svc->scheduler));
	if (svc->persistence_s > 0)
		conf_error(ctx, config_setting_get_member(g, "persistence_s"),
		    "%s.persistence_s: needs connection state, which "
		    "forwarding = \"dr\" has not (scheduler = \"sh\" keeps "
		    "a client on one backend)", where);
	if (config_setting_get_member(g, "sorry_server") != NULL)
		conf_error(ctx, config_setting_get_member(g, "sorry_server"),
		    "%s.sorry_server: not supported with forwarding = \"dr\"",
		    where);
}

/*
 * announce = true: every node of the ECMP group must send a flow to the
 * same backend whichever node the router picks, from the packet alone:
 * dr with sh or mh, no persistence (its state is the node's own). The
 * scheduler and persistence_s are refused by load_dr already for dr.
 */
static void
load_announce(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_service *svc)
{
	const config_setting_t *a = config_setting_get_member(g, "announce");

	svc->announce_drain_ms = 2000;
	get_u32(ctx, g, where, "announce_drain_ms", 0, 60000,
	    &svc->announce_drain_ms);
	if (conf_get_bool(ctx, g, where, "announce", &svc->announce) <= 0 ||
	    !svc->announce)
		return;
	svc->announce_line = (int)config_setting_source_line(a);
	if (svc->forwarding != CONF_LB_DR)
		conf_error(ctx, a, "%s.announce: needs forwarding = \"dr\" "
		    "(with scheduler sh or mh): nat keeps each flow's state on "
		    "the node that took it, and a flow the router moves to "
		    "another node breaks", where);
}

/*
 * An announced service's track_scripts, track_interfaces or
 * track_processes: ( { name = "..."; }, ... ), at most CONF_LB_TRACKS,
 * names into out (each len bytes). Returns how many.
 */
static size_t
load_tracks(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const char *key, char *out, size_t len, bool ifname)
{
	const config_setting_t *l = config_setting_get_member(g, key);
	char w[WHERE_LEN + 48], q[48];
	const char *name;
	size_t n = 0;
	int count;

	if (l == NULL)
		return 0;
	snprintf(w, sizeof(w), "%s.%s", where, key);
	if (!conf_is_list_of_groups(ctx, l, w))
		return 0;
	if ((count = config_setting_length(l)) > CONF_LB_TRACKS) {
		conf_error(ctx, l, "%s: %d entries, at most %d", w, count,
		    CONF_LB_TRACKS);
		return 0;
	}
	for (int i = 0; i < count; i++) {
		const config_setting_t *e = config_setting_get_elem(l,
		    (unsigned)i);
		char ew[WHERE_LEN + 64];

		snprintf(ew, sizeof(ew), "%s[%d]", w, i);
		conf_check_keys(ctx, e, ew, conf_service_track_keys, NULL);
		if (ifname) {
			if (conf_get_string(ctx, e, ew, "name", &name) <= 0) {
				if (config_setting_get_member(e, "name") == NULL)
					conf_error(ctx, e, "%s.name: missing "
					    "(required)", ew);
				continue;
			}
			if (!conf_valid_ifname(name)) {
				conf_error(ctx, config_setting_get_member(e,
				    "name"), "%s.name: '%s' is not an "
				    "interface name", ew, conf_quote(name, q,
				    sizeof(q)));
				continue;
			}
		} else if ((name = conf_get_entry_name(ctx, e, ew,
		    len - 1)) == NULL)
			continue;
		snprintf(out + n * len, len, "%s", name);
		n++;
	}
	return n;
}

static void
load_service_tracks(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_service *svc)
{
	static const char *const keys[] = { "track_scripts",
	    "track_interfaces", "track_processes" };

	svc->ntrack_scripts = load_tracks(ctx, g, where, "track_scripts",
	    &svc->track_scripts[0][0], sizeof(svc->track_scripts[0]), false);
	svc->ntrack_ifs = load_tracks(ctx, g, where, "track_interfaces",
	    &svc->track_ifs[0][0], sizeof(svc->track_ifs[0]), true);
	svc->ntrack_procs = load_tracks(ctx, g, where, "track_processes",
	    &svc->track_procs[0][0], sizeof(svc->track_procs[0]), false);
	for (size_t k = 0; k < 3 && !svc->announce; k++)
		if (config_setting_get_member(g, keys[k]) != NULL)
			conf_error(ctx, config_setting_get_member(g, keys[k]),
			    "%s.%s: applies to announce = true only (to weigh "
			    "a service on a VRRP instance, use track_weight)",
			    where, keys[k]);
}

/* Returns 0, or -ENOMEM. */
static int
load_service(struct conf_ctx *ctx, const config_setting_t *g, size_t index,
    struct conf_service *svc)
{
	char where[WHERE_LEN], q[48];
	const char *v;
	long long p;
	int i;

	memset(svc, 0, sizeof(*svc));
	svc->line = (int)config_setting_source_line(g);
	svc->scheduler = CONF_LB_WRR;
	svc->quorum = 1;
	snprintf(where, sizeof(where), "virtual_services[%zu]", index);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, g, "%s: expected a group { ... }", where);
		return 0;
	}
	if (config_setting_get_member(g, "name") == NULL)
		conf_error(ctx, g, "%s.name: missing (required)", where);
	else if (conf_get_string(ctx, g, where, "name", &v) > 0) {
		if (!conf_valid_name(v, CONF_LB_NAME_MAX - 1))
			conf_error(ctx, config_setting_get_member(g, "name"),
			    "%s.name: '%s' is not 1..%d characters of A-Z a-z "
			    "0-9 _ . -", where, conf_quote(v, q, sizeof(q)),
			    CONF_LB_NAME_MAX - 1);
		else {
			snprintf(svc->name, sizeof(svc->name), "%s", v);
			snprintf(where, sizeof(where), "virtual_services[%s]",
			    v);
		}
	}
	conf_check_keys(ctx, g, where, conf_service_keys, NULL);
	if (config_setting_get_member(g, "address") == NULL)
		conf_error(ctx, g, "%s.address: missing (required)", where);
	else
		get_addr(ctx, g, where, "address", &svc->addr);
	if (config_setting_get_member(g, "port") == NULL)
		conf_error(ctx, g, "%s.port: missing (required)", where);
	else if (conf_get_int(ctx, g, where, "port", 1, 65535, &p) > 0)
		svc->port = (uint16_t)p;
	if ((i = get_word(ctx, g, where, "protocol", conf_names_lb_protos,
	    "\"tcp\" or \"udp\"")) >= 0)
		svc->protocol = (enum conf_lb_proto)i;
	if ((i = get_word(ctx, g, where, "forwarding", conf_names_lb_fwds,
	    "\"nat\" or \"dr\"")) >= 0)
		svc->forwarding = (enum conf_lb_fwd)i;
	if (svc->forwarding == CONF_LB_DR)
		svc->scheduler = CONF_LB_MH;
	if ((i = get_word(ctx, g, where, "scheduler", conf_names_lb_scheds,
	    "a scheduler (rr, wrr, sh, mh, lc, wlc, sed, nq)")) >= 0)
		svc->scheduler = (enum conf_lb_sched)i;
	get_u32(ctx, g, where, "persistence_s", 0, 86400, &svc->persistence_s);
	load_dr(ctx, g, where, svc);
	load_announce(ctx, g, where, svc);
	load_service_tracks(ctx, g, where, svc);
	if (conf_get_int(ctx, g, where, "track_weight", -254, 254, &p) > 0) {
		svc->tracked = true;
		svc->track_weight = (int)p;
	}
	load_sorry(ctx, g, where, svc);
	if (load_backends(ctx, g, where, svc) < 0)
		return -ENOMEM;
	load_quorum(ctx, g, where, svc);
	return 0;
}

/* Two services on one address, port and protocol would shadow each other. */
static void
check_across(struct conf_ctx *ctx, const config_setting_t *list,
    const struct conf *conf)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < conf->nservices; i++) {
		const struct conf_service *s = &conf->services[i];
		const config_setting_t *at = config_setting_get_elem(list,
		    (unsigned)i);

		for (size_t j = 0; j < i; j++) {
			const struct conf_service *o = &conf->services[j];

			if (s->name[0] != '\0' && strcmp(s->name, o->name) == 0)
				conf_error(ctx, at, "virtual_services[%s]: "
				    "duplicate name (first at line %d)",
				    s->name, o->line);
			else if (s->addr.family != 0 && s->port != 0 &&
			    addr_cmp(&s->addr, &o->addr) == 0 &&
			    s->port == o->port && s->protocol == o->protocol)
				conf_error(ctx, at, "virtual_services[%s]: "
				    "%s port %u/%s is already service '%s' "
				    "(line %d)", s->name, addr_str(&s->addr,
				    a, sizeof(a)), s->port,
				    conf_names_lb_proto(s->protocol), o->name,
				    o->line);
		}
	}
}

int
conf_lb_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf)
{
	int n;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		conf_error(ctx, list, "virtual_services: expected a list "
		    "( { ... } )");
		return 0;
	}
	n = config_setting_length(list);
	if (n > CONF_LB_MAX_SERVICES) {
		conf_error(ctx, list, "virtual_services: %d services, at most "
		    "%d", n, CONF_LB_MAX_SERVICES);
		return 0;
	}
	if (n == 0)
		return 0;
	if ((conf->services = calloc((size_t)n, sizeof(*conf->services))) ==
	    NULL)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		conf->nservices++;
		if (load_service(ctx, config_setting_get_elem(list, (unsigned)i),
		    (size_t)i, &conf->services[i]) < 0)
			return -ENOMEM;
	}
	check_across(ctx, list, conf);
	return 0;
}

/* The instance whose addresses include addr, or NULL. */
static const struct conf_instance *
holder(const struct conf *conf, const struct addr *addr)
{
	for (size_t i = 0; i < conf->ninstances; i++)
		for (size_t j = 0; j < conf->instances[i].nvips; j++)
			if (addr_cmp(&conf->instances[i].vips[j].addr, addr) ==
			    0)
				return &conf->instances[i];
	return NULL;
}

/* An announced service's track_scripts and track_processes exist. */
static void
resolve_tracks(struct conf_ctx *ctx, const config_setting_t *g,
    const struct conf *conf, const struct conf_service *svc)
{
	const config_setting_t *l;
	char q[48];
	bool found;

	for (size_t k = 0; k < svc->ntrack_scripts; k++) {
		found = false;
		for (size_t j = 0; j < conf->ntrack_scripts && !found; j++)
			found = strcmp(conf->track_scripts[j].name,
			    svc->track_scripts[k]) == 0;
		l = config_setting_get_member(g, "track_scripts");
		if (!found)
			conf_error(ctx, config_setting_get_elem(l, (unsigned)k),
			    "virtual_services[%s].track_scripts[%zu].name: no "
			    "track script named '%s' in the top-level "
			    "track_scripts", svc->name, k, conf_quote(
			    svc->track_scripts[k], q, sizeof(q)));
	}
	for (size_t k = 0; k < svc->ntrack_procs; k++) {
		found = false;
		for (size_t j = 0; j < conf->ntrack_processes && !found; j++)
			found = strcmp(conf->track_processes[j].name,
			    svc->track_procs[k]) == 0;
		l = config_setting_get_member(g, "track_processes");
		if (!found)
			conf_error(ctx, config_setting_get_elem(l, (unsigned)k),
			    "virtual_services[%s].track_processes[%zu].name: no "
			    "process tracker named '%s' in the top-level "
			    "track_processes", svc->name, k, conf_quote(
			    svc->track_procs[k], q, sizeof(q)));
	}
}

void
conf_lb_resolve(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < conf->nservices; i++) {
		struct conf_service *svc = &conf->services[i];
		const struct conf_instance *in;

		resolve_tracks(ctx, config_setting_get_elem(list, (unsigned)i),
		    conf, svc);
		if (svc->forwarding != CONF_LB_DR || svc->addr.family == 0)
			continue;
		if ((in = holder(conf, &svc->addr)) == NULL) {
			if (svc->interface[0] == '\0')
				conf_error(ctx, config_setting_get_elem(list,
				    (unsigned)i), "virtual_services[%s].interface: "
				    "missing: required with forwarding = \"dr\" "
				    "when no VRRP instance holds %s", svc->name,
				    addr_str(&svc->addr, a, sizeof(a)));
			snprintf(svc->dr_interface, sizeof(svc->dr_interface),
			    "%s", svc->interface);
			snprintf(svc->dr_ingress, sizeof(svc->dr_ingress), "%s",
			    svc->interface);
			continue;
		}
		snprintf(svc->dr_interface, sizeof(svc->dr_interface), "%s",
		    svc->interface[0] != '\0' ? svc->interface : in->interface);
		snprintf(svc->dr_ingress, sizeof(svc->dr_ingress), "%s",
		    in->interface);
		if (in->use_vmac) {
			/* RFC 5798 7.3: 00-00-5E-00-01-{VRID}, IPv6 -02-. */
			static const uint8_t pfx[4] = { 0x00, 0x00, 0x5e, 0x00 };

			memcpy(svc->dr_vmac, pfx, sizeof(pfx));
			svc->dr_vmac[4] = svc->addr.family == AF_INET6 ? 2 : 1;
			svc->dr_vmac[5] = in->vrid;
			svc->dr_has_vmac = true;
		}
	}
}

int
conf_check_copy(struct conf_check *to, const struct conf_check *from)
{
	*to = *from;
	to->ca_file = NULL;
	to->expect_body = NULL;
	to->path = to->host = NULL;
	memset(to->argv, 0, sizeof(to->argv));
	to->argc = 0;
	if (conf_check_copy_more(to, from) < 0) {
		conf_check_free_more(to);
		return -ENOMEM;
	}
	if ((from->ca_file != NULL && (to->ca_file = strdup(from->ca_file)) ==
	    NULL) || (from->expect_body != NULL && (to->expect_body =
	    strdup(from->expect_body)) == NULL) || (from->path != NULL &&
	    (to->path = strdup(from->path)) == NULL) || (from->host != NULL &&
	    (to->host = strdup(from->host)) == NULL)) {
		conf_check_free(to);
		return -ENOMEM;
	}
	for (size_t i = 0; i < from->argc; i++) {
		if ((to->argv[i] = strdup(from->argv[i])) == NULL) {
			conf_check_free(to);
			return -ENOMEM;
		}
		to->argc = i + 1;
	}
	return 0;
}

void
conf_check_free(struct conf_check *c)
{
	free(c->ca_file);
	c->ca_file = NULL;
	free(c->expect_body);
	c->expect_body = NULL;
	free(c->path);
	free(c->host);
	c->path = c->host = NULL;
	for (size_t i = 0; i < CONF_COMMAND_ARGS; i++) {
		free(c->argv[i]);
		c->argv[i] = NULL;
	}
	c->argc = 0;
	conf_check_free_more(c);
}

void
conf_script_free(struct conf_script *s)
{
	for (size_t i = 0; i < s->argc; i++)
		free(s->argv[i]);
	memset(s, 0, sizeof(*s));
}

int
conf_script_copy(struct conf_script *to, const struct conf_script *from)
{
	memset(to, 0, sizeof(*to));
	for (size_t i = 0; i < from->argc; i++) {
		if ((to->argv[i] = strdup(from->argv[i])) == NULL) {
			conf_script_free(to);
			return -ENOMEM;
		}
		to->argc = i + 1;
	}
	return 0;
}

bool
conf_script_equal(const struct conf_script *a, const struct conf_script *b)
{
	if (a->argc != b->argc)
		return false;
	for (size_t i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]) != 0)
			return false;
	return true;
}

int
conf_backend_copy(struct conf_backend *to, const struct conf_backend *from)
{
	*to = *from;
	memset(&to->notify_up, 0, sizeof(to->notify_up));
	memset(&to->notify_down, 0, sizeof(to->notify_down));
	if (conf_check_copy(&to->check, &from->check) < 0)
		return -ENOMEM;
	if (conf_script_copy(&to->notify_up, &from->notify_up) < 0 ||
	    conf_script_copy(&to->notify_down, &from->notify_down) < 0) {
		conf_backend_free(to);
		return -ENOMEM;
	}
	return 0;
}

void
conf_backend_free(struct conf_backend *b)
{
	conf_check_free(&b->check);
	conf_script_free(&b->notify_up);
	conf_script_free(&b->notify_down);
}

/*
 * Until quorum became a sum of weights it counted backends: with weights
 * all 1 both readings agree; otherwise an old file now means something
 * else, and vipd -t says what.
 */
size_t
conf_lb_warnings(const struct conf *conf, const char *path,
    void (*fn)(void *arg, const char *line), void *arg)
{
	char line[512], w[160];
	size_t n = 0, o;

	for (size_t i = 0; i < conf->nservices; i++) {
		const struct conf_service *svc = &conf->services[i];
		bool ones = true;

		for (size_t j = 0; j < svc->nbackends; j++)
			ones = ones && svc->backends[j].weight == 1;
		if (svc->quorum_line == 0 || ones)
			continue;
		o = 0;
		w[0] = '\0';
		for (size_t j = 0; j < svc->nbackends && o + 8 < sizeof(w); j++)
			o += (size_t)snprintf(w + o, sizeof(w) - o, "%s%u",
			    j > 0 ? "+" : "", svc->backends[j].weight);
		snprintf(line, sizeof(line), "%s:%d: warning: "
		    "virtual_services[%s].quorum: %u now means a sum of the "
		    "weights of the backends that are up (keepalived's "
		    "meaning; weights here %s), no longer a count of %u "
		    "backends up", path, svc->quorum_line, svc->name,
		    svc->quorum, w, svc->quorum);
		fn(arg, line);
		n++;
	}
	return n;
}

void
conf_lb_free(struct conf *conf)
{
	for (size_t i = 0; i < conf->nservices; i++) {
		for (size_t j = 0; conf->services[i].backends != NULL &&
		    j < conf->services[i].nbackends; j++)
			conf_backend_free(&conf->services[i].backends[j]);
		free(conf->services[i].backends);
		conf_script_free(&conf->services[i].quorum_up);
		conf_script_free(&conf->services[i].quorum_down);
	}
	free(conf->services);
	conf->services = NULL;
	conf->nservices = 0;
}

/* NULL (not set) equals only NULL. */
static bool
text_equal(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static bool
argv_equal(const struct conf_check *a, const struct conf_check *b)
{
	if (a->argc != b->argc)
		return false;
	for (size_t i = 0; i < a->argc; i++)
		if (!text_equal(a->argv[i], b->argv[i]))
			return false;
	return true;
}

bool
conf_check_equal(const struct conf_check *a, const struct conf_check *b)
{
	return a->type == b->type && a->port == b->port &&
	    a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	    a->rise == b->rise && a->fall == b->fall &&
	    text_equal(a->path, b->path) && text_equal(a->host, b->host) &&
	    a->expect_status == b->expect_status &&
	    text_equal(a->expect_body, b->expect_body) &&
	    a->verify == b->verify && text_equal(a->ca_file, b->ca_file) &&
	    argv_equal(a, b) && conf_check_equal_more(a, b);
}

bool
conf_service_equal(const struct conf_service *a, const struct conf_service *b)
{
	if (strcmp(a->name, b->name) != 0 || addr_cmp(&a->addr,
	    &b->addr) != 0 || a->port != b->port ||
	    a->protocol != b->protocol || a->scheduler != b->scheduler ||
	    a->persistence_s != b->persistence_s || a->quorum != b->quorum ||
	    a->has_sorry != b->has_sorry || a->nbackends != b->nbackends ||
	    a->tracked != b->tracked || a->track_weight != b->track_weight ||
	    a->hysteresis != b->hysteresis ||
	    !conf_script_equal(&a->quorum_up, &b->quorum_up) ||
	    !conf_script_equal(&a->quorum_down, &b->quorum_down) ||
	    a->forwarding != b->forwarding ||
	    strcmp(a->interface, b->interface) != 0 ||
	    strcmp(a->dr_interface, b->dr_interface) != 0 ||
	    strcmp(a->dr_ingress, b->dr_ingress) != 0 ||
	    a->dr_has_vmac != b->dr_has_vmac ||
	    a->ntrack_scripts != b->ntrack_scripts ||
	    a->ntrack_ifs != b->ntrack_ifs ||
	    a->ntrack_procs != b->ntrack_procs ||
	    memcmp(a->track_scripts, b->track_scripts,
	    sizeof(a->track_scripts)) != 0 ||
	    memcmp(a->track_ifs, b->track_ifs, sizeof(a->track_ifs)) != 0 ||
	    memcmp(a->track_procs, b->track_procs,
	    sizeof(a->track_procs)) != 0 ||
	    memcmp(a->dr_vmac, b->dr_vmac, sizeof(a->dr_vmac)) != 0)
		return false;
	if (a->has_sorry && (addr_cmp(&a->sorry_addr, &b->sorry_addr) !=
	    0 || a->sorry_port != b->sorry_port))
		return false;
	for (size_t i = 0; i < a->nbackends; i++) {
		const struct conf_backend *x = &a->backends[i], *y = &b->backends[i];

		if (addr_cmp(&x->addr, &y->addr) != 0 ||
		    x->port != y->port || x->weight != y->weight ||
		    !conf_check_equal(&x->check, &y->check) ||
		    !conf_script_equal(&x->notify_up, &y->notify_up) ||
		    !conf_script_equal(&x->notify_down, &y->notify_down))
			return false;
	}
	return true;
}

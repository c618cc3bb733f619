/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_conn_sync - the conn_sync section (see conf_conn_sync.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_conn_sync.h"
#include "conf/conf_keys.h"
#include "conf/conf_vrrp.h"

#define WHERE "conn_sync"
/* A key file is a few dozen bytes; anything this big is the wrong file. */
#define KEY_FILE_MAX_BYTES 4096

const char *const conf_conn_sync_keys[] = { "interface", "local", "peer",
	"port", "key_file", "follow", "socket_buffer_bytes", "links", "select",
	NULL };
const char *const conf_conn_sync_link_keys[] = { "interface", "local", "peer",
	NULL };
const char *const conf_conn_sync_select_keys[] = { "mark", "mask",
	"protocol", "source", "destination", "zone", NULL };

static void
load_addr(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, struct addr *out)
{
	char q[48];
	const char *v;
	int rc = conf_get_string(ctx, g, where, key, &v);

	if (rc == 0)
		conf_error(ctx, g, "%s.%s: required", where, key);
	if (rc > 0 && addr_parse(v, out) < 0)
		conf_error(ctx, config_setting_get_member(g, key),
		    "%s.%s: '%s' is not an IPv4 or IPv6 address", where, key,
		    conf_quote(v, q, sizeof(q)));
}

/* interface, local and peer of one link, from g (conn_sync or links[i]). */
static void
load_link(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_conn_sync_link *l)
{
	char q[48];
	const char *v;
	int rc = conf_get_string(ctx, g, where, "interface", &v);

	l->line = config_setting_source_line(g);
	if (rc == 0)
		conf_error(ctx, g, "%s.interface: required", where);
	else if (rc > 0 && (strlen(v) == 0 || strlen(v) >= sizeof(l->interface) ||
	    strchr(v, '/') != NULL || strchr(v, ' ') != NULL))
		conf_error(ctx, config_setting_get_member(g, "interface"),
		    "%s.interface: '%s' is not an interface name", where,
		    conf_quote(v, q, sizeof(q)));
	else if (rc > 0)
		snprintf(l->interface, sizeof(l->interface), "%s", v);
	load_addr(ctx, g, where, "local", &l->local);
	load_addr(ctx, g, where, "peer", &l->peer);
	if (l->local.family != 0 && l->peer.family != 0) {
		if (l->local.family != l->peer.family)
			conf_error(ctx, config_setting_get_member(g, "peer"),
			    "%s.peer: not of the same family as local", where);
		else if (addr_cmp(&l->local, &l->peer) == 0)
			conf_error(ctx, config_setting_get_member(g, "peer"),
			    "%s.peer: the same address as local", where);
	}
}

/*
 * What the links say together: no two to one peer over one interface, no
 * local address on two interfaces (links over one interface to several
 * nodes share it, and its socket), no peer that is one of our own addresses, and no
 * peer whose sender id is ours (each node drops datagrams with its own).
 */
static void
check_links(struct conf_ctx *ctx, const config_setting_t *g,
    const config_setting_t *list, struct conf_conn_sync *cs)
{
	char a[INET6_ADDRSTRLEN];
	uint32_t own_id = addr_id32(&cs->links[0].local);

	for (size_t i = 0; i < cs->nlinks; i++) {
		const struct conf_conn_sync_link *l = &cs->links[i];
		const config_setting_t *at = list != NULL ?
		    config_setting_get_elem(list, (unsigned)i) : g;
		const config_setting_t *peer_at = at != NULL ?
		    config_setting_get_member(at, "peer") : NULL;
		char where[CONF_WHERE_MAX];
		bool own = false;

		if (l->peer.family == 0 || l->local.family == 0)
			continue;
		if (list != NULL)
			snprintf(where, sizeof(where), WHERE ".links[%zu]", i);
		else
			snprintf(where, sizeof(where), WHERE);
		for (size_t k = 0; k < cs->nlinks; k++) {
			const struct conf_conn_sync_link *o = &cs->links[k];

			if (o->local.family != 0 &&
			    addr_cmp(&l->peer, &o->local) == 0 && k != i) {
				conf_error_line(ctx, (unsigned)l->line, "%s.peer: "
				    "%s is our own local address (links[%zu])",
				    where, addr_str(&l->peer, a, sizeof(a)), k);
				own = true;
				break;
			}
			if (k >= i)
				continue;
			if (addr_cmp(&l->peer, &o->peer) == 0 &&
			    strcmp(l->interface, o->interface) == 0)
				conf_error_line(ctx, (unsigned)l->line, "%s: a "
				    "second link to %s over %s (links[%zu]); "
				    "redundant links need other interfaces",
				    where, addr_str(&l->peer, a, sizeof(a)),
				    l->interface, k);
			/* Over one interface, links to several nodes share one. */
			if (addr_cmp(&l->local, &o->local) == 0 &&
			    strcmp(l->interface, o->interface) != 0)
				conf_error_line(ctx, (unsigned)l->line, "%s.local: "
				    "%s is links[%zu]'s already, on %s; a local "
				    "address serves links on one interface only",
				    where, addr_str(&l->local, a, sizeof(a)), k,
				    o->interface);
		}
		if (!own && addr_cmp(&l->local, &l->peer) != 0 &&
		    addr_id32(&l->peer) == own_id)
			conf_error(ctx, peer_at != NULL ? peer_at : at,
			    "%s.peer: hashes to the same sender id as %s "
			    "(lib/ctsync/ct_wire.h); use another address", where,
			    list != NULL ? "links[0].local" : "local");
	}
}

/* links = ( { interface; local; peer; }, ... ) */
static void
load_links(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf_conn_sync *cs)
{
	int n;

	if (!config_setting_is_list(list)) {
		conf_error(ctx, list, WHERE ".links: expected a list ( { ... }, "
		    "... )");
		return;
	}
	n = config_setting_length(list);
	if (n == 0) {
		conf_error(ctx, list, WHERE ".links: empty; name at least one link");
		return;
	}
	if (n > CONF_CONN_SYNC_LINKS_MAX) {
		conf_error(ctx, list, WHERE ".links: %d links; at most %d", n,
		    CONF_CONN_SYNC_LINKS_MAX);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list,
		    (unsigned)i);
		char where[CONF_WHERE_MAX];

		snprintf(where, sizeof(where), WHERE ".links[%d]", i);
		if (!config_setting_is_group(e)) {
			conf_error(ctx, e, "%s: expected a group { interface; "
			    "local; peer; }", where);
			continue;
		}
		conf_check_keys(ctx, e, where, conf_conn_sync_link_keys, NULL);
		load_link(ctx, e, where, &cs->links[cs->nlinks++]);
	}
}

/*
 * The key is the file's bytes less one trailing newline. Refused: a file
 * others may read (the key authenticates conntrack entries that steer
 * traffic), and keys too short for HMAC-SHA256 to mean anything.
 */
static void
load_key(struct conf_ctx *ctx, const config_setting_t *at,
    struct conf_conn_sync *cs)
{
	uint8_t buf[KEY_FILE_MAX_BYTES + 1];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	if ((fd = open(cs->key_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		conf_error(ctx, at, WHERE ".key_file: cannot open %s: %s",
		    cs->key_file, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		conf_error(ctx, at, WHERE ".key_file: %s is not a regular file",
		    cs->key_file);
		close(fd);
		return;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		conf_error(ctx, at, WHERE ".key_file: %s is world-%s (mode %04o); "
		    "allow only its owner and group (chmod o-rw)", cs->key_file,
		    st.st_mode & S_IROTH ? "readable" : "writable",
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		conf_error(ctx, at, WHERE ".key_file: cannot read %s: %s",
		    cs->key_file, strerror(errno));
		return;
	}
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len < CONF_CONN_SYNC_KEY_MIN) {
		conf_error(ctx, at, WHERE ".key_file: %s holds %zu bytes; the key "
		    "needs at least %d", cs->key_file, len, CONF_CONN_SYNC_KEY_MIN);
		return;
	}
	if (len > CONF_CONN_SYNC_KEY_MAX) {
		conf_error(ctx, at, WHERE ".key_file: %s holds more than %d bytes; "
		    "is it the right file?", cs->key_file, CONF_CONN_SYNC_KEY_MAX);
		return;
	}
	memcpy(cs->key, buf, len);
	cs->key_len = len;
}

/* follow names an instance or a sync group; instances are looked at first. */
static void
load_follow(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf *conf)
{
	struct conf_conn_sync *cs = &conf->conn_sync;
	char q[48];
	const char *v;
	int rc = conf_get_string(ctx, g, WHERE, "follow", &v);

	if (rc == 0)
		conf_error(ctx, g, WHERE ".follow: required (an instance or sync "
		    "group name)");
	if (rc <= 0)
		return;
	if (conf_find_instance(conf, v) != NULL) {
		snprintf(cs->follow, sizeof(cs->follow), "%s", v);
		return;
	}
	for (size_t i = 0; i < conf->nsync_groups; i++) {
		if (strcmp(conf->sync_groups[i].name, v) == 0) {
			snprintf(cs->follow, sizeof(cs->follow), "%s", v);
			cs->follow_is_group = true;
			return;
		}
	}
	conf_error(ctx, config_setting_get_member(g, "follow"),
	    WHERE ".follow: no instance or sync group named '%s'",
	    conf_quote(v, q, sizeof(q)));
}

static void load_select(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_conn_sync *cs);

void
conf_conn_sync_load(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf *conf)
{
	struct conf_conn_sync *cs = &conf->conn_sync;
	const config_setting_t *at, *links;
	long long port, bytes;
	char q[48];
	const char *v;
	int rc;

	memset(cs, 0, sizeof(*cs));
	cs->line = config_setting_source_line(g);
	cs->port = CONF_CONN_SYNC_DEFAULT_PORT;
	cs->socket_buffer_bytes = CONF_CONN_SYNC_SOCKBUF_DEFAULT_BYTES;
	if (!config_setting_is_group(g)) {
		conf_error(ctx, g, WHERE ": expected a group { ... }");
		return;
	}
	cs->enabled = true;
	conf_check_keys(ctx, g, WHERE, conf_conn_sync_keys, NULL);
	links = config_setting_get_member(g, "links");
	if (links != NULL) {
		static const char *const single[] = { "interface", "local", "peer" };

		for (size_t i = 0; i < 3; i++)
			if ((at = config_setting_get_member(g, single[i])) != NULL)
				conf_error(ctx, at, WHERE ".%s: give either links "
				    "or interface, local and peer", single[i]);
		load_links(ctx, links, cs);
	} else {
		load_link(ctx, g, WHERE, &cs->links[0]);
		cs->nlinks = 1;
	}
	check_links(ctx, g, links, cs);
	if (cs->nlinks > 0) {
		memcpy(cs->interface, cs->links[0].interface, sizeof(cs->interface));
		cs->local = cs->links[0].local;
		cs->peer = cs->links[0].peer;
	}
	if (conf_get_int(ctx, g, WHERE, "port", 1, 65535, &port) > 0)
		cs->port = (uint16_t)port;
	if (conf_get_int(ctx, g, WHERE, "socket_buffer_bytes",
	    CONF_CONN_SYNC_SOCKBUF_MIN_BYTES, CONF_CONN_SYNC_SOCKBUF_MAX_BYTES,
	    &bytes) > 0)
		cs->socket_buffer_bytes = (int)bytes;
	rc = conf_get_string(ctx, g, WHERE, "key_file", &v);
	at = config_setting_get_member(g, "key_file");
	if (rc == 0)
		conf_error(ctx, g, WHERE ".key_file: required");
	else if (rc > 0 && (v[0] != '/' || strlen(v) >= sizeof(cs->key_file)))
		conf_error(ctx, at, WHERE ".key_file: '%s' is not an absolute path",
		    conf_quote(v, q, sizeof(q)));
	else if (rc > 0) {
		snprintf(cs->key_file, sizeof(cs->key_file), "%s", v);
		load_key(ctx, at, cs);
	}
	load_follow(ctx, g, conf);
	load_select(ctx, g, cs);
}

/* "10.0.0.0/8", "2001:db8::/32" or an address alone (a host prefix). */
static bool
parse_prefix(const char *v, struct addr *out, uint8_t *len)
{
	char buf[64];
	const char *slash = strchr(v, '/');
	size_t alen, n = slash != NULL ? (size_t)(slash - v) : strlen(v);
	long bits;
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (addr_parse(buf, out) < 0)
		return false;
	alen = addr_len(out->family);
	bits = (long)alen * 8;
	if (slash != NULL) {
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || errno != 0 || bits < 0 ||
		    bits > (long)alen * 8)
			return false;
	}
	*len = (uint8_t)bits;
	/* Host bits given are zeroed, as a route's would be. */
	for (size_t i = 0; i < alen; i++) {
		long keep = bits - (long)i * 8;

		if (keep <= 0)
			out->bytes[i] = 0;
		else if (keep < 8)
			out->bytes[i] &= (uint8_t)(0xffu << (8 - keep));
	}
	return true;
}

static void
load_rule(struct conf_ctx *ctx, const config_setting_t *r, const char *where,
    struct conf_conn_sync_rule *rule)
{
	static const struct { const char *name; uint8_t proto; } protos[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "sctp", 132 }, { "icmp", 1 },
		{ "icmpv6", 58 } };
	long long mark, mask, zone;
	char q[48];
	const char *v;
	int rc;

	memset(rule, 0, sizeof(*rule));
	rule->line = config_setting_source_line(r);
	rule->mask = 0xffffffffu;
	conf_check_keys(ctx, r, where, conf_conn_sync_select_keys, NULL);
	if (conf_get_int(ctx, r, where, "mark", 0, 0xffffffffll, &mark) > 0) {
		rule->has_mark = true;
		rule->mark = (uint32_t)mark;
	}
	if (conf_get_int(ctx, r, where, "mask", 0, 0xffffffffll, &mask) > 0) {
		if (!rule->has_mark)
			conf_error(ctx, config_setting_get_member(r, "mask"),
			    "%s.mask: only with a mark", where);
		rule->mask = (uint32_t)mask;
	}
	if (conf_get_int(ctx, r, where, "zone", 0, 65535, &zone) > 0) {
		rule->has_zone = true;
		rule->zone = (uint16_t)zone;
	}
	if ((rc = conf_get_string(ctx, r, where, "protocol", &v)) > 0) {
		size_t i;

		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (strcmp(protos[i].name, v) == 0)
				break;
		if (i == sizeof(protos) / sizeof(protos[0]))
			conf_error(ctx, config_setting_get_member(r, "protocol"),
			    "%s.protocol: '%s' is not tcp, udp, sctp, icmp or "
			    "icmpv6", where, conf_quote(v, q, sizeof(q)));
		else
			rule->protocol = protos[i].proto;
	}
	if ((rc = conf_get_string(ctx, r, where, "source", &v)) > 0) {
		if (!parse_prefix(v, &rule->src, &rule->src_len))
			conf_error(ctx, config_setting_get_member(r, "source"),
			    "%s.source: '%s' is not an address or prefix "
			    "(ADDRESS/LENGTH)", where, conf_quote(v, q, sizeof(q)));
		else
			rule->has_src = true;
	}
	if ((rc = conf_get_string(ctx, r, where, "destination", &v)) > 0) {
		if (!parse_prefix(v, &rule->dst, &rule->dst_len))
			conf_error(ctx, config_setting_get_member(r, "destination"),
			    "%s.destination: '%s' is not an address or prefix "
			    "(ADDRESS/LENGTH)", where, conf_quote(v, q, sizeof(q)));
		else
			rule->has_dst = true;
	}
	if (rule->has_src && rule->has_dst &&
	    rule->src.family != rule->dst.family)
		conf_error(ctx, r, "%s: source and destination are of different "
		    "families", where);
	if (((rule->protocol == 1 && ((rule->has_src &&
	    rule->src.family != AF_INET) || (rule->has_dst &&
	    rule->dst.family != AF_INET))) || (rule->protocol == 58 &&
	    ((rule->has_src && rule->src.family != AF_INET6) ||
	    (rule->has_dst && rule->dst.family != AF_INET6)))))
		conf_error(ctx, r, "%s: protocol %s does not go with %s "
		    "addresses", where, rule->protocol == 1 ? "icmp" : "icmpv6",
		    rule->protocol == 1 ? "IPv6" : "IPv4");
	if (config_setting_length(r) == 0)
		conf_error(ctx, r, "%s: an empty rule (give mark, protocol, "
		    "source, destination or zone; every flow is select = \"all\")",
		    where);
}

/* select = "all" or ( { rule }, ... ). */
static void
load_select(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_conn_sync *cs)
{
	struct conf_conn_sync_select *sel = &cs->select;
	const config_setting_t *at = config_setting_get_member(g, "select");
	char where[CONF_WHERE_MAX], q[48];
	int n;

	if (at == NULL)
		return;
	sel->given = true;
	sel->line = config_setting_source_line(at);
	if (config_setting_type(at) == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(at);

		if (strcmp(v, "all") == 0)
			sel->all = true;
		else
			conf_error(ctx, at, WHERE ".select: '%s' is not \"all\" "
			    "or a list of rules ( { mark; mask; protocol; "
			    "source; destination; zone; }, ... )",
			    conf_quote(v, q, sizeof(q)));
		return;
	}
	if (!conf_is_list_of_groups(ctx, at, WHERE ".select"))
		return;
	n = config_setting_length(at);
	if (n == 0) {
		conf_error(ctx, at, WHERE ".select: an empty list (no flow "
		    "would be synced)");
		return;
	}
	if (n > CONF_CONN_SYNC_SELECT_MAX) {
		conf_error(ctx, at, WHERE ".select: %d rules, at most %d", n,
		    CONF_CONN_SYNC_SELECT_MAX);
		return;
	}
	for (int i = 0; i < n; i++) {
		snprintf(where, sizeof(where), WHERE ".select[%d]", i);
		load_rule(ctx, config_setting_get_elem(at, (unsigned)i), where,
		    &sel->rules[i]);
	}
	sel->nrules = (size_t)n;
}

static bool
rule_equal(const struct conf_conn_sync_rule *a,
    const struct conf_conn_sync_rule *b)
{
	return a->has_mark == b->has_mark && a->mark == b->mark &&
	    a->mask == b->mask && a->protocol == b->protocol &&
	    a->has_zone == b->has_zone && a->zone == b->zone &&
	    a->has_src == b->has_src && a->has_dst == b->has_dst &&
	    (!a->has_src || (addr_cmp(&a->src, &b->src) == 0 &&
	    a->src_len == b->src_len)) &&
	    (!a->has_dst || (addr_cmp(&a->dst, &b->dst) == 0 &&
	    a->dst_len == b->dst_len));
}

static bool
select_equal(const struct conf_conn_sync_select *a,
    const struct conf_conn_sync_select *b)
{
	if (a->given != b->given || a->all != b->all || a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

static bool
links_equal(const struct conf_conn_sync *a, const struct conf_conn_sync *b)
{
	if (a->nlinks != b->nlinks)
		return false;
	for (size_t i = 0; i < a->nlinks; i++)
		if (strcmp(a->links[i].interface, b->links[i].interface) != 0 ||
		    addr_cmp(&a->links[i].local, &b->links[i].local) != 0 ||
		    addr_cmp(&a->links[i].peer, &b->links[i].peer) != 0)
			return false;
	return true;
}

bool
conf_conn_sync_equal(const struct conf_conn_sync *a,
    const struct conf_conn_sync *b)
{
	return a->enabled == b->enabled &&
	    strcmp(a->interface, b->interface) == 0 &&
	    addr_cmp(&a->local, &b->local) == 0 &&
	    addr_cmp(&a->peer, &b->peer) == 0 && a->port == b->port &&
	    a->socket_buffer_bytes == b->socket_buffer_bytes &&
	    links_equal(a, b) &&
	    a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0 &&
	    strcmp(a->follow, b->follow) == 0 &&
	    a->follow_is_group == b->follow_is_group &&
	    select_equal(&a->select, &b->select);
}

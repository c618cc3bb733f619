/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_bfd - bfd_sessions, track_bfd and master_down_bfd (see conf_bfd.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_bfd.h"
#include "conf/conf_keys.h"
#include "conf/conf_util.h"

/* A key file holds at most 20 bytes; anything this big is the wrong file. */
#define KEY_FILE_MAX_BYTES 4096

const char *const conf_bfd_session_keys[] = { "name", "peer", "local",
	"interface", "min_tx_ms", "min_rx_ms", "multiplier", "authentication",
	NULL };
const char *const conf_bfd_auth_keys[] = { "type", "key_id", "key_file",
	NULL };
const char *const conf_track_bfd_keys[] = { "name", "weight", NULL };

/*
 * The key is the file's bytes less one trailing newline. Refused: a file
 * others may read or write (the key decides whether a packet can take a
 * session down), an empty key and one longer than RFC 5880 6.7.4 allows.
 */
static void
load_key(struct conf_ctx *ctx, const config_setting_t *at, const char *w,
    struct conf_bfd_session *s)
{
	uint8_t buf[KEY_FILE_MAX_BYTES + 1];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	if ((fd = open(s->key_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		conf_error(ctx, at, "%s.key_file: cannot open %s: %s", w,
		    s->key_file, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		conf_error(ctx, at, "%s.key_file: %s is not a regular file", w,
		    s->key_file);
		close(fd);
		return;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		conf_error(ctx, at, "%s.key_file: %s is world-%s (mode %04o); "
		    "allow only its owner and group (chmod o-rw)", w, s->key_file,
		    st.st_mode & S_IROTH ? "readable" : "writable",
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		conf_error(ctx, at, "%s.key_file: cannot read %s: %s", w,
		    s->key_file, strerror(errno));
		return;
	}
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0 || len > CONF_BFD_KEY_MAX) {
		conf_error(ctx, at, "%s.key_file: %s holds %zu bytes; a BFD SHA1 "
		    "key is 1 to %d bytes", w, s->key_file, len, CONF_BFD_KEY_MAX);
		memset(buf, 0, sizeof(buf));
		return;
	}
	memcpy(s->key, buf, len);
	s->key_len = len;
	memset(buf, 0, sizeof(buf));
}

static void
load_auth(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    struct conf_bfd_session *s)
{
	const config_setting_t *at;
	char w[CONF_WHERE_MAX + 96], q[48];
	const char *v;
	long long n;
	int r;

	snprintf(w, sizeof(w), "%s.authentication", where);
	if (!config_setting_is_group(g)) {
		conf_error(ctx, g, "%s: expected a group { type = \"sha1\"; ... }",
		    w);
		return;
	}
	conf_check_keys(ctx, g, w, conf_bfd_auth_keys, NULL);
	if ((r = conf_get_string(ctx, g, w, "type", &v)) == 0)
		conf_error(ctx, g, "%s.type: missing (required: \"sha1\" or "
		    "\"meticulous-sha1\")", w);
	else if (r > 0 && strcmp(v, "sha1") == 0)
		s->auth_type = CONF_BFD_AUTH_SHA1;
	else if (r > 0 && strcmp(v, "meticulous-sha1") == 0)
		s->auth_type = CONF_BFD_AUTH_METICULOUS_SHA1;
	else if (r > 0)
		conf_error(ctx, config_setting_get_member(g, "type"),
		    "%s.type: '%s' is not \"sha1\" or \"meticulous-sha1\"", w,
		    conf_quote(v, q, sizeof(q)));
	if ((r = conf_get_int(ctx, g, w, "key_id", 0, 255, &n)) == 0)
		conf_error(ctx, g, "%s.key_id: missing (required, 0..255)", w);
	else if (r > 0)
		s->key_id = (uint8_t)n;
	at = config_setting_get_member(g, "key_file");
	if ((r = conf_get_string(ctx, g, w, "key_file", &v)) == 0)
		conf_error(ctx, g, "%s.key_file: missing (required)", w);
	else if (r > 0 && (v[0] != '/' || strlen(v) >= sizeof(s->key_file)))
		conf_error(ctx, at, "%s.key_file: '%s' is not an absolute path", w,
		    conf_quote(v, q, sizeof(q)));
	else if (r > 0) {
		snprintf(s->key_file, sizeof(s->key_file), "%s", v);
		load_key(ctx, at, w, s);
	}
}

static bool
load_addr(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key, struct addr *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	char w[CONF_WHERE_MAX + 32], q[48];

	snprintf(w, sizeof(w), "%s.%s", where, key);
	if (s == NULL) {
		conf_error(ctx, g, "%s: missing (required)", w);
		return false;
	}
	if (!conf_get_addr(ctx, s, w, out, q, sizeof(q)))
		return false;
	if (!conf_addr_is_unicast(out)) {
		conf_error(ctx, s, "%s: '%s' is not a unicast host address", w, q);
		return false;
	}
	return true;
}

static bool
is_link_local6(const struct addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe &&
	    (a->bytes[1] & 0xc0) == 0x80;
}

static void
load_session(struct conf_ctx *ctx, const config_setting_t *g, int i,
    struct conf_bfd_session *s)
{
	char where[CONF_WHERE_MAX];
	const char *v;
	bool peer_ok, local_ok;
	long long n;

	snprintf(where, sizeof(where), "bfd_sessions[%d]", i);
	s->line = config_setting_source_line(g);
	s->min_tx_ms = s->min_rx_ms = CONF_BFD_DEFAULT_INTERVAL_MS;
	s->multiplier = CONF_BFD_DEFAULT_MULTIPLIER;
	conf_check_keys(ctx, g, where, conf_bfd_session_keys, NULL);
	if ((v = conf_get_entry_name(ctx, g, where, CONF_BFD_NAME_MAX)) != NULL) {
		snprintf(s->name, sizeof(s->name), "%s", v);
		snprintf(where, sizeof(where), "bfd_sessions[%s]", s->name);
	}
	peer_ok = load_addr(ctx, g, where, "peer", &s->peer);
	local_ok = load_addr(ctx, g, where, "local", &s->local);
	if (peer_ok && local_ok && s->peer.family != s->local.family)
		conf_error(ctx, config_setting_get_member(g, "local"),
		    "%s.local: not of the peer's address family", where);
	if (conf_get_string(ctx, g, where, "interface", &v) > 0) {
		if (v[0] == '\0' || strlen(v) >= sizeof(s->interface) ||
		    strchr(v, '/') != NULL)
			conf_error(ctx, config_setting_get_member(g, "interface"),
			    "%s.interface: not an interface name", where);
		else
			snprintf(s->interface, sizeof(s->interface), "%s", v);
	} else if (peer_ok && (is_link_local6(&s->peer) ||
	    (local_ok && is_link_local6(&s->local))))
		conf_error(ctx, g, "%s.interface: required with a link-local "
		    "address", where);
	if (conf_get_int(ctx, g, where, "min_tx_ms", 1,
	    CONF_BFD_INTERVAL_MAX_MS, &n) > 0)
		s->min_tx_ms = (uint32_t)n;
	if (conf_get_int(ctx, g, where, "min_rx_ms", 1,
	    CONF_BFD_INTERVAL_MAX_MS, &n) > 0)
		s->min_rx_ms = (uint32_t)n;
	if (conf_get_int(ctx, g, where, "multiplier", 1, 255, &n) > 0)
		s->multiplier = (uint8_t)n;
	if (config_setting_get_member(g, "authentication") != NULL)
		load_auth(ctx, config_setting_get_member(g, "authentication"),
		    where, s);
}

/* Names are unique, and so is what a packet is matched by (RFC 5881 3). */
static void
check_sessions(struct conf_ctx *ctx, const config_setting_t *list,
    const struct conf *conf)
{
	const struct conf_bfd_session *a, *b;
	char p[64];

	for (size_t i = 0; i < conf->nbfd_sessions; i++) {
		a = &conf->bfd_sessions[i];
		for (size_t j = 0; j < i; j++) {
			b = &conf->bfd_sessions[j];
			if (a->name[0] != '\0' && strcmp(a->name, b->name) == 0)
				conf_error(ctx, config_setting_get_elem(list,
				    (unsigned)i), "bfd_sessions[%s]: name already "
				    "used at line %d", a->name, b->line);
			else if (a->peer.family != 0 &&
			    addr_cmp(&a->peer, &b->peer) == 0 &&
			    addr_cmp(&a->local, &b->local) == 0 &&
			    strcmp(a->interface, b->interface) == 0)
				conf_error(ctx, config_setting_get_elem(list,
				    (unsigned)i), "bfd_sessions[%s]: a second "
				    "session to %s from the same address "
				    "(line %d)", a->name, addr_str(&a->peer, p,
				    sizeof(p)), b->line);
		}
	}
}

int
conf_bfd_sessions_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf)
{
	const config_setting_t *g;
	int len;

	if (!conf_is_list_of_groups(ctx, list, "bfd_sessions"))
		return 0;
	len = config_setting_length(list);
	if (len == 0)
		return 0;
	if (len > CONF_BFD_SESSIONS_MAX) {
		conf_error(ctx, list, "bfd_sessions: %d entries, at most %d", len,
		    CONF_BFD_SESSIONS_MAX);
		return 0;
	}
	if ((conf->bfd_sessions = calloc((size_t)len,
	    sizeof(*conf->bfd_sessions))) == NULL)
		return -ENOMEM;
	for (int i = 0; (g = config_setting_get_elem(list, (unsigned)i)) != NULL;
	    i++)
		load_session(ctx, g, i, &conf->bfd_sessions[conf->nbfd_sessions++]);
	check_sessions(ctx, list, conf);
	return 0;
}

static void
load_tracks(struct conf_ctx *ctx, const config_setting_t *list,
    const char *where, const struct conf *conf, struct conf_instance_bfd *b)
{
	const config_setting_t *e;
	char w[CONF_WHERE_MAX + 32], q[48];
	const char *v;
	long long n;
	size_t k;
	int r;

	snprintf(w, sizeof(w), "%s.track_bfd", where);
	if (!conf_is_list_of_groups(ctx, list, w))
		return;
	for (int i = 0; (e = config_setting_get_elem(list, (unsigned)i)) != NULL;
	    i++) {
		struct conf_track_bfd *t = &b->tracks[b->ntracks];

		snprintf(w, sizeof(w), "%s.track_bfd[%d]", where, i);
		if (b->ntracks == CONF_MAX_TRACKS) {
			conf_error(ctx, e, "%s: more than %d entries", w,
			    CONF_MAX_TRACKS);
			return;
		}
		conf_check_keys(ctx, e, w, conf_track_bfd_keys, NULL);
		if ((r = conf_get_int(ctx, e, w, "weight", -CONF_WEIGHT_MAX,
		    CONF_WEIGHT_MAX, &n)) > 0)
			t->weight = (int)n;
		if ((r = conf_get_string(ctx, e, w, "name", &v)) == 0)
			conf_error(ctx, e, "%s.name: missing (required)", w);
		if (r <= 0)
			continue;
		for (k = 0; k < conf->nbfd_sessions; k++)
			if (strcmp(conf->bfd_sessions[k].name, v) == 0)
				break;
		if (k == conf->nbfd_sessions) {
			conf_error(ctx, config_setting_get_member(e, "name"),
			    "%s.name: no bfd_sessions entry named '%s'", w,
			    conf_quote(v, q, sizeof(q)));
			continue;
		}
		for (size_t j = 0; j < b->ntracks; j++)
			if (b->tracks[j].session == k)
				conf_error(ctx, e, "%s.name: '%s' tracked twice", w,
				    conf_quote(v, q, sizeof(q)));
		snprintf(t->name, sizeof(t->name), "%s", v);
		t->session = k;
		b->ntracks++;
	}
}

void
conf_bfd_instance_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, const struct conf *conf, struct conf_instance_bfd *b)
{
	const config_setting_t *s;
	bool on;

	memset(b, 0, sizeof(*b));
	if ((s = config_setting_get_member(g, "track_bfd")) != NULL)
		load_tracks(ctx, s, where, conf, b);
	if (conf_get_bool(ctx, g, where, "master_down_bfd", &on) > 0) {
		b->master_down = on;
		if (on && conf->nbfd_sessions == 0)
			conf_error(ctx, config_setting_get_member(g,
			    "master_down_bfd"), "%s.master_down_bfd: no "
			    "bfd_sessions to watch the master with", where);
	}
}

bool
conf_bfd_session_same(const struct conf_bfd_session *a,
    const struct conf_bfd_session *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    addr_cmp(&a->peer, &b->peer) == 0 &&
	    addr_cmp(&a->local, &b->local) == 0 &&
	    strcmp(a->interface, b->interface) == 0 &&
	    a->multiplier == b->multiplier && a->auth_type == b->auth_type &&
	    a->key_id == b->key_id && a->key_len == b->key_len &&
	    memcmp(a->key, b->key, a->key_len) == 0;
}

bool
conf_bfd_session_equal(const struct conf_bfd_session *a,
    const struct conf_bfd_session *b)
{
	return conf_bfd_session_same(a, b) && a->min_tx_ms == b->min_tx_ms &&
	    a->min_rx_ms == b->min_rx_ms &&
	    strcmp(a->key_file, b->key_file) == 0;
}

bool
conf_bfd_instance_equal(const struct conf_instance_bfd *a,
    const struct conf_instance_bfd *b)
{
	if (a->ntracks != b->ntracks || a->master_down != b->master_down)
		return false;
	for (size_t i = 0; i < a->ntracks; i++)
		if (strcmp(a->tracks[i].name, b->tracks[i].name) != 0 ||
		    a->tracks[i].weight != b->tracks[i].weight)
			return false;
	return true;
}

void
conf_bfd_free(struct conf *conf)
{
	if (conf->bfd_sessions != NULL)
		memset(conf->bfd_sessions, 0, conf->nbfd_sessions *
		    sizeof(*conf->bfd_sessions));
	free(conf->bfd_sessions);
	conf->bfd_sessions = NULL;
	conf->nbfd_sessions = 0;
}

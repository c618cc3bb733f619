/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_conn_sync - the conn_sync section (see conf_conn_sync.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
	"port", "key_file", "follow", "socket_buffer_bytes", NULL };

static void
load_addr(struct conf_ctx *ctx, const config_setting_t *g, const char *key,
    struct addr *out)
{
	char q[48];
	const char *v;
	int rc = conf_get_string(ctx, g, WHERE, key, &v);

	if (rc == 0)
		conf_error(ctx, g, WHERE ".%s: required", key);
	if (rc > 0 && addr_parse(v, out) < 0)
		conf_error(ctx, config_setting_get_member(g, key),
		    WHERE ".%s: '%s' is not an IPv4 or IPv6 address", key,
		    conf_quote(v, q, sizeof(q)));
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

void
conf_conn_sync_load(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf *conf)
{
	struct conf_conn_sync *cs = &conf->conn_sync;
	const config_setting_t *at;
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
	rc = conf_get_string(ctx, g, WHERE, "interface", &v);
	if (rc == 0)
		conf_error(ctx, g, WHERE ".interface: required");
	else if (rc > 0 && (strlen(v) == 0 || strlen(v) >= sizeof(cs->interface) ||
	    strchr(v, '/') != NULL || strchr(v, ' ') != NULL))
		conf_error(ctx, config_setting_get_member(g, "interface"),
		    WHERE ".interface: '%s' is not an interface name",
		    conf_quote(v, q, sizeof(q)));
	else if (rc > 0)
		snprintf(cs->interface, sizeof(cs->interface), "%s", v);
	load_addr(ctx, g, "local", &cs->local);
	load_addr(ctx, g, "peer", &cs->peer);
	if (cs->local.family != 0 && cs->peer.family != 0) {
		if (cs->local.family != cs->peer.family)
			conf_error(ctx, config_setting_get_member(g, "peer"),
			    WHERE ".peer: not of the same family as local");
		else if (addr_cmp(&cs->local, &cs->peer) == 0)
			conf_error(ctx, config_setting_get_member(g, "peer"),
			    WHERE ".peer: the same address as local");
		/* Each node drops datagrams with its own sender id. */
		else if (addr_id32(&cs->local) == addr_id32(&cs->peer))
			conf_error(ctx, config_setting_get_member(g, "peer"),
			    WHERE ".peer: hashes to the same sender id as local "
			    "(lib/ctsync/ct_wire.h); use another address");
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
	    a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0 &&
	    strcmp(a->follow, b->follow) == 0 &&
	    a->follow_is_group == b->follow_is_group;
}

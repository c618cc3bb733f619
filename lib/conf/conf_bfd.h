/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_bfd - the BFD keys of the configuration: the top-level bfd_sessions
 * list, and per instance track_bfd and master_down_bfd.
 * The types are part of the model (conf.h includes this header); the
 * loaders are internal to the conf module (conf.c and conf_vrrp.c call
 * them).
 *
 * Owns: checking those keys (types, ranges, names, the key file's mode and
 * size) with "FILE:LINE: where.key: problem" messages, and the equality
 * the reload diff uses. Never does: open sockets or look at interfaces.
 */
#ifndef VIPD_CONF_BFD_H
#define VIPD_CONF_BFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "conf/conf_health.h"

#define CONF_BFD_NAME_MAX 64          /* session names, incl. NUL */
#define CONF_BFD_SESSIONS_MAX 1024
#define CONF_BFD_KEY_MAX 20           /* RFC 5880 6.7.4: up to 20 bytes */
#define CONF_BFD_DEFAULT_INTERVAL_MS 50
#define CONF_BFD_DEFAULT_MULTIPLIER 3
#define CONF_BFD_INTERVAL_MAX_MS 60000

/* Authentication type as on the wire (RFC 5880 4.1 Auth Type). */
enum conf_bfd_auth {
	CONF_BFD_AUTH_NONE = 0,
	CONF_BFD_AUTH_SHA1 = 4,            /* "sha1": keyed SHA1 */
	CONF_BFD_AUTH_METICULOUS_SHA1 = 5, /* "meticulous-sha1" */
};

/* One bfd_sessions entry. */
struct conf_bfd_session {
	char name[CONF_BFD_NAME_MAX];
	struct addr peer;                  /* required */
	struct addr local;                 /* required, same family as peer */
	char interface[16];                /* "" = none (SO_BINDTODEVICE when set) */
	uint32_t min_tx_ms;                /* default 50, 1..60000 */
	uint32_t min_rx_ms;                /* default 50, 1..60000 */
	uint8_t multiplier;                /* default 3, 1..255 */
	uint8_t auth_type;                 /* enum conf_bfd_auth */
	uint8_t key_id;                    /* 0..255 */
	char key_file[CONF_PATH_MAX];
	uint8_t key[CONF_BFD_KEY_MAX];     /* the key file's bytes */
	size_t key_len;                    /* 1..20 when auth_type is set */
	int line;
};

/* An instance's track_bfd entry. */
struct conf_track_bfd {
	char name[CONF_BFD_NAME_MAX];
	size_t session;                    /* index into conf->bfd_sessions */
	int weight;                        /* 0: FAULT while down */
};

/* An instance's BFD settings (inside struct conf_instance, no allocation). */
struct conf_instance_bfd {
	size_t ntracks;
	struct conf_track_bfd tracks[CONF_MAX_TRACKS];
	bool master_down;                  /* master_down_bfd, default false */
};

/* Same session (reload keeps it up), intervals aside. */
bool conf_bfd_session_same(const struct conf_bfd_session *a,
    const struct conf_bfd_session *b);
/* Everything equal but the line. */
bool conf_bfd_session_equal(const struct conf_bfd_session *a,
    const struct conf_bfd_session *b);
bool conf_bfd_instance_equal(const struct conf_instance_bfd *a,
    const struct conf_instance_bfd *b);

/* ---- loaders: for lib/conf/ only ------------------------------------------ */
struct conf;
struct conf_ctx;
struct config_setting_t;

/* The top-level bfd_sessions list into conf. 0 or -ENOMEM. */
int conf_bfd_sessions_load(struct conf_ctx *ctx,
    const struct config_setting_t *list, struct conf *conf);

/* An instance's track_bfd and master_down_bfd (after bfd_sessions). */
void conf_bfd_instance_load(struct conf_ctx *ctx,
    const struct config_setting_t *g, const char *where,
    const struct conf *conf, struct conf_instance_bfd *b);

void conf_bfd_free(struct conf *conf);

#endif

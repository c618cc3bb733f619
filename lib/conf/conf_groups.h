/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_groups - the sync_groups section: instances that change state
 * together, and their notify. The type is part of the model (conf.h
 * includes this header); the loader is internal to the conf module.
 *
 * Owns: checking that every member names a vrrp instance, once, in one
 * group only, with "FILE:LINE: where.key: problem" messages.
 */
#ifndef VIPD_CONF_GROUPS_H
#define VIPD_CONF_GROUPS_H

#include <stddef.h>

#include "conf/conf_health.h"

#define CONF_MAX_GROUP_MEMBERS 16

struct conf_sync_group {
	char name[CONF_TRACK_NAME_MAX];
	size_t nmembers;
	size_t members[CONF_MAX_GROUP_MEMBERS];   /* indices into conf->instances */
	struct conf_notify notify;
	int line;
};

/* ---- loader: for lib/conf/conf.c only ------------------------------------------- */
struct conf;
struct conf_ctx;
struct config_setting_t;

/* The top-level sync_groups list, after vrrp_instances. 0 or -ENOMEM. */
int conf_groups_load(struct conf_ctx *ctx,
    const struct config_setting_t *list, struct conf *conf);

/* The sync groups and their notify paths (called by conf_free). */
void conf_groups_free(struct conf *conf);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_groups - the sync_groups section (see conf_groups.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_groups.h"
#include "conf/conf_health.h"
#include "conf/conf_keys.h"
#include "conf/conf_util.h"

const char *const conf_group_keys[] = { "name", "members", "notify", NULL };

static size_t
find_instance(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->ninstances; i++)
		if (strcmp(conf->instances[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

static bool
member_of_group(const struct conf_sync_group *g, size_t idx)
{
	for (size_t k = 0; k < g->nmembers; k++)
		if (g->members[k] == idx)
			return true;
	return false;
}

/* Instance idx in a group before sg: one group per instance. */
static bool
member_of(const struct conf *conf, const struct conf_sync_group *sg, size_t idx,
    const struct conf_sync_group **other)
{
	for (size_t g = 0; g < conf->nsync_groups; g++) {
		if (&conf->sync_groups[g] != sg &&
		    member_of_group(&conf->sync_groups[g], idx)) {
			*other = &conf->sync_groups[g];
			return true;
		}
	}
	return false;
}

static void
load_members(struct conf_ctx *ctx, const config_setting_t *e, const char *where,
    const struct conf *conf, struct conf_sync_group *sg)
{
	const config_setting_t *m = config_setting_get_member(e, "members"), *a;
	const struct conf_sync_group *other;
	const char *v;
	char q[48];
	size_t idx;

	if (m == NULL) {
		conf_error(ctx, e, "%s.members: missing (required)", where);
		return;
	}
	if ((config_setting_type(m) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(m) != CONFIG_TYPE_LIST) ||
	    config_setting_length(m) < 1 ||
	    config_setting_length(m) > CONF_MAX_GROUP_MEMBERS) {
		conf_error(ctx, m, "%s.members: expected [ \"instance\", ... ] with "
		    "1..%d names", where, CONF_MAX_GROUP_MEMBERS);
		return;
	}
	for (int i = 0; (a = config_setting_get_elem(m, (unsigned)i)) != NULL; i++) {
		if (config_setting_type(a) != CONFIG_TYPE_STRING) {
			conf_error(ctx, a, "%s.members[%d]: expected a string",
			    where, i);
			continue;
		}
		v = config_setting_get_string(a);
		if ((idx = find_instance(conf, v)) == (size_t)-1) {
			conf_error(ctx, a, "%s.members[%d]: no vrrp instance named "
			    "'%s'", where, i, conf_quote(v, q, sizeof(q)));
			continue;
		}
		if (member_of(conf, sg, idx, &other)) {
			conf_error(ctx, a, "%s.members[%d]: '%s' is already a "
			    "member of sync group %s (line %d)", where, i, v,
			    other->name, other->line);
			continue;
		}
		if (member_of_group(sg, idx)) {
			conf_error(ctx, a, "%s.members[%d]: '%s' listed twice",
			    where, i, v);
			continue;
		}
		sg->members[sg->nmembers++] = idx;
	}
}

int
conf_groups_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf)
{
	const config_setting_t *e, *s;
	char where[CONF_WHERE_MAX];
	const char *name;
	size_t n;

	if (!conf_is_list_of_groups(ctx, list, "sync_groups"))
		return 0;
	if ((n = (size_t)config_setting_length(list)) == 0)
		return 0;
	if ((conf->sync_groups = calloc(n, sizeof(*conf->sync_groups))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct conf_sync_group *sg = &conf->sync_groups[i];

		conf->nsync_groups = i + 1;
		e = config_setting_get_elem(list, (unsigned)i);
		sg->line = (int)config_setting_source_line(e);
		sg->notify.timeout_ms = 10000;
		snprintf(where, sizeof(where), "sync_groups[%zu]", i);
		if ((name = conf_get_entry_name(ctx, e, where, CONF_TRACK_NAME_MAX)) != NULL) {
			snprintf(sg->name, sizeof(sg->name), "%s", name);
			snprintf(where, sizeof(where), "sync_groups[%s]", name);
			for (size_t j = 0; j < i; j++)
				if (strcmp(conf->sync_groups[j].name, name) == 0)
					conf_error(ctx, e, "%s.name: already the "
					    "name of the sync group at line %d",
					    where, conf->sync_groups[j].line);
		}
		conf_check_keys(ctx, e, where, conf_group_keys, NULL);
		load_members(ctx, e, where, conf, sg);
		if ((s = config_setting_get_member(e, "notify")) != NULL)
			conf_health_notify_load(ctx, s, where, &sg->notify);
	}
	return 0;
}

void
conf_groups_free(struct conf *conf)
{
	for (size_t i = 0; i < conf->nsync_groups; i++)
		conf_health_notify_free(&conf->sync_groups[i].notify);
	free(conf->sync_groups);
	conf->sync_groups = NULL;
}

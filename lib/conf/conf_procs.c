/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_procs - the top-level track_processes section (see conf_procs.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_procs.h"
#include "conf/conf_util.h"

const char *const conf_process_keys[] = { "name", "process", "args",
	"param_match", "quorum", "quorum_max", "delay_ms", "fork_delay_ms",
	"terminate_delay_ms", "weight", NULL };

/* A string key of e that fits in len, copied to out; false when absent. */
static bool
get_text(struct conf_ctx *ctx, const config_setting_t *e, const char *where,
    const char *key, char *out, size_t len)
{
	const char *v;

	if (conf_get_string(ctx, e, where, key, &v) <= 0)
		return false;
	if (strlen(v) >= len) {
		conf_error(ctx, config_setting_get_member(e, key),
		    "%s.%s: longer than %zu characters", where, key, len - 1);
		return false;
	}
	snprintf(out, len, "%s", v);
	return true;
}

static void
load_delays(struct conf_ctx *ctx, const config_setting_t *e, const char *where,
    struct conf_track_process *p)
{
	long long n;

	if (conf_get_int(ctx, e, where, "delay_ms", 0, 3600000, &n) > 0)
		p->fork_delay_ms = p->terminate_delay_ms = (uint32_t)n;
	if (conf_get_int(ctx, e, where, "fork_delay_ms", 0, 3600000, &n) > 0)
		p->fork_delay_ms = (uint32_t)n;
	if (conf_get_int(ctx, e, where, "terminate_delay_ms", 0, 3600000, &n) > 0)
		p->terminate_delay_ms = (uint32_t)n;
}

static void
load_quorum(struct conf_ctx *ctx, const config_setting_t *e, const char *where,
    struct conf_track_process *p)
{
	long long n;

	if (conf_get_int(ctx, e, where, "quorum", 1, CONF_PROC_QUORUM_MAX, &n) > 0)
		p->quorum = (uint32_t)n;
	if (conf_get_int(ctx, e, where, "quorum_max", 0, CONF_PROC_QUORUM_MAX,
	    &n) > 0)
		p->quorum_max = (uint32_t)n;
	if (p->quorum_max != 0 && p->quorum_max < p->quorum)
		conf_error(ctx, config_setting_get_member(e, "quorum_max"),
		    "%s.quorum_max: %u is below quorum %u", where, p->quorum_max,
		    p->quorum);
}

static void
load_process(struct conf_ctx *ctx, const config_setting_t *e, size_t index,
    struct conf_track_process *p)
{
	char where[CONF_WHERE_MAX], q[48];
	const char *name, *v;
	long long w;

	p->line = (int)config_setting_source_line(e);
	p->quorum = 1;
	snprintf(where, sizeof(where), "track_processes[%zu]", index);
	if ((name = conf_get_entry_name(ctx, e, where, sizeof(p->name))) != NULL) {
		snprintf(p->name, sizeof(p->name), "%s", name);
		snprintf(where, sizeof(where), "track_processes[%s]", name);
	}
	conf_check_keys(ctx, e, where, conf_process_keys, NULL);
	if (config_setting_get_member(e, "process") == NULL)
		conf_error(ctx, e, "%s.process: missing (required)", where);
	else if (get_text(ctx, e, where, "process", p->process,
	    sizeof(p->process)) && p->process[0] == '\0')
		conf_error(ctx, config_setting_get_member(e, "process"),
		    "%s.process: empty", where);
	p->has_args = get_text(ctx, e, where, "args", p->args, sizeof(p->args));
	if (conf_get_string(ctx, e, where, "param_match", &v) > 0) {
		if (strcmp(v, "initial") == 0)
			p->args_prefix = true;
		else if (strcmp(v, "exact") != 0)
			conf_error(ctx, config_setting_get_member(e,
			    "param_match"), "%s.param_match: '%s' is not "
			    "\"exact\" or \"initial\"", where,
			    conf_quote(v, q, sizeof(q)));
		else if (!p->has_args)
			conf_error(ctx, config_setting_get_member(e,
			    "param_match"), "%s.param_match: without args", where);
	}
	load_quorum(ctx, e, where, p);
	load_delays(ctx, e, where, p);
	if (conf_get_int(ctx, e, where, "weight", -254, 254, &w) > 0)
		p->weight = (int)w;
}

int
conf_procs_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf)
{
	size_t n;

	if (!conf_is_list_of_groups(ctx, list, "track_processes"))
		return 0;
	if ((n = (size_t)config_setting_length(list)) == 0)
		return 0;
	if ((conf->track_processes = calloc(n, sizeof(*conf->track_processes))) ==
	    NULL)
		return -ENOMEM;
	conf->ntrack_processes = n;
	for (size_t i = 0; i < n; i++)
		load_process(ctx, config_setting_get_elem(list, (unsigned)i), i,
		    &conf->track_processes[i]);
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			if (conf->track_processes[i].name[0] == '\0' ||
			    strcmp(conf->track_processes[i].name,
			    conf->track_processes[j].name) != 0)
				continue;
			conf_error(ctx, config_setting_get_elem(list, (unsigned)i),
			    "track_processes[%s].name: already the name of the "
			    "tracker at line %d", conf->track_processes[i].name,
			    conf->track_processes[j].line);
			break;
		}
	return 0;
}

int
conf_procs_find(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->ntrack_processes; i++)
		if (strcmp(conf->track_processes[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool
conf_procs_equal(const struct conf_track_process *a,
    const struct conf_track_process *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    strcmp(a->process, b->process) == 0 &&
	    strcmp(a->args, b->args) == 0 && a->has_args == b->has_args &&
	    a->args_prefix == b->args_prefix && a->quorum == b->quorum &&
	    a->quorum_max == b->quorum_max &&
	    a->fork_delay_ms == b->fork_delay_ms &&
	    a->terminate_delay_ms == b->terminate_delay_ms &&
	    a->weight == b->weight;
}

void
conf_procs_free(struct conf *conf)
{
	free(conf->track_processes);
	conf->track_processes = NULL;
	conf->ntrack_processes = 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_health - the health keys: track scripts, tracked interfaces and
 * files, notify scripts, global.notify_fifo (see conf_health.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_command.h"
#include "conf/conf_health.h"
#include "conf/conf_keys.h"
#include "conf/conf_names.h"
#include "conf/conf_vrrp.h"

const char *const conf_script_keys[] = { "name", "command", "interval_ms",
	"timeout_ms", "rise", "fall", NULL };
/* track_interfaces and track_scripts entries alike. */
const char *const conf_track_name_keys[] = { "name", "weight", NULL };
const char *const conf_track_file_keys[] = { "path", "weight", NULL };
const char *const conf_notify_keys[] = { "master", "backup", "fault",
	"stop", "any", "timeout_ms", NULL };

/* An absolute path that fits; reports and returns false otherwise. */
static bool
check_path(struct conf_ctx *ctx, const config_setting_t *s, const char *where,
    const char *key, const char *v)
{
	char q[48];

	if (v[0] != '/') {
		conf_error(ctx, s, "%s.%s: '%s' is not an absolute path", where,
		    key, conf_quote(v, q, sizeof(q)));
		return false;
	}
	if (strlen(v) >= CONF_PATH_MAX) {
		conf_error(ctx, s, "%s.%s: longer than %d characters", where, key,
		    CONF_PATH_MAX - 1);
		return false;
	}
	return true;
}

/*
 * A copy of v as long as it is, for the model (freed by conf_health_free);
 * NULL with ctx->nomem set when memory runs out.
 */
static char *
model_strdup(struct conf_ctx *ctx, const char *v)
{
	char *p = strdup(v);

	if (p == NULL)
		ctx->nomem = true;
	return p;
}

/* len entries of size each for one track list; NULL when len is 0. */
static void *
model_list(struct conf_ctx *ctx, int len, size_t size)
{
	void *p;

	if (len <= 0)
		return NULL;
	if ((p = calloc((size_t)len, size)) == NULL)
		ctx->nomem = true;
	return p;
}

/* ---- notify ------------------------------------------------------------- */

void
conf_health_notify_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_notify *n)
{
	char w[CONF_WHERE_MAX + 16];
	const char *v;
	long long t;

	n->timeout_ms = 10000;
	snprintf(w, sizeof(w), "%s.notify", where);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, g, "%s: expected a group { master = \"...\"; ... }",
		    w);
		return;
	}
	conf_check_keys(ctx, g, w, conf_notify_keys, NULL);
	for (int k = 0; k < CONF_NOTIFY__COUNT; k++) {
		if (conf_get_string(ctx, g, w, conf_names_notify_kinds[k], &v) <= 0)
			continue;
		if (check_path(ctx, config_setting_get_member(g, conf_names_notify_kinds[k]),
		    w, conf_names_notify_kinds[k], v))
			n->script[k] = model_strdup(ctx, v);
	}
	if (conf_get_int(ctx, g, w, "timeout_ms", 100, 600000, &t) > 0)
		n->timeout_ms = (uint32_t)t;
}

/* ---- top-level track_scripts -------------------------------------------- */

static void
load_command(struct conf_ctx *ctx, const config_setting_t *e, const char *where,
    struct conf_track_script *ts)
{
	const config_setting_t *c = config_setting_get_member(e, "command");
	const char *argv[CONF_COMMAND_ARGS];

	if (c == NULL) {
		conf_error(ctx, e, "%s.command: missing (required)", where);
		return;
	}
	ts->argc = conf_command_load(ctx, c, where, argv);
	for (size_t i = 0; i < ts->argc; i++)
		snprintf(ts->argv[i], sizeof(ts->argv[i]), "%s", argv[i]);
}

static void
load_script(struct conf_ctx *ctx, const config_setting_t *e, size_t index,
    struct conf_track_script *ts)
{
	char where[CONF_WHERE_MAX];
	const char *name;
	long long n;
	bool have_timeout = false;

	ts->line = (int)config_setting_source_line(e);
	ts->interval_ms = 1000;
	ts->rise = ts->fall = 1;
	snprintf(where, sizeof(where), "track_scripts[%zu]", index);
	if ((name = conf_get_entry_name(ctx, e, where, CONF_TRACK_NAME_MAX)) != NULL) {
		snprintf(ts->name, sizeof(ts->name), "%s", name);
		snprintf(where, sizeof(where), "track_scripts[%s]", name);
	}
	conf_check_keys(ctx, e, where, conf_script_keys, NULL);
	load_command(ctx, e, where, ts);
	if (conf_get_int(ctx, e, where, "interval_ms", 10, 3600000, &n) > 0)
		ts->interval_ms = (uint32_t)n;
	if (conf_get_int(ctx, e, where, "timeout_ms", 10, 3600000, &n) > 0) {
		ts->timeout_ms = (uint32_t)n;
		have_timeout = true;
	}
	if (!have_timeout)
		ts->timeout_ms = ts->interval_ms;
	if (conf_get_int(ctx, e, where, "rise", 1, 100, &n) > 0)
		ts->rise = (uint32_t)n;
	if (conf_get_int(ctx, e, where, "fall", 1, 100, &n) > 0)
		ts->fall = (uint32_t)n;
}

int
conf_health_scripts_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf)
{
	size_t n;

	if (!conf_is_list_of_groups(ctx, list, "track_scripts"))
		return 0;
	if ((n = (size_t)config_setting_length(list)) == 0)
		return 0;
	if ((conf->track_scripts = calloc(n, sizeof(*conf->track_scripts))) == NULL)
		return -ENOMEM;
	conf->ntrack_scripts = n;
	for (size_t i = 0; i < n; i++)
		load_script(ctx, config_setting_get_elem(list, (unsigned)i), i,
		    &conf->track_scripts[i]);
	for (size_t i = 1; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (conf->track_scripts[i].name[0] == '\0' ||
			    strcmp(conf->track_scripts[i].name,
			    conf->track_scripts[j].name) != 0)
				continue;
			conf_error(ctx, config_setting_get_elem(list, (unsigned)i),
			    "track_scripts[%s].name: already the name of the "
			    "script at line %d", conf->track_scripts[i].name,
			    conf->track_scripts[j].line);
			break;
		}
	}
	return 0;
}

void
conf_health_global_load(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_global *gl)
{
	const config_setting_t *u = config_setting_get_member(g, "script_user");
	const char *v;

	/* For the script checks' messages (lib/health/script_audit.c). */
	gl->script_user_line = config_setting_source_line(u != NULL ? u : g);
	if (conf_get_string(ctx, g, "global", "notify_fifo", &v) > 0 &&
	    check_path(ctx, config_setting_get_member(g, "notify_fifo"),
	    "global", "notify_fifo", v))
		snprintf(gl->notify_fifo, sizeof(gl->notify_fifo), "%s", v);
}

/* ---- per instance ------------------------------------------------------- */

/* The weight of entry e: -254..254, default def. */
static int
load_weight(struct conf_ctx *ctx, const config_setting_t *e, const char *where,
    int def)
{
	long long w;

	if (conf_get_int(ctx, e, where, "weight", -CONF_WEIGHT_MAX,
	    CONF_WEIGHT_MAX, &w) > 0)
		return (int)w;
	return def;
}

/*
 * Entry i of track list `list`: sets w to its where, reports unknown keys
 * and returns its required string `key`, or NULL when missing or wrong.
 */
static const char *
track_entry(struct conf_ctx *ctx, const config_setting_t *e, const char *where,
    const char *list, int i, const char *const *keys, const char *key,
    char *w, size_t wlen)
{
	const char *v;
	int r;

	snprintf(w, wlen, "%s.%s[%d]", where, list, i);
	conf_check_keys(ctx, e, w, keys, NULL);
	if ((r = conf_get_string(ctx, e, w, key, &v)) == 0)
		conf_error(ctx, e, "%s.%s: missing (required)", w, key);
	return r > 0 ? v : NULL;
}

static void
load_track_ifs(struct conf_ctx *ctx, const config_setting_t *list,
    const char *where, struct conf_instance_track *t)
{
	const config_setting_t *e;
	char w[CONF_WHERE_MAX + 32];
	const char *v;
	int weight;

	if ((t->ifs = model_list(ctx, config_setting_length(list),
	    sizeof(*t->ifs))) == NULL)
		return;
	for (int i = 0; (e = config_setting_get_elem(list, (unsigned)i)) != NULL &&
	    t->nifs < CONF_MAX_TRACKS; i++) {
		v = track_entry(ctx, e, where, "track_interfaces", i,
		    conf_track_name_keys, "name", w, sizeof(w));
		weight = load_weight(ctx, e, w, 0);
		if (v == NULL)
			continue;
		if (v[0] == '\0' || strlen(v) >= sizeof(t->ifs[0].name) ||
		    strchr(v, '/') != NULL) {
			conf_error(ctx, config_setting_get_member(e, "name"),
			    "%s.name: not an interface name", w);
			continue;
		}
		snprintf(t->ifs[t->nifs].name, sizeof(t->ifs[0].name), "%s", v);
		t->ifs[t->nifs++].weight = weight;
	}
}

/* track_scripts or track_processes (key) references into *refs. */
static void
load_track_refs(struct conf_ctx *ctx, const config_setting_t *list,
    const char *where, const char *key, struct conf_track_ref **refs,
    size_t *nrefs)
{
	const config_setting_t *e;
	char w[CONF_WHERE_MAX + 32];
	struct conf_track_ref *r;
	const char *v;

	if ((*refs = model_list(ctx, config_setting_length(list),
	    sizeof(**refs))) == NULL)
		return;
	for (int i = 0; (e = config_setting_get_elem(list, (unsigned)i)) != NULL &&
	    *nrefs < CONF_MAX_TRACKS; i++) {
		if ((v = track_entry(ctx, e, where, key, i,
		    conf_track_name_keys, "name", w, sizeof(w))) == NULL)
			continue;
		r = &(*refs)[(*nrefs)++];
		snprintf(r->name, CONF_TRACK_NAME_MAX, "%.63s", v);
		r->script = (size_t)-1;
		r->has_weight = config_setting_get_member(e, "weight") != NULL;
		r->weight = load_weight(ctx, e, w, 0);
	}
}

static void
load_track_files(struct conf_ctx *ctx, const config_setting_t *list,
    const char *where, struct conf_instance_track *t)
{
	const config_setting_t *e;
	char w[CONF_WHERE_MAX + 32];
	const char *v;

	if ((t->files = model_list(ctx, config_setting_length(list),
	    sizeof(*t->files))) == NULL)
		return;
	for (int i = 0; (e = config_setting_get_elem(list, (unsigned)i)) != NULL &&
	    t->nfiles < CONF_MAX_TRACKS; i++) {
		if ((v = track_entry(ctx, e, where, "track_files", i,
		    conf_track_file_keys, "path", w, sizeof(w))) == NULL ||
		    !check_path(ctx, config_setting_get_member(e, "path"), w,
		    "path", v))
			continue;
		if ((t->files[t->nfiles].path = model_strdup(ctx, v)) == NULL)
			return;
		t->files[t->nfiles++].weight = load_weight(ctx, e, w, 1);
	}
}

/* A track list: a list of groups, at most CONF_MAX_TRACKS. */
static const config_setting_t *
track_list(struct conf_ctx *ctx, const config_setting_t *g, const char *where,
    const char *key)
{
	const config_setting_t *list = config_setting_get_member(g, key);
	char w[CONF_WHERE_MAX + 32];

	if (list == NULL)
		return NULL;
	snprintf(w, sizeof(w), "%s.%s", where, key);
	if (!conf_is_list_of_groups(ctx, list, w))
		return NULL;
	if (config_setting_length(list) > CONF_MAX_TRACKS) {
		conf_error(ctx, list, "%s: more than %d entries", w,
		    CONF_MAX_TRACKS);
		return NULL;
	}
	return list;
}

void
conf_health_instance_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance_track *t)
{
	const config_setting_t *s;

	memset(t, 0, sizeof(*t));
	t->notify.timeout_ms = 10000;
	if ((s = track_list(ctx, g, where, "track_interfaces")) != NULL)
		load_track_ifs(ctx, s, where, t);
	if ((s = track_list(ctx, g, where, "track_scripts")) != NULL)
		load_track_refs(ctx, s, where, "track_scripts", &t->scripts,
		    &t->nscripts);
	if ((s = track_list(ctx, g, where, "track_processes")) != NULL)
		load_track_refs(ctx, s, where, "track_processes", &t->procs,
		    &t->nprocs);
	if ((s = track_list(ctx, g, where, "track_files")) != NULL)
		load_track_files(ctx, s, where, t);
	if ((s = config_setting_get_member(g, "notify")) != NULL)
		conf_health_notify_load(ctx, s, where, &t->notify);
}

/* ---- references --------------------------------------------------------- */

/* The setting of vrrp_instances[i].KEY[k], for its line. */
static const config_setting_t *
ref_setting(const config_setting_t *root, size_t i, const char *key, size_t k)
{
	const config_setting_t *s = config_setting_get_member(root, "vrrp_instances");

	if (s != NULL)
		s = config_setting_get_elem(s, (unsigned)i);
	if (s != NULL)
		s = config_setting_get_member(s, key);
	if (s != NULL)
		s = config_setting_get_elem(s, (unsigned)k);
	return s;
}

void
conf_health_resolve(struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	char q[48];

	for (size_t i = 0; i < conf->ninstances; i++) {
		struct conf_instance_track *t = &conf->instances[i].track;

		for (size_t k = 0; k < t->nscripts; k++) {
			struct conf_track_ref *ref = &t->scripts[k];

			for (size_t j = 0; j < conf->ntrack_scripts; j++)
				if (strcmp(conf->track_scripts[j].name, ref->name) == 0)
					ref->script = j;
			if (ref->script == (size_t)-1)
				conf_error(ctx, ref_setting(root, i,
				    "track_scripts", k),
				    "vrrp_instances[%s].track_scripts[%zu].name: "
				    "no track script named '%s' in the top-level "
				    "track_scripts", conf->instances[i].name, k,
				    conf_quote(ref->name, q, sizeof(q)));
		}
		for (size_t k = 0; k < t->nprocs; k++) {
			struct conf_track_ref *ref = &t->procs[k];
			int j = conf_procs_find(conf, ref->name);

			if (j < 0) {
				conf_error(ctx, ref_setting(root, i,
				    "track_processes", k),
				    "vrrp_instances[%s].track_processes[%zu].name: "
				    "no process tracker named '%s' in the top-level "
				    "track_processes", conf->instances[i].name, k,
				    conf_quote(ref->name, q, sizeof(q)));
				continue;
			}
			ref->script = (size_t)j;
			if (!ref->has_weight)
				ref->weight = conf->track_processes[j].weight;
		}
	}
}

void
conf_health_notify_free(struct conf_notify *n)
{
	for (int k = 0; k < CONF_NOTIFY__COUNT; k++) {
		free(n->script[k]);
		n->script[k] = NULL;
	}
}

void
conf_health_free(struct conf *conf)
{
	for (size_t i = 0; i < conf->ninstances; i++) {
		struct conf_instance_track *t = &conf->instances[i].track;

		for (size_t k = 0; k < t->nfiles; k++)
			free(t->files[k].path);
		free(t->ifs);
		free(t->scripts);
		free(t->procs);
		free(t->files);
		conf_health_notify_free(&t->notify);
		memset(t, 0, sizeof(*t));
	}
	free(conf->track_scripts);
	conf->track_scripts = NULL;
}

/* Both none, or the same path. */
static bool
same_path(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

bool
conf_health_instance_equal(const struct conf_instance_track *a,
    const struct conf_instance_track *b)
{
	/* Field by field: struct copies need not keep padding bytes. */
	if (a->nifs != b->nifs || a->nscripts != b->nscripts ||
	    a->nfiles != b->nfiles || a->nprocs != b->nprocs ||
	    a->notify.timeout_ms != b->notify.timeout_ms)
		return false;
	for (size_t i = 0; i < a->nifs; i++)
		if (strcmp(a->ifs[i].name, b->ifs[i].name) != 0 ||
		    a->ifs[i].weight != b->ifs[i].weight)
			return false;
	for (size_t i = 0; i < a->nscripts; i++)
		if (strcmp(a->scripts[i].name, b->scripts[i].name) != 0 ||
		    a->scripts[i].weight != b->scripts[i].weight)
			return false;
	for (size_t i = 0; i < a->nprocs; i++)
		if (strcmp(a->procs[i].name, b->procs[i].name) != 0 ||
		    a->procs[i].weight != b->procs[i].weight)
			return false;
	for (size_t i = 0; i < a->nfiles; i++)
		if (!same_path(a->files[i].path, b->files[i].path) ||
		    a->files[i].weight != b->files[i].weight)
			return false;
	for (int k = 0; k < CONF_NOTIFY__COUNT; k++)
		if (!same_path(a->notify.script[k], b->notify.script[k]))
			return false;
	return true;
}

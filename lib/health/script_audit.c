/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script_audit - the scripts of a configuration, audited (see script_audit.h).
 */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf_names.h"
#include "health/script_audit.h"
#include "os/script.h"
#include "os/script_sec.h"

static void __attribute__((format(printf, 4, 5)))
audit_error(struct conf_errors *errs, const struct conf *conf, int line,
    const char *fmt, ...)
{
	char msg[CONF_ERROR_LEN];
	va_list ap;

	errs->count++;
	if (errs->stored >= CONF_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(errs->msg[errs->stored++], CONF_ERROR_LEN,
		    "%.200s:%d: %.290s", conf->path, line, msg);
	else
		snprintf(errs->msg[errs->stored++], CONF_ERROR_LEN,
		    "%.200s: %.300s", conf->path, msg);
}

static size_t
audit_script(struct conf_errors *errs, const struct conf *conf, int line,
    const char *where, const char *path)
{
	char why[SCRIPT_WHY_MAX];

	if (script_sec_check(path, NULL, why, sizeof(why)) !=
	    SCRIPT_SEC_INSECURE)
		return 0;
	audit_error(errs, conf, line, "%s: %s refused: %s", where, path, why);
	return 1;
}

static size_t
audit_notify(struct conf_errors *errs, const struct conf *conf, int line,
    const char *owner, const struct conf_notify *n)
{
	char where[CONF_NAME_MAX + 64];
	size_t added = 0;

	for (int k = 0; k < CONF_NOTIFY__COUNT; k++) {
		if (n->script[k] == NULL)
			continue;
		snprintf(where, sizeof(where), "%s.notify.%s", owner,
		    conf_names_notify_kind((enum conf_notify_kind)k));
		added += audit_script(errs, conf, line, where, n->script[k]);
	}
	return added;
}

static bool
audit_is_script(const struct conf_check *c)
{
	return c->type == CONF_CHECK_SCRIPT && c->argc > 0;
}

/*
 * The programs of one service already audited: one error per program and
 * service, not one per backend (or script kind) that shares it.
 */
struct audit_seen {
	const char *path[2 + 3 * CONF_LB_MAX_BACKENDS];
	size_t n;
};

static bool
audit_first_time(struct audit_seen *seen, const char *path)
{
	for (size_t k = 0; k < seen->n; k++)
		if (strcmp(seen->path[k], path) == 0)
			return false;
	if (seen->n < sizeof(seen->path) / sizeof(seen->path[0]))
		seen->path[seen->n++] = path;
	return true;
}

/* A balancer script (quorum_up, notify_down, ...): its program, argv[0]. */
static size_t
audit_lb_script(struct conf_errors *errs, const struct conf *conf,
    const struct conf_service *svc, struct audit_seen *seen,
    const char *owner, const char *key, const struct conf_script *s)
{
	char where[CONF_LB_NAME_MAX + 96];

	if (s->argc == 0 || !audit_first_time(seen, s->argv[0]))
		return 0;
	snprintf(where, sizeof(where), "virtual_services[%s].%s%s[0]",
	    svc->name, owner, key);
	return audit_script(errs, conf, svc->line, where, s->argv[0]);
}

/*
 * The balancer's programs, by the same rule as a track script's: each
 * backend's script check (check.command), notify_up and notify_down, and
 * the service's quorum_up and quorum_down.
 */
static size_t
audit_services(struct conf_errors *errs, const struct conf *conf)
{
	struct audit_seen seen;
	char owner[64];
	size_t added = 0;

	for (size_t i = 0; i < conf->nservices; i++) {
		const struct conf_service *svc = &conf->services[i];

		seen.n = 0;
		for (size_t j = 0; j < svc->nbackends; j++) {
			const struct conf_backend *b = &svc->backends[j];
			struct conf_script cmd = { 0 };

			snprintf(owner, sizeof(owner), "backends[%zu].", j);
			if (audit_is_script(&b->check)) {
				cmd.argc = 1;
				cmd.argv[0] = b->check.argv[0];
			}
			added += audit_lb_script(errs, conf, svc, &seen, owner,
			    "check.command", &cmd);
			added += audit_lb_script(errs, conf, svc, &seen, owner,
			    "notify_up", &b->notify_up);
			added += audit_lb_script(errs, conf, svc, &seen, owner,
			    "notify_down", &b->notify_down);
		}
		added += audit_lb_script(errs, conf, svc, &seen, "",
		    "quorum_up", &svc->quorum_up);
		added += audit_lb_script(errs, conf, svc, &seen, "",
		    "quorum_down", &svc->quorum_down);
	}
	return added;
}

size_t
script_audit_conf(const struct conf *conf, struct conf_errors *errs)
{
	char owner[CONF_NAME_MAX + 32];
	size_t added = 0;
	char why[SCRIPT_WHY_MAX];

	if (script_user_check(conf->global.script_user,
	    getpwnam(conf->global.script_user), why, sizeof(why)) < 0) {
		audit_error(errs, conf, conf->global.script_user_line,
		    "global.script_user: %s", why);
		added++;
	}
	for (size_t i = 0; i < conf->ntrack_scripts; i++) {
		const struct conf_track_script *s = &conf->track_scripts[i];

		snprintf(owner, sizeof(owner), "track_scripts[%s].command[0]",
		    s->name);
		if (s->argc > 0)
			added += audit_script(errs, conf, s->line, owner, s->argv[0]);
	}
	for (size_t i = 0; i < conf->ninstances; i++) {
		snprintf(owner, sizeof(owner), "vrrp_instances[%s]",
		    conf->instances[i].name);
		added += audit_notify(errs, conf, conf->instances[i].line, owner,
		    &conf->instances[i].track.notify);
	}
	for (size_t i = 0; i < conf->nsync_groups; i++) {
		snprintf(owner, sizeof(owner), "sync_groups[%s]",
		    conf->sync_groups[i].name);
		added += audit_notify(errs, conf, conf->sync_groups[i].line, owner,
		    &conf->sync_groups[i].notify);
	}
	return added + audit_services(errs, conf);
}

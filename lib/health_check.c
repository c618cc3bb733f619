/*
 * health_check - the script checks of a configuration (see health.h).
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "script_sec.h"

static void __attribute__((format(printf, 4, 5)))
hc_error(struct conf_errors *errs, const struct conf *conf, int line,
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
hc_script(struct conf_errors *errs, const struct conf *conf, int line,
    const char *where, const char *path)
{
	char why[SCRIPT_WHY_MAX];

	if (script_sec_check(path, NULL, NULL, why, sizeof(why)) !=
	    SCRIPT_SEC_INSECURE)
		return 0;
	hc_error(errs, conf, line, "%s: %s refused: %s", where, path, why);
	return 1;
}

static size_t
hc_notify(struct conf_errors *errs, const struct conf *conf, int line,
    const char *owner, const struct conf_notify *n)
{
	char where[CONF_NAME_MAX + 64];
	size_t added = 0;

	for (int k = 0; k < CONF_NOTIFY__COUNT; k++) {
		if (n->script[k][0] == '\0')
			continue;
		snprintf(where, sizeof(where), "%s.notify.%s", owner,
		    conf_notify_kind_name((enum conf_notify_kind)k));
		added += hc_script(errs, conf, line, where, n->script[k]);
	}
	return added;
}

size_t
health_check_scripts(const struct conf *conf, struct conf_errors *errs)
{
	char owner[CONF_NAME_MAX + 32];
	size_t added = 0;

	errno = 0;
	if (getpwnam(conf->global.script_user) == NULL) {
		hc_error(errs, conf, 0, "global.script_user: no user named '%s' "
		    "on this system", conf->global.script_user);
		added++;
	}
	for (size_t i = 0; i < conf->ntrack_scripts; i++) {
		const struct conf_track_script *s = &conf->track_scripts[i];

		snprintf(owner, sizeof(owner), "track_scripts[%s].command[0]",
		    s->name);
		if (s->argc > 0)
			added += hc_script(errs, conf, s->line, owner, s->argv[0]);
	}
	for (size_t i = 0; i < conf->ninstances; i++) {
		snprintf(owner, sizeof(owner), "vrrp_instances[%s]",
		    conf->instances[i].name);
		added += hc_notify(errs, conf, conf->instances[i].line, owner,
		    &conf->instances[i].track.notify);
	}
	for (size_t i = 0; i < conf->nsync_groups; i++) {
		snprintf(owner, sizeof(owner), "sync_groups[%s]",
		    conf->sync_groups[i].name);
		added += hc_notify(errs, conf, conf->sync_groups[i].line, owner,
		    &conf->sync_groups[i].notify);
	}
	return added;
}

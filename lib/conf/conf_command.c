/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_command - the argv of a program to run (see conf_command.h).
 */
#include <string.h>

#include <libconfig.h>

#include "conf/conf_command.h"
#include "conf/conf_util.h"
#include "os/script.h"

_Static_assert(CONF_COMMAND_ARGS < SCRIPT_MAX_ARGS,
    "the script runner must take every command the config accepts");

/* One element: a string that fits, the first an absolute path. */
static bool
command_arg_ok(struct conf_ctx *ctx, const config_setting_t *a,
    const char *where, const char *key, int i)
{
	const char *v;
	char q[48];

	if (config_setting_type(a) != CONFIG_TYPE_STRING) {
		conf_error(ctx, a, "%s.%s[%d]: expected a string", where, key,
		    i);
		return false;
	}
	v = config_setting_get_string(a);
	if (i == 0 && v[0] != '/') {
		conf_error(ctx, a, "%s.%s[0]: '%s' is not an absolute path",
		    where, key, conf_quote(v, q, sizeof(q)));
		return false;
	}
	if (strlen(v) >= CONF_COMMAND_ARG_MAX) {
		conf_error(ctx, a, "%s.%s[%d]: longer than %d characters",
		    where, key, i, CONF_COMMAND_ARG_MAX - 1);
		return false;
	}
	return true;
}

size_t
conf_command_load(struct conf_ctx *ctx, const config_setting_t *s,
    const char *where, const char *argv[CONF_COMMAND_ARGS])
{
	return conf_command_load_key(ctx, s, where, "command", argv);
}

size_t
conf_command_load_key(struct conf_ctx *ctx, const config_setting_t *s,
    const char *where, const char *key, const char *argv[CONF_COMMAND_ARGS])
{
	int n;

	if ((config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) ||
	    (n = config_setting_length(s)) == 0) {
		conf_error(ctx, s, "%s.%s: expected [ \"/path\", \"arg\", ... ]",
		    where, key);
		return 0;
	}
	if (n > CONF_COMMAND_ARGS) {
		conf_error(ctx, s, "%s.%s: more than %d arguments", where,
		    key, CONF_COMMAND_ARGS);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *a = config_setting_get_elem(s, (unsigned)i);

		if (!command_arg_ok(ctx, a, where, key, i))
			return 0;
		argv[i] = config_setting_get_string(a);
	}
	return (size_t)n;
}

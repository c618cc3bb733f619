/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_command - `command = [ "/path", "arg", ... ]`, the one parser for
 * every key that names a program to run (track_scripts, script checks of
 * virtual_services): an argv list that no shell ever parses.
 *
 * Limits, the same for every such key: 1..CONF_COMMAND_ARGS strings
 * (program included), each of at most CONF_COMMAND_ARG_MAX - 1
 * characters; the first an absolute path. The script runner takes up to
 * SCRIPT_MAX_ARGS (lib/os/script.h), more than these.
 */
#ifndef VIPD_CONF_COMMAND_H
#define VIPD_CONF_COMMAND_H

#include <stddef.h>

#define CONF_COMMAND_ARGS 16         /* argv entries, argv[0] included */
#define CONF_COMMAND_ARG_MAX 256     /* bytes of each, NUL included */

struct conf_ctx;
struct config_setting_t;

/*
 * Check setting s (the "command" key of `where`) and point argv at its
 * strings (in the libconfig tree: copy them before it goes). Returns their
 * count, or 0 after reporting why not with FILE:LINE.
 */
size_t conf_command_load(struct conf_ctx *ctx,
    const struct config_setting_t *s, const char *where,
    const char *argv[CONF_COMMAND_ARGS]);

/* The same for a key of another name (quorum_up, notify_down, ...). */
size_t conf_command_load_key(struct conf_ctx *ctx,
    const struct config_setting_t *s, const char *where, const char *key,
    const char *argv[CONF_COMMAND_ARGS]);

#endif

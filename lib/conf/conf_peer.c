/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_peer - global.peer_filter = ( "ADDRESS", ... ).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf_peer.h"
#include "base/addr.h"

/* One element: 1 and *out when usable and new, else 0 after the error. */
static int
peer_load_one(struct conf_ctx *ctx, const config_setting_t *e, int i,
    const struct conf_global *gl, struct addr *out)
{
	char where[40];
	char q[48];

	snprintf(where, sizeof(where), "global.peer_filter[%d]", i);
	if (!conf_get_addr(ctx, e, where, out, q, sizeof(q)))
		return 0;
	if (!conf_addr_is_unicast(out)) {
		conf_error(ctx, e, "global.peer_filter[%d]: '%s' is not a unicast "
		    "address", i, q);
		return 0;
	}
	for (size_t j = 0; j < gl->npeer_filter; j++) {
		if (addr_cmp(&gl->peer_filter[j], out) == 0) {
			conf_error(ctx, e, "global.peer_filter[%d]: '%s' is "
			    "already in the list", i, q);
			return 0;
		}
	}
	return 1;
}

void
conf_peer_filter_load(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_global *gl)
{
	const config_setting_t *s = config_setting_get_member(g, "peer_filter");
	struct addr a;
	int len;

	if (s == NULL)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		conf_error(ctx, s, "global.peer_filter: expected a list ( ... ) "
		    "of addresses");
		return;
	}
	if ((len = config_setting_length(s)) == 0 || len > CONF_PEER_FILTER_MAX) {
		conf_error(ctx, s, "global.peer_filter: %d addresses, 1..%d are "
		    "allowed (omit the key for no filter)", len,
		    CONF_PEER_FILTER_MAX);
		return;
	}
	for (int i = 0; i < len; i++)
		if (peer_load_one(ctx, config_setting_get_elem(s, (unsigned)i), i,
		    gl, &a))
			gl->peer_filter[gl->npeer_filter++] = a;
}

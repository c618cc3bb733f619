/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_unicast - unicast_src and unicast_peers of one instance.
 *
 * keepalived's model: with peers the instance sends each advert to every
 * peer instead of the multicast group, and takes adverts only from them.
 * The source defaults to the interface's primary address (IPv6: its
 * link-local one), which is also the tie-break address (RFC 5798 6.4.3).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf_unicast.h"
#include "base/addr.h"

static const char *
family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * One address of setting s, named ew in messages: 1 when it is a unicast
 * address of in's family (in *out), 0 after reporting why not.
 */
static int
load_addr(struct conf_ctx *ctx, const config_setting_t *s, const char *ew,
    const struct conf_instance *in, struct addr *out)
{
	char q[48];

	if (!conf_get_addr(ctx, s, ew, out, q, sizeof(q)))
		return 0;
	/* RFC 5798 5.1: adverts travel over the family of the VIPs. */
	if (out->family != in->family) {
		conf_error(ctx, s, "%s: '%s' is %s but the instance's addresses "
		    "are %s: one family per instance", ew, q,
		    family_name(out->family), family_name(in->family));
		return 0;
	}
	if (!conf_addr_is_unicast(out)) {
		conf_error(ctx, s, "%s: '%s' is not a unicast address", ew, q);
		return 0;
	}
	return 1;
}

static bool
has_peer(const struct addr *peers, size_t n, const struct addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (addr_cmp(&peers[i], a) == 0)
			return true;
	return false;
}

/* unicast_peers = ( "A", ... ): 1..CONF_MAX_PEERS distinct addresses. */
static void
load_peers(struct conf_ctx *ctx, const config_setting_t *s, const char *where,
    struct conf_instance *in, const struct addr *src)
{
	struct addr peers[CONF_MAX_PEERS], a;
	char ew[CONF_WHERE_MAX + 32], text[INET6_ADDRSTRLEN];
	size_t n = 0;
	int len;
	bool ok = true;

	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		conf_error(ctx, s, "%s.unicast_peers: expected a list ( ... ) "
		    "of addresses", where);
		return;
	}
	if ((len = config_setting_length(s)) == 0 || len > CONF_MAX_PEERS) {
		conf_error(ctx, s, "%s.unicast_peers: %d peers, 1..%d are "
		    "allowed (omit the key for multicast)", where, len,
		    CONF_MAX_PEERS);
		return;
	}
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
		    (unsigned)i);

		snprintf(ew, sizeof(ew), "%s.unicast_peers[%d]", where, i);
		if (!load_addr(ctx, e, ew, in, &a)) {
			ok = false;
			continue;
		}
		addr_str(&a, text, sizeof(text));
		if (has_peer(peers, n, &a)) {
			conf_error(ctx, e, "%s: %s is already in the list", ew,
			    text);
			ok = false;
		} else if (src != NULL && addr_cmp(src, &a) == 0) {
			conf_error(ctx, e, "%s: %s is unicast_src, our own "
			    "address, not a peer", ew, text);
			ok = false;
		} else
			peers[n++] = a;
	}
	if (!ok)
		return;
	if ((in->peers = malloc(n * sizeof(peers[0]))) == NULL) {
		ctx->nomem = true;
		return;
	}
	memcpy(in->peers, peers, n * sizeof(peers[0]));
	in->npeers = n;
}

void
conf_unicast_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance *in)
{
	const config_setting_t *src = config_setting_get_member(g, "unicast_src");
	const config_setting_t *peers = config_setting_get_member(g,
	    "unicast_peers");
	char ew[CONF_WHERE_MAX + 32];
	struct addr a;
	bool src_ok = false;

	if (src != NULL) {
		snprintf(ew, sizeof(ew), "%s.unicast_src", where);
		src_ok = load_addr(ctx, src, ew, in, &a) == 1;
		/* A source for multicast adverts too would be a second meaning. */
		if (src_ok && peers == NULL) {
			conf_error(ctx, src, "%s: needs unicast_peers (omit "
			    "both for multicast)", ew);
			src_ok = false;
		}
	}
	if (peers != NULL)
		load_peers(ctx, peers, where, in, src_ok ? &a : NULL);
	if (src_ok) {
		in->have_unicast_src = true;
		in->unicast_src = a;
	}
}

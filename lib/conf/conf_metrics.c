/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_metrics - where the OpenMetrics endpoint listens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf_metrics.h"

static bool
metrics_addr_is_loopback(const struct addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->bytes[0] == 127;
	return memcmp(a->bytes, v6_loopback, 16) == 0;
}

int
conf_metrics_parse_listen(const char *text, struct addr *addr,
    uint16_t *port)
{
	char host[64];
	const char *colon, *p = text;
	size_t host_len;
	char *end;
	long n;

	if (*p == '[') {
		if ((colon = strstr(p, "]:")) == NULL)
			return -EINVAL;
		host_len = (size_t)(colon - p - 1);
		p++;
		colon++;
	} else {
		if ((colon = strrchr(p, ':')) == NULL)
			return -EINVAL;
		host_len = (size_t)(colon - p);
	}
	if (host_len == 0 || host_len >= sizeof(host))
		return -EINVAL;
	memcpy(host, p, host_len);
	host[host_len] = '\0';
	if (addr_parse(host, addr) < 0)
		return -EINVAL;
	/* "::1:9650" without brackets would be ambiguous. */
	if (addr->family == AF_INET6 && text[0] != '[')
		return -EINVAL;
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	n = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

void
conf_metrics_load(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_global *gl)
{
	const config_setting_t *s = config_setting_get_member(g, "metrics_listen");
	const char *v;
	char q[48];

	conf_get_bool(ctx, g, "global", "metrics_allow_remote",
	    &gl->metrics_allow_remote);
	if (conf_get_string(ctx, g, "global", "metrics_listen", &v) <= 0)
		return;
	/* "" says it out loud: no endpoint, as when the key is absent. */
	if (v[0] == '\0')
		return;
	if (conf_metrics_parse_listen(v, &gl->metrics_addr,
	    &gl->metrics_port) < 0) {
		conf_error(ctx, s, "global.metrics_listen: '%s' is not "
		    "\"ADDRESS:PORT\" or \"[IPV6]:PORT\" (numeric address, port "
		    "1..65535)", conf_quote(v, q, sizeof(q)));
		return;
	}
	if (!metrics_addr_is_loopback(&gl->metrics_addr) &&
	    !gl->metrics_allow_remote) {
		conf_error(ctx, s, "global.metrics_listen: '%s' is not a loopback "
		    "address; the endpoint has no authentication, so set "
		    "metrics_allow_remote = true to expose it",
		    conf_quote(v, q, sizeof(q)));
		return;
	}
	gl->metrics_enabled = true;
}

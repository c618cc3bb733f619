/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_metrics - the daemon's OpenMetrics endpoint (global.metrics_listen):
 * opened, moved or closed as the config says, at start and on reload. The
 * metrics are the JSON dump (vipd_view.c) read by the rules of
 * lib/ctl/metrics_om.h; lib/ctl/metrics.c serves them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/metrics_om.h"
#include "os/log.h"
#include "vipd.h"

/* The metrics are the JSON dump, read by the rules of metrics_om.h. */
static void
vipd_metrics_render(void *arg, FILE *out)
{
	struct vipd *v = arg;
	struct dump_view view = vipd_view(v);
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);

	if (f == NULL) {
		fprintf(out, "# EOF\n");
		return;
	}
	dump_write_json(f, &view);
	fclose(f);
	if (metrics_om_write(out, json, len) < 0)
		log_err("metrics: the dump could not be turned into metrics");
	free(json);
}

void
vipd_metrics_apply(struct vipd *v)
{
	const struct conf_global *g = &v->conf->global;
	char addr[INET6_ADDRSTRLEN];
	int err;

	if (v->metrics.fd >= 0 && g->metrics_enabled &&
	    addr_cmp(&v->metrics.addr, &g->metrics_addr) == 0 &&
	    v->metrics.port == g->metrics_port)
		return;
	if (v->metrics.fd >= 0)
		log_notice("metrics: endpoint closed");
	metrics_close(&v->metrics);
	if (!g->metrics_enabled)
		return;
	addr_str(&g->metrics_addr, addr, sizeof(addr));
	if ((err = metrics_open(&v->metrics, &v->loop, &g->metrics_addr,
	    g->metrics_port, vipd_metrics_render, v)) < 0)
		log_err("metrics: cannot listen on %s port %u: %s", addr,
		    g->metrics_port, strerror(-err));
	else
		log_notice("metrics: OpenMetrics on http://%s%s%s:%u/metrics",
		    g->metrics_addr.family == AF_INET6 ? "[" : "", addr,
		    g->metrics_addr.family == AF_INET6 ? "]" : "", g->metrics_port);
}

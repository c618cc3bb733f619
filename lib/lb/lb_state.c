/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_state - what a backend's state means and what a change of it does,
 * shared by the balancer (lb.c: checks) and direct routing (lb_mac.c:
 * MACs): up or not, a change counted and logged, its service dirty.
 * Declared in lb.h.
 */
#include <stdio.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "lb/lb.h"
#include "os/log.h"

static const char *
backend_text(const struct conf_backend *b, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(&b->addr, a, sizeof(a));
	snprintf(buf, len, b->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
	    b->port);
	return buf;
}

bool
lb_backend_up(const struct lb_backend *b)
{
	if (b->svc->conf.forwarding == CONF_LB_DR && !b->dr_mac_ok)
		return false;
	return b->conf->check.type == CONF_CHECK_NONE ||
	    b->check.rf.health == CHECK_UP;
}

/*
 * Due at the next tick, or LB_APPLY_GAP_MS after the last health
 * transaction: a burst of changes shares few transactions, while a lone
 * change goes out at once.
 */
void
lb_service_dirty(struct lb_service *svc, uint64_t now_ms)
{
	struct lb *lb = svc->lb;
	uint64_t due = lb->last_apply_ms + LB_APPLY_GAP_MS;

	svc->dirty = true;
	if (lb->apply_ms == 0)
		lb->apply_ms = lb->last_apply_ms != 0 && due > now_ms ? due :
		    now_ms;
}

void
lb_backend_changed(struct lb_backend *b, const char *health,
    const char *reason)
{
	char name[INET6_ADDRSTRLEN + 8];

	b->changes++;
	b->svc->lb->health_changes++;
	log_notice("%s: backend %s is %s (%s)", b->svc->conf.name,
	    backend_text(b->conf, name, sizeof(name)), health, reason);
	lb_service_dirty(b->svc, evloop_now_ms());
}

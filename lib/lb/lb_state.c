/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_state - what a backend's state means and what a change of it does,
 * shared by the balancer (lb.c: checks) and direct routing (lb_mac.c:
 * MACs): up or not, its state for the rules (health, run-time weight,
 * connections), a change counted and logged, its service dirty.
 * Declared in lb.h.
 */
#include <stdio.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "lb/lb.h"
#include "lb/lb_nft.h"
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

void
lb_service_states(const struct lb_service *svc,
    struct lb_nft_backend_state *st)
{
	for (size_t k = 0; k < svc->conf.nbackends; k++) {
		const struct lb_backend *b = &svc->backends[k];

		st[k] = (struct lb_nft_backend_state){ .up = lb_backend_up(b),
		    .weight = b->weight, .active = b->active,
		    .inactive = b->inactive };
	}
}

/*
 * Due at the next tick, or gap_ms after the last health transaction: a
 * burst of changes shares few transactions, while a lone change goes out
 * at once.
 */
void
lb_service_dirty_gap(struct lb_service *svc, uint64_t now_ms, uint64_t gap_ms)
{
	struct lb *lb = svc->lb;
	uint64_t due = lb->last_apply_ms + gap_ms;

	svc->dirty = true;
	if (lb->last_apply_ms == 0 || due < now_ms)
		due = now_ms;
	if (lb->apply_ms == 0 || due < lb->apply_ms)
		lb->apply_ms = due;
}

void
lb_service_dirty(struct lb_service *svc, uint64_t now_ms)
{
	lb_service_dirty_gap(svc, now_ms, LB_APPLY_GAP_MS);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lb_mac - forwarding = "dr" at run time (declared in lb.h): each dr
 * service's interfaces, each backend's segment and MAC, and the netdev
 * table (lb_dr) that follows them.
 *
 * MACs come from the kernel's neighbour table (lib/os/nl_neigh): every
 * LB_MAC_USE_MS each backend's entry is "used" (NTF_USE), so the kernel
 * resolves a new one, re-confirms a stale one by unicast and, when that
 * fails (a replaced NIC), falls back to a broadcast request; neighbour
 * events bring the MAC it found. A backend without one takes no flows
 * ("no MAC"); a changed MAC rewrites that backend's chain alone, without a
 * reload. Whether a backend is on one of its interface's segments is read
 * here too, at run time: the config test knows no interface's addresses.
 *
 * The netdev table is rebuilt as a whole (one transaction) when dr
 * services come, go or change, or an interface appears or goes: it holds
 * no state, so a rebuild disturbs no flow.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "lb/lb.h"
#include "lb/lb_dr.h"
#include "lb/lb_nft.h"
#include "os/log.h"

/* Neighbour entries of dr backends are used this often. */
#define LB_MAC_USE_MS 1000

static const char *
backend_name(const struct lb_backend *b, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(&b->conf->addr, a, sizeof(a));
	snprintf(buf, len, b->conf->addr.family == AF_INET6 ? "[%s]:%u" :
	    "%s:%u", a, b->conf->port);
	return buf;
}

/* The backend gets or loses its MAC: a health change like a check's. */
static void
set_mac(struct lb_backend *b, const uint8_t *mac, const char *why)
{
	char m[18], o[18], reason[96], name[INET6_ADDRSTRLEN + 8];

	if (mac != NULL && b->dr_mac_ok) {
		if (memcmp(mac, b->dr_mac, 6) == 0)
			return;
		/* Still up: only its chain changes, in the next batch. */
		snprintf(reason, sizeof(reason), "MAC %s, was %s",
		    lb_dr_mac_str(mac, m, sizeof(m)),
		    lb_dr_mac_str(b->dr_mac, o, sizeof(o)));
		memcpy(b->dr_mac, mac, 6);
		b->dr_mac_dirty = true;
		log_notice("%s: backend %s changed MAC (%s)", b->svc->conf.name,
		    backend_name(b, name, sizeof(name)), reason);
		lb_service_dirty(b->svc, evloop_now_ms());
		return;
	}
	if (mac != NULL) {
		memcpy(b->dr_mac, mac, 6);
		b->dr_mac_ok = true;
		b->dr_mac_dirty = true;
		b->dr_down[0] = '\0';
		snprintf(reason, sizeof(reason), "MAC %s",
		    lb_dr_mac_str(mac, m, sizeof(m)));
		lb_backend_changed(b, "reachable", reason);
		return;
	}
	if (!b->dr_mac_ok && strcmp(b->dr_down, why) == 0)
		return;
	snprintf(b->dr_down, sizeof(b->dr_down), "%s", why);
	if (b->dr_mac_ok) {
		b->dr_mac_ok = false;
		lb_backend_changed(b, "down", why);
	} else
		lb_service_dirty(b->svc, evloop_now_ms());
}

static void
on_neigh(void *arg, int ifindex, const struct addr *addr, const uint8_t *mac)
{
	struct lb *lb = arg;

	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (svc->conf.forwarding != CONF_LB_DR || !svc->dr_ready ||
		    svc->dr_ifindex != ifindex)
			continue;
		for (size_t k = 0; k < svc->conf.nbackends; k++) {
			struct lb_backend *b = &svc->backends[k];

			if (b->dr_off_segment ||
			    addr_cmp(&b->conf->addr, addr) != 0)
				continue;
			set_mac(b, mac, "no MAC");
		}
	}
}

static void
neigh_readable(struct evloop_watch *w, uint32_t events)
{
	struct lb *lb = w->arg;
	uint64_t suppressed = 0;
	int err;

	(void)events;
	if ((err = nl_neigh_read(&lb->neigh)) < 0 &&
	    log_ratelimit_allow(&lb->mac_log, evloop_now_ms(), &suppressed))
		log_warn("balancer: reading neighbour events: %s (%" PRIu64
		    " similar lines suppressed)", strerror(-err), suppressed);
	if (lb->neigh.overrun && (err = nl_neigh_dump(&lb->neigh)) < 0)
		log_warn("balancer: neighbour events lost, and the table "
		    "cannot be read: %s", strerror(-err));
}

int
lb_mac_open(struct lb *lb, struct netlink *nl)
{
	int err;

	lb->nl = nl;
	if ((err = nl_neigh_open(&lb->neigh, on_neigh, lb)) < 0)
		return err;
	lb->neigh_watch = (struct evloop_watch){ nl_neigh_fd(&lb->neigh),
	    neigh_readable, lb };
	if ((err = evloop_add(lb->loop, &lb->neigh_watch, EPOLLIN)) < 0) {
		nl_neigh_close(&lb->neigh);
		return err;
	}
	lb->neigh_ok = true;
	if ((err = lb_arp_open(lb)) < 0)
		log_warn("balancer: no ARP watch for dr services (%s): a backend "
		    "answering for the VIP goes unnoticed", strerror(-err));
	return 0;
}

/* Ask the kernel to resolve (or re-confirm) every dr backend's MAC. */
static void
use_all(struct lb *lb)
{
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (svc->conf.forwarding != CONF_LB_DR || !svc->dr_ready)
			continue;
		for (size_t k = 0; k < svc->conf.nbackends; k++)
			if (!svc->backends[k].dr_off_segment)
				(void)nl_neigh_use(&lb->neigh, svc->dr_ifindex,
				    &svc->backends[k].conf->addr);
	}
}

/* The service's interfaces; false when one is missing (with why). */
static bool
links(struct lb *lb, struct lb_service *svc, char *why, size_t len)
{
	struct netlink_link_info out, in;

	if (netlink_link_get(lb->nl, svc->conf.dr_interface, &out) < 0) {
		snprintf(why, len, "interface %s not found",
		    svc->conf.dr_interface);
		return false;
	}
	if (netlink_link_get(lb->nl, svc->conf.dr_ingress, &in) < 0) {
		snprintf(why, len, "interface %s not found",
		    svc->conf.dr_ingress);
		return false;
	}
	svc->dr_ifindex = out.ifindex;
	memcpy(svc->dr_node_mac, out.mac, 6);
	svc->dr_in_ifindex = in.ifindex;
	memcpy(svc->dr_in_mac, in.mac, 6);
	return true;
}

static void
follow_service(struct lb *lb, struct lb_service *svc)
{
	char why[64], name[INET6_ADDRSTRLEN + 8];
	bool ready = lb->neigh_ok && links(lb, svc, why, sizeof(why));
	if (!lb->neigh_ok)
		snprintf(why, sizeof(why), "no neighbour events");
	if (ready != svc->dr_ready)
		lb->dr_rebuild = true;
	svc->dr_ready = ready;
	for (size_t k = 0; k < svc->conf.nbackends; k++) {
		struct lb_backend *b = &svc->backends[k];
		int on;

		if (!ready) {
			set_mac(b, NULL, why);
			continue;
		}
		on = nl_neigh_on_link(&lb->neigh, svc->dr_ifindex, &b->conf->addr);
		if (on == 0 && !b->dr_off_segment)
			log_warn("%s: backend %s is off every connected segment "
			    "of %s: down (dr reaches backends by their MAC)",
			    svc->conf.name, backend_name(b, name, sizeof(name)),
			    svc->conf.dr_interface);
		b->dr_off_segment = on == 0;
		if (b->dr_off_segment) {
			snprintf(why, sizeof(why), "off every segment of %s",
			    svc->conf.dr_interface);
			set_mac(b, NULL, why);
		} else if (!b->dr_mac_ok)
			set_mac(b, NULL, "no MAC");
	}
}

void
lb_mac_follow(struct lb *lb, uint64_t now_ms)
{
	bool any = false;
	int err;

	for (size_t i = 0; i < lb->nservices; i++)
		if (lb->services[i]->conf.forwarding == CONF_LB_DR) {
			follow_service(lb, lb->services[i]);
			any = true;
		}
	if (!any && lb->dr_table)
		lb->dr_rebuild = true;
	lb_route_follow(lb);
	if (!any || !lb->neigh_ok)
		return;
	/* What the kernel knows already, then what it should find out. */
	if ((err = nl_neigh_dump(&lb->neigh)) < 0)
		log_warn("balancer: cannot read the neighbour table: %s",
		    strerror(-err));
	use_all(lb);
	lb->dr_use_ms = now_ms + LB_MAC_USE_MS;
}

/* The service's slot table for its backends' states now (allocated). */
static uint16_t *
table_now(struct lb_service *svc)
{
	struct lb_nft_backend_state st[CONF_LB_MAX_BACKENDS];
	uint16_t *table = malloc(lb_nft_table_size(&svc->conf) *
	    sizeof(*table));

	if (table == NULL)
		return NULL;
	lb_service_states(svc, st);
	(void)lb_dr_table_st(&svc->conf, st, svc->quorum_met, table);
	return table;
}

/* Every ready dr service into a fresh netdev table, in one transaction. */
static void
rebuild(struct lb *lb)
{
	uint8_t (*mac)[6] = NULL;
	struct lb_text t = { 0 };
	char err[256];
	uint64_t suppressed = 0;
	bool any = false;
	int rc;

	lb->dr_rebuild = false;
	lb_dr_reset(&t);
	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (svc->conf.forwarding != CONF_LB_DR)
			continue;
		free(svc->dr_table);
		svc->dr_table = NULL;
		if (!svc->dr_ready)
			continue;
		free(mac);
		if ((mac = calloc(svc->conf.nbackends, sizeof(*mac))) == NULL ||
		    (svc->dr_table = table_now(svc)) == NULL) {
			t.oom = true;
			break;
		}
		for (size_t k = 0; k < svc->conf.nbackends; k++) {
			memcpy(mac[k], svc->backends[k].dr_mac, 6);
			svc->backends[k].dr_mac_dirty = false;
		}
		lb_dr_service_add(&t, &svc->conf, svc->dr_node_mac,
		    (const uint8_t (*)[6])mac, svc->dr_table, svc->dr_vmac_on);
		any = true;
	}
	free(mac);
	if (!any) {
		lb_text_free(&t);
		lb_dr_remove(&t);
	}
	lb->transactions++;
	rc = t.oom ? -ENOMEM : nft_apply(lb->nft, t.buf, err, sizeof(err));
	lb_text_free(&t);
	if (rc == 0) {
		lb->dr_table = any;
		return;
	}
	for (size_t i = 0; i < lb->nservices; i++) {
		free(lb->services[i]->dr_table);
		lb->services[i]->dr_table = NULL;
	}
	lb->transaction_errors++;
	lb->dr_rebuild = true;       /* again at the next re-confirmation */
	snprintf(lb->last_error, sizeof(lb->last_error), "dr table: %.200s",
	    rc == -ENOMEM ? "out of memory" : err);
	if (log_ratelimit_allow(&lb->mac_log, evloop_now_ms(), &suppressed))
		log_err("balancer: nftables refused the dr table: %s (%" PRIu64
		    " similar lines suppressed)", lb->last_error, suppressed);
}

/*
 * Whether inst is the instance whose VIP and VMAC svc's frames come to:
 * the one the config gave svc's VMAC from (an advertised address of it,
 * its VRID and interface; conf_lb's holder).
 */
static bool
behind(const struct lb_service *svc, const struct conf_instance *inst)
{
	if (svc->conf.forwarding != CONF_LB_DR || !svc->conf.dr_has_vmac ||
	    !inst->use_vmac || inst->family != svc->conf.addr.family ||
	    svc->conf.dr_vmac[5] != inst->vrid ||
	    strcmp(svc->conf.dr_ingress, inst->interface) != 0)
		return false;
	for (size_t j = 0; j < inst->nvips; j++)
		if (addr_cmp(&inst->vips[j].addr, &svc->conf.addr) == 0)
			return true;
	return false;
}

/*
 * dr_in_D of device `dev` again, with the rules of every service in the
 * kernel that comes in on it: one transaction, the rest of the table
 * (slots, backends, counters) untouched.
 */
static int
rewrite_ingress(struct lb *lb, const char *dev, char *err, size_t len)
{
	struct lb_text t = { 0 };
	int rc;

	lb_dr_ingress_flush(&t, dev);
	for (size_t i = 0; i < lb->nservices; i++) {
		const struct lb_service *svc = lb->services[i];

		if (svc->conf.forwarding == CONF_LB_DR && svc->dr_table != NULL &&
		    strcmp(svc->conf.dr_ingress, dev) == 0)
			lb_dr_ingress_rules(&t, &svc->conf, svc->dr_vmac_on);
	}
	lb->transactions++;
	if (t.oom) {
		snprintf(err, len, "out of memory");
		rc = -ENOMEM;
	} else
		rc = nft_apply(lb->nft, t.buf, err, len);
	lb_text_free(&t);
	return rc;
}

void
lb_dr_vips_held(struct lb *lb, const struct conf_instance *inst, bool held)
{
	char err[256], vm[18], took[64] = "";
	bool in_kernel = false, changed = false;
	uint64_t suppressed = 0, start_ms;
	int rc = 0;

	for (size_t i = 0; i < lb->nservices; i++) {
		struct lb_service *svc = lb->services[i];

		if (!behind(svc, inst) || svc->dr_vmac_on == held)
			continue;
		svc->dr_vmac_on = held;
		changed = true;
		in_kernel |= svc->dr_table != NULL;
	}
	if (!changed)
		return;
	start_ms = evloop_now_ms();
	if (lb->dr_table && lb->dr_rebuild)
		/* A rebuild is due anyway: now, with the new rules in it. */
		rebuild(lb);
	else if (lb->dr_table && in_kernel) {
		/* Every such service comes in on the instance's interface. */
		rc = rewrite_ingress(lb, inst->interface, err, sizeof(err));
		if (rc == 0)
			snprintf(took, sizeof(took), "; ingress chain of %s "
			    "rewritten in %" PRIu64 " ms", inst->interface,
			    evloop_now_ms() - start_ms);
	}
	for (size_t i = 0; i < lb->nservices; i++)
		if (behind(lb->services[i], inst))
			log_info("%s: frames to %s %s (%s %s the VIP%s)",
			    lb->services[i]->conf.name,
			    lb_dr_mac_str(lb->services[i]->conf.dr_vmac, vm,
			    sizeof(vm)), held ? "balanced" : "left alone",
			    inst->name, held ? "holds" : "gave up", took);
	if (rc == 0)
		return;
	lb->transaction_errors++;
	lb->dr_rebuild = true;
	snprintf(lb->last_error, sizeof(lb->last_error), "dr ingress %s: %.200s",
	    inst->interface, err);
	if (log_ratelimit_allow(&lb->mac_log, evloop_now_ms(), &suppressed))
		log_err("balancer: nftables refused the dr ingress chain of %s: "
		    "%s (%" PRIu64 " similar lines suppressed)", inst->interface,
		    err, suppressed);
}

void
lb_mac_tick(struct lb *lb, uint64_t now_ms)
{
	if (lb->dr_use_ms != 0 && now_ms >= lb->dr_use_ms) {
		use_all(lb);
		lb->dr_use_ms = now_ms + LB_MAC_USE_MS;
	}
	if (lb->dr_rebuild)
		rebuild(lb);
	lb_arp_tick(lb, now_ms);
}

void
lb_mac_dirty_rules(struct lb_text *t, struct lb_service *svc,
    const struct lb_nft_backend_state *st)
{
	size_t n = lb_nft_table_size(&svc->conf);

	/* Not in the table (an interface missing): nothing to rewrite. */
	if (!svc->dr_ready || svc->dr_table == NULL)
		return;
	for (size_t k = 0; k < svc->conf.nbackends; k++) {
		struct lb_backend *b = &svc->backends[k];

		if (b->dr_mac_dirty && b->dr_mac_ok)
			lb_dr_backend(t, &svc->conf, k, svc->dr_node_mac,
			    b->dr_mac);
	}
	free(svc->dr_next);
	if ((svc->dr_next = malloc(n * sizeof(*svc->dr_next))) == NULL) {
		t->oom = true;
		return;
	}
	(void)lb_dr_table_st(&svc->conf, st, svc->quorum_met, svc->dr_next);
	(void)lb_dr_table_delta(t, &svc->conf, svc->dr_table, svc->dr_next);
}

void
lb_mac_dirty_done(struct lb_service *svc, bool applied)
{
	if (!applied) {
		/* What the kernel holds is unknown to us now: rebuild. */
		svc->lb->dr_rebuild = true;
		free(svc->dr_next);
		svc->dr_next = NULL;
		return;
	}
	for (size_t k = 0; k < svc->conf.nbackends; k++)
		svc->backends[k].dr_mac_dirty = false;
	if (svc->dr_next != NULL) {
		free(svc->dr_table);
		svc->dr_table = svc->dr_next;
		svc->dr_next = NULL;
	}
}

void
lb_mac_close(struct lb *lb)
{
	struct lb_text t = { 0 };
	char err[256];

	if (lb->dr_table) {
		lb_dr_remove(&t);
		if (!t.oom && nft_apply(lb->nft, t.buf, err, sizeof(err)) < 0)
			log_err("nftables: cannot remove table %s: %s",
			    LB_DR_TABLE, err);
		lb_text_free(&t);
		lb->dr_table = false;
	}
	lb_arp_close(lb);
	if (lb->neigh_ok) {
		evloop_del(lb->loop, &lb->neigh_watch);
		nl_neigh_close(&lb->neigh);
		lb->neigh_ok = false;
	}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_vrrp - the daemon's side of VRRP: the instance table (build, start),
 * the advert sockets shared by instances (one per interface, from
 * lib/vrrp/ifsock.c), the dispatch of each received packet to its instance, and
 * the link events that make an instance look at its interface again.
 * Protocol decisions stay in lib/vrrp/vrrp_fsm.c, OS effects of an instance in
 * lib/vrrp/instance.c; this file never decides a state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "os/log.h"
#include "vrrp/vrrp_auth.h"
#include "vrrp/vrrp_pkt.h"
#include "vrrp/vrrp_pkt_ip.h"
#include "vipd.h"

static struct instance *
vipd_find_instance(struct vipd *v, const char *ifname, uint8_t vrid,
    int family)
{
	/* RFC 5798 5.2.3: IPv4 and IPv6 virtual routers number apart. */
	for (size_t i = 0; i < v->ninstances; i++) {
		struct instance *inst = v->instances[i];

		if (inst->conf.vrid == vrid && inst->conf.family == family &&
		    strcmp(inst->conf.interface, ifname) == 0)
			return inst;
	}
	return NULL;
}

static void
vipd_count_unmatched(struct vipd *v, struct ifsock *s, enum vrrp_drop reason,
    const struct vrrp_pkt_meta *meta, uint64_t now_ms)
{
	char text[INET6_ADDRSTRLEN];
	uint64_t suppressed = 0;
	bool other_group = reason == VRRP_DROP_VRID;

	v->unmatched_drops[reason]++;
	/*
	 * Adverts of other VRRP groups on a shared LAN are normal: debug only,
	 * and on a limiter of their own, so that their steady stream never
	 * silences a warning (a malformed or truncated header, a datagram
	 * larger than any advert).
	 */
	if (!log_ratelimit_allow(other_group ? &v->unmatched_vrid_log :
	    &v->unmatched_log, now_ms, &suppressed))
		return;
	log_msg(other_group ? LOG_DEBUG : LOG_WARNING,
	    "%s: dropped packet from %s: %s (%" PRIu64 " more not logged)",
	    s->ifname, meta && meta->src.family ?
	    addr_str(&meta->src, text, sizeof(text)) : "?",
	    vrrp_drop_name(reason), suppressed);
}

void
vipd_handle_packet(void *arg, struct ifsock *s, const uint8_t *pkt, size_t len)
{
	struct vipd *v = arg;
	uint64_t now_ms = evloop_now_ms();
	struct vrrp_pkt_meta meta;
	struct vrrp_advert adv;
	struct instance *inst;
	const uint8_t *payload;
	size_t plen;
	enum vrrp_drop reason;

	memset(&meta, 0, sizeof(meta));
	/* len 0: larger than any advert can be (ifsock read it with MSG_TRUNC). */
	reason = len == 0 ? VRRP_DROP_LENGTH :
	    vrrp_pkt_parse_ip(pkt, len, &meta, &payload, &plen);
	if (reason != VRRP_DROP_NONE) {
		vipd_count_unmatched(v, s, reason, &meta, now_ms);
		return;
	}
	/*
	 * The VRID picks the instance before the packet is verified, so that
	 * its drops are counted where the operator looks; nothing else of an
	 * unverified packet is used.
	 */
	inst = plen >= 2 ? vipd_find_instance(v, s->ifname, payload[1],
	    meta.src.family) : NULL;
	if (inst == NULL) {
		vipd_count_unmatched(v, s, plen >= 2 ? VRRP_DROP_VRID :
		    VRRP_DROP_TRUNCATED, &meta, now_ms);
		return;
	}
	/* Unicast: the peer list vouches for the sender, not the TTL. */
	meta.any_ttl = inst->conf.npeers > 0;
	/* RFC 2402 3.4.4: AH is proven before anything inside it is read. */
	reason = vrrp_auth_ah_verify(&inst->auth, &meta);
	if (reason == VRRP_DROP_NONE)
		reason = vrrp_pkt_decode(payload, plen, &meta,
		    inst->conf.version, &inst->auth, &adv);
	if (reason != VRRP_DROP_NONE) {
		instance_count_drop(inst, reason, &meta.src, now_ms);
		return;
	}
	instance_receive(inst, &v->env, &adv, &meta, now_ms);
}

/* Give inst the advert socket of its interface. */
static void
vipd_attach_socket(struct vipd *v, struct instance *inst)
{
	int fd = ifsock_attach(&v->socks, inst->conf.interface, inst->ifindex);

	if (fd < 0 && fd != -ENODEV)
		log_err("%s: cannot open advert socket on %s: %s", inst->conf.name,
		    inst->conf.interface, strerror(-fd));
	/* An IPv6 instance sends and hears on the interface's IPv6 socket. */
	if (fd >= 0 && inst->conf.family == AF_INET6 &&
	    (fd = ifsock_attach_ipv6(&v->socks, inst->conf.interface)) < 0)
		log_err("%s: cannot open IPv6 advert socket on %s: %s",
		    inst->conf.name, inst->conf.interface, strerror(-fd));
	inst->sock_fd = fd;
	/* AH adverts are IP protocol 51: the advert socket never sees them. */
	if (fd >= 0 && inst->auth.type == VRRP_AUTH_AH &&
	    (fd = ifsock_attach_ah(&v->socks, inst->conf.interface)) < 0)
		log_err("%s: cannot open AH socket on %s: %s", inst->conf.name,
		    inst->conf.interface, strerror(-fd));
}

bool
vipd_interface_in_use(void *arg, const char *ifname)
{
	struct vipd *v = arg;

	for (size_t i = 0; i < v->ninstances; i++)
		if (strcmp(v->instances[i]->conf.interface, ifname) == 0)
			return true;
	return false;
}

void
vipd_start_instance(struct vipd *v, struct instance *inst, uint64_t now_ms)
{
	/* The socket must exist before an address owner's first advert. */
	instance_resolve(inst, &v->env);
	vipd_attach_socket(v, inst);
	instance_start(inst, &v->env, now_ms);
}

int
vipd_build_instances(const struct conf *conf, struct instance ***out)
{
	struct instance **list = calloc(conf->ninstances ? conf->ninstances : 1,
	    sizeof(*list));

	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < conf->ninstances; i++) {
		if ((list[i] = malloc(sizeof(*list[i]))) == NULL) {
			while (i-- > 0)
				free(list[i]);
			free(list);
			return -ENOMEM;
		}
		instance_init(list[i], &conf->instances[i], conf->global.handover);
	}
	*out = list;
	return 0;
}

/* The kernel's answer to instance_resolve() is the truth, not the event. */
void
vipd_on_link(void *arg, int ifindex, const char *ifname)
{
	struct vipd *v = arg;
	uint64_t now_ms = evloop_now_ms();

	vipd_statics_link_changed(v);
	for (size_t i = 0; i < v->ninstances; i++) {
		struct instance *inst = v->instances[i];

		/* Its VMAC interface too: deleted by hand, it is re-created. */
		if (strcmp(inst->conf.interface, ifname) != 0 &&
		    inst->ifindex != ifindex && !(inst->conf.use_vmac &&
		    strcmp(inst->conf.vmac_name, ifname) == 0))
			continue;
		instance_resolve(inst, &v->env);
		vipd_attach_socket(v, inst);
		instance_link_update(inst, &v->env, now_ms);
	}
	health_link_event(&v->health, ifname, now_ms);
	/* dr services' interfaces may have come or gone. */
	lb_mac_follow(&v->lb, now_ms);
}

void
vipd_netlink_readable(struct evloop_watch *w, uint32_t events)
{
	struct vipd *v = w->arg;
	int err;

	(void)events;
	if ((err = netlink_read_events(&v->nl)) < 0)
		log_warn("netlink: reading link events: %s", strerror(-err));
	if (v->nl.overrun) {
		/* Events were lost: ask the kernel for every link we care about. */
		v->nl.overrun = false;
		log_warn("netlink: link events lost, re-reading link states");
		for (size_t i = 0; i < v->ninstances; i++)
			vipd_on_link(v, v->instances[i]->ifindex,
			    v->instances[i]->conf.interface);
		health_link_all(&v->health, evloop_now_ms());
		v->statics.dirty = true;     /* deletions may be lost too */
		drift_note(&v->drift.d, DRIFT_ANNOUNCE_ROUTE, evloop_now_ms());
	}
	vipd_statics_after_events(v, false);
}

/*
 * A loop that stood still (SIGSTOP, a paused VM) wakes with its timers
 * and its sockets ready together, dispatched in any order. An instance
 * that was stalled (lib/vrrp/vrrp_stall.h) must not act on its own
 * timers first (a Master's advert would take the VIPs back from the node
 * that took over, with conntrack entries gone out of window), so the
 * adverts queued meanwhile are read here, marked stalled, before any
 * callback of this wake-up runs.
 */
void
vipd_vrrp_wake(void *arg, uint64_t now_ms)
{
	struct vipd *v = arg;
	bool any = false;

	for (size_t i = 0; i < v->ninstances; i++)
		any |= instance_stall_begin(v->instances[i], now_ms);
	if (!any)
		return;
	ifsock_drain(&v->socks);
	for (size_t i = 0; i < v->ninstances; i++)
		instance_stall_end(v->instances[i], now_ms);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nl_route - routes, rules, addresses with attributes (see nl_route.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "os/nl_route.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The protocol vipd's routes carry ("proto static" in ip route). */
#define NL_ROUTE_PROTO RTPROT_STATIC

struct nl_route_answer {
	int err;                    /* 0 or -errno */
	char *why;
	size_t why_len;
};

void
netlink_route_sock_setup(struct netlink *nl)
{
	int fd = nl_socket_get_fd(nl->route), on = 1;

	/* Best effort: without them a refusal is told by its errno alone. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
	/* Dumps filtered by the kernel (netlink_route_dump). */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on,
	    sizeof(on));
}

/* The kernel's NLMSGERR_ATTR_MSG after a capped nlmsgerr, if any. */
static int
nl_route_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nl_route_answer *ans = arg;
	const struct nlmsghdr *h = (const struct nlmsghdr *)
	    ((const char *)e - NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	(void)who;
	ans->err = e->error;
	if (e->error != 0 && (h->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    (h->nlmsg_flags & NLM_F_CAPPED)) {
		while (off + NLA_HDRLEN <= h->nlmsg_len) {
			const struct nlattr *a = (const struct nlattr *)
			    ((const char *)h + off);

			if (a->nla_len < NLA_HDRLEN ||
			    off + a->nla_len > h->nlmsg_len)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
			    a->nla_len > NLA_HDRLEN) {
				snprintf(ans->why, ans->why_len, "%.*s",
				    (int)(a->nla_len - NLA_HDRLEN),
				    (const char *)a + NLA_HDRLEN);
				break;
			}
			off += NLA_ALIGN(a->nla_len);
		}
	}
	return NL_STOP;
}

static int
nl_route_on_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct nl_route_answer *)arg)->err = 0;
	return NL_STOP;
}

/*
 * Send msg (freed here) and wait for the kernel's answer: 0 or -errno,
 * why its message (else strerror).
 */
static int
nl_route_talk(struct netlink *nl, struct nl_msg *msg, char *why, size_t why_len)
{
	struct nl_route_answer ans = { .err = -EIO, .why = why,
	    .why_len = why_len };
	struct nl_cb *cb;
	int err;

	if (why_len > 0)
		why[0] = '\0';
	if ((cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL) {
		nlmsg_free(msg);
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, nl_route_on_error, &ans);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nl_route_on_ack, &ans);
	err = nl_send_auto(nl->route, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		snprintf(why, why_len, "%s", nl_geterror(err));
		return -EIO;
	}
	err = nl_recvmsgs(nl->route, cb);
	nl_cb_put(cb);
	if (err < 0 && ans.err == -EIO) {
		snprintf(why, why_len, "%s", nl_geterror(err));
		return -EIO;
	}
	if (ans.err != 0 && why_len > 0 && why[0] == '\0')
		snprintf(why, why_len, "%s", strerror(-ans.err));
	return ans.err;
}

static size_t
alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

int
netlink_addr_add_attrs(struct netlink *nl, int ifindex,
    const struct addr *addr, uint8_t prefix_len,
    const struct netlink_addr_attrs *attrs, char *why, size_t why_len)
{
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)addr->family,
	    .ifa_prefixlen = prefix_len, .ifa_index = (uint32_t)ifindex };
	struct nl_msg *msg;
	uint32_t flags = 0;

	/* A VIP serves the moment we are master: no DAD (see nl.c). */
	if (addr->family == AF_INET6)
		flags |= IFA_F_NODAD;
	ifa.ifa_flags = (uint8_t)flags;
	if (attrs != NULL && attrs->scope >= 0)
		ifa.ifa_scope = (uint8_t)attrs->scope;
	else if (addr->family == AF_INET && addr->bytes[0] == 127)
		ifa.ifa_scope = RT_SCOPE_HOST;
	msg = nlmsg_alloc_simple(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK |
	    NLM_F_CREATE | NLM_F_EXCL);
	if (msg == NULL || nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, IFA_LOCAL, (int)alen(addr->family), addr->bytes) < 0 ||
	    nla_put(msg, IFA_ADDRESS, (int)alen(addr->family), addr->bytes) < 0 ||
	    nla_put_u32(msg, IFA_FLAGS, flags) < 0 ||
	    (attrs != NULL && attrs->label != NULL && attrs->label[0] != '\0' &&
	    nla_put_string(msg, IFA_LABEL, attrs->label) < 0) ||
	    (attrs != NULL && attrs->have_broadcast &&
	    nla_put(msg, IFA_BROADCAST, 4, attrs->broadcast.bytes) < 0)) {
		if (msg != NULL)
			nlmsg_free(msg);
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return nl_route_talk(nl, msg, why, why_len);
}

static struct nl_msg *
nl_route_build(int type, int flags, const struct netlink_route *r)
{
	struct rtmsg rtm = {
		.rtm_family = (uint8_t)r->dst.family,
		.rtm_dst_len = r->dst_len,
		.rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.rtm_protocol = r->protocol != 0 ? r->protocol : NL_ROUTE_PROTO,
		.rtm_type = r->type,
	};
	struct nl_msg *msg;
	size_t n = alen(r->dst.family);

	/* As ip(8): a route without a gateway on a device is on-link. */
	if (r->scope >= 0)
		rtm.rtm_scope = (uint8_t)r->scope;
	else if (r->type == RTN_UNICAST && !r->have_via && r->ifindex != 0 &&
	    type == RTM_NEWROUTE)
		rtm.rtm_scope = RT_SCOPE_LINK;
	else
		rtm.rtm_scope = type == RTM_NEWROUTE ? RT_SCOPE_UNIVERSE :
		    RT_SCOPE_NOWHERE;
	if ((msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK | flags))
	    == NULL)
		return NULL;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, r->table) < 0 ||
	    (r->dst_len > 0 && nla_put(msg, RTA_DST, (int)n, r->dst.bytes) < 0) ||
	    (r->have_via && nla_put(msg, RTA_GATEWAY, (int)n, r->via.bytes) < 0) ||
	    (r->ifindex != 0 && nla_put_u32(msg, RTA_OIF,
	    (uint32_t)r->ifindex) < 0) ||
	    (r->have_src && nla_put(msg, RTA_PREFSRC, (int)n, r->src.bytes) < 0) ||
	    nla_put_u32(msg, RTA_PRIORITY, r->metric) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int
netlink_route_add(struct netlink *nl, const struct netlink_route *r,
    char *why, size_t why_len)
{
	struct nl_msg *msg = nl_route_build(RTM_NEWROUTE, NLM_F_CREATE |
	    NLM_F_EXCL, r);

	if (msg == NULL) {
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return nl_route_talk(nl, msg, why, why_len);
}

int
netlink_route_replace(struct netlink *nl, const struct netlink_route *r,
    char *why, size_t why_len)
{
	struct nl_msg *msg = nl_route_build(RTM_NEWROUTE, NLM_F_CREATE |
	    NLM_F_REPLACE, r);

	if (msg == NULL) {
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return nl_route_talk(nl, msg, why, why_len);
}

struct nl_route_dump {
	uint8_t proto;
	int family;
	void (*fn)(void *arg, const struct netlink_route *r);
	void *arg;
	int err;
};

/* An attribute's address into a (len bytes of family's). */
static bool
nl_route_attr_addr(const struct nlattr *at, int family, struct addr *a)
{
	if (at == NULL || nla_len(at) != (int)alen(family))
		return false;
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->bytes, nla_data(at), alen(family));
	return true;
}

bool
netlink_route_parse(const struct nlmsghdr *h, struct netlink_route *r)
{
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm;
	struct rtnexthop *nh;
	int family;

	if ((h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE) ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*rtm), tb, RTA_MAX,
	    NULL) < 0)
		return false;
	rtm = nlmsg_data(h);
	family = rtm->rtm_family;
	if (family != AF_INET && family != AF_INET6)
		return false;
	memset(r, 0, sizeof(*r));
	r->dst_len = rtm->rtm_dst_len;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->table = tb[RTA_TABLE] != NULL ? nla_get_u32(tb[RTA_TABLE]) :
	    rtm->rtm_table;
	if (!nl_route_attr_addr(tb[RTA_DST], family, &r->dst)) {
		memset(&r->dst, 0, sizeof(r->dst));
		r->dst.family = family;
	}
	r->have_via = nl_route_attr_addr(tb[RTA_GATEWAY], family, &r->via);
	if (tb[RTA_OIF] != NULL)
		r->ifindex = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY] != NULL)
		r->metric = nla_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_MULTIPATH] != NULL &&
	    nla_len(tb[RTA_MULTIPATH]) >= (int)sizeof(*nh)) {
		nh = nla_data(tb[RTA_MULTIPATH]);
		r->ifindex = nh->rtnh_ifindex;
		r->have_via = true;
	}
	return true;
}

static int
nl_route_dump_one(struct nl_msg *msg, void *arg)
{
	struct nl_route_dump *d = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct netlink_route r;

	if (h->nlmsg_type != RTM_NEWROUTE || !netlink_route_parse(h, &r) ||
	    r.protocol != d->proto || r.dst.family != d->family)
		return NL_OK;
	d->fn(d->arg, &r);
	return NL_OK;
}

static int
nl_route_dump_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	(void)who;
	((struct nl_route_dump *)arg)->err = e->error;
	return NL_STOP;
}

int
netlink_route_dump(struct netlink *nl, int family, uint8_t proto,
    void (*fn)(void *arg, const struct netlink_route *r), void *arg)
{
	struct rtmsg rtm = { .rtm_family = (uint8_t)family,
	    .rtm_protocol = proto };
	struct nl_route_dump d = { .proto = proto, .family = family, .fn = fn,
	    .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int err;

	if ((msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST |
	    NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    (cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nl_route_dump_one, &d);
	nl_cb_err(cb, NL_CB_CUSTOM, nl_route_dump_error, &d);
	err = nl_send_auto(nl->route, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs(nl->route, cb);
	nl_cb_put(cb);
	if (d.err < 0)
		return d.err;
	return err < 0 ? -EIO : 0;
}

int
netlink_route_del(struct netlink *nl, const struct netlink_route *r,
    char *why, size_t why_len)
{
	struct nl_msg *msg = nl_route_build(RTM_DELROUTE, 0, r);

	if (msg == NULL) {
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return nl_route_talk(nl, msg, why, why_len);
}

static struct nl_msg *
nl_rule_build(int type, int flags, const struct netlink_rule *r)
{
	struct fib_rule_hdr frh = {
		.family = (uint8_t)r->family,
		.dst_len = r->have_to ? r->to_len : 0,
		.src_len = r->have_from ? r->from_len : 0,
		.table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.action = FR_ACT_TO_TBL,
	};
	struct nl_msg *msg;
	size_t n = alen(r->family);

	if ((msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK | flags))
	    == NULL)
		return NULL;
	if (nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, FRA_TABLE, r->table) < 0 ||
	    (r->have_from && nla_put(msg, FRA_SRC, (int)n, r->from.bytes) < 0) ||
	    (r->have_to && nla_put(msg, FRA_DST, (int)n, r->to.bytes) < 0) ||
	    (r->iif != NULL && r->iif[0] != '\0' &&
	    nla_put_string(msg, FRA_IIFNAME, r->iif) < 0) ||
	    (r->oif != NULL && r->oif[0] != '\0' &&
	    nla_put_string(msg, FRA_OIFNAME, r->oif) < 0) ||
	    (r->have_fwmark && (nla_put_u32(msg, FRA_FWMARK, r->fwmark) < 0 ||
	    nla_put_u32(msg, FRA_FWMASK, r->fwmask) < 0)) ||
	    (r->have_priority && nla_put_u32(msg, FRA_PRIORITY,
	    r->priority) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int
netlink_rule_add(struct netlink *nl, const struct netlink_rule *r,
    char *why, size_t why_len)
{
	struct nl_msg *msg = nl_rule_build(RTM_NEWRULE, NLM_F_CREATE |
	    NLM_F_EXCL, r);

	if (msg == NULL) {
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return nl_route_talk(nl, msg, why, why_len);
}

int
netlink_rule_del(struct netlink *nl, const struct netlink_rule *r,
    char *why, size_t why_len)
{
	struct nl_msg *msg = nl_rule_build(RTM_DELRULE, 0, r);

	if (msg == NULL) {
		snprintf(why, why_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return nl_route_talk(nl, msg, why, why_len);
}

int
netlink_promote_secondaries(const char *ifname)
{
	char path[96];
	int fd;
	ssize_t n;

	if (strchr(ifname, '/') != NULL || strcmp(ifname, "..") == 0 ||
	    strcmp(ifname, ".") == 0)
		return -EINVAL;
	snprintf(path, sizeof(path),
	    "/proc/sys/net/ipv4/conf/%s/promote_secondaries", ifname);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = write(fd, "1\n", 2);
	close(fd);
	return n == 2 ? 0 : -EIO;
}

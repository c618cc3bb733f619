/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_kernel_exp - the kernel's expectations as sync records (see
 * ct_kernel.h): events, a dump, create and delete, through
 * libnetfilter_conntrack's nfexp API on handles of their own (EXPECT).
 *
 * Installing follows the master's kernel: the expected and mask tuples,
 * the helper and its class, the flags, and for a NATed helper flow
 * (nf_nat_ftp) the saved address, its direction and the expect function
 * ("nat-follow-master"), without which the data connection would match
 * but not be NATed back to the inside host. The master flow must be in
 * the table with its helper (ct_kernel_apply sets CTA_HELP at creation).
 *
 * libnetfilter_conntrack 1.0.9 builds an expectation without its class,
 * NAT and expect function (nfexp_nlmsg_build leaves them out): a create
 * is its message plus those attributes, sent on a libmnl socket of its
 * own and answered with an ack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnfnetlink/libnfnetlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_compat.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>

#include "ctsync/ct_kernel.h"

static bool
has(const struct nf_conntrack *ct, enum nf_conntrack_attr a)
{
	return nfct_attr_is_set(ct, a) > 0;
}

static bool
l4_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP;
}

static void
set_addr(struct nf_conntrack *ct, int family, enum nf_conntrack_attr v4,
    enum nf_conntrack_attr v6, const uint8_t *bytes)
{
	nfct_set_attr(ct, family == AF_INET ? v4 : v6, bytes);
}

/* A tuple of a libnetfilter_conntrack object's original direction. */
static bool
tuple_from_ct(const struct nf_conntrack *ct, uint8_t family,
    struct ct_tuple *t)
{
	size_t alen = family == AF_INET ? 4 : 16;
	const void *src = nfct_get_attr(ct, family == AF_INET ?
	    ATTR_ORIG_IPV4_SRC : ATTR_ORIG_IPV6_SRC);
	const void *dst = nfct_get_attr(ct, family == AF_INET ?
	    ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV6_DST);

	memset(t, 0, sizeof(*t));
	if (src != NULL)
		memcpy(t->src, src, alen);
	if (dst != NULL)
		memcpy(t->dst, dst, alen);
	if (has(ct, ATTR_ORIG_PORT_SRC))
		t->sport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
	if (has(ct, ATTR_ORIG_PORT_DST))
		t->dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
	return true;
}

static void
copy_name(char *to, size_t len, const char *from)
{
	memset(to, 0, len);
	if (from != NULL && strlen(from) < len)
		memcpy(to, from, strlen(from));
}

/* Kernel expectation -> sync record; false for what sync does not carry. */
static bool
expect_from_kernel(const struct nf_expect *exp, uint8_t op,
    struct ct_expect *x)
{
	const struct nf_conntrack *master = nfexp_get_attr(exp, ATTR_EXP_MASTER);
	const struct nf_conntrack *tuple = nfexp_get_attr(exp, ATTR_EXP_EXPECTED);
	const struct nf_conntrack *mask = nfexp_get_attr(exp, ATTR_EXP_MASK);

	memset(x, 0, sizeof(*x));
	if (master == NULL || tuple == NULL || mask == NULL)
		return false;
	x->op = op;
	x->family = nfct_get_attr_u8(master, ATTR_L3PROTO);
	x->master_proto = nfct_get_attr_u8(master, ATTR_L4PROTO);
	x->proto = nfct_get_attr_u8(tuple, ATTR_L4PROTO);
	if ((x->family != AF_INET && x->family != AF_INET6) ||
	    !l4_has_ports(x->proto) || !l4_has_ports(x->master_proto))
		return false;
	tuple_from_ct(master, x->family, &x->master);
	tuple_from_ct(tuple, x->family, &x->tuple);
	tuple_from_ct(mask, x->family, &x->mask);
	if (nfexp_attr_is_set(exp, ATTR_EXP_NAT_TUPLE) > 0 &&
	    nfexp_attr_is_set(exp, ATTR_EXP_NAT_DIR) > 0) {
		x->has_nat = true;
		x->nat_dir = nfexp_get_attr_u8(exp, ATTR_EXP_NAT_DIR) ? 1 : 0;
		tuple_from_ct(nfexp_get_attr(exp, ATTR_EXP_NAT_TUPLE), x->family,
		    &x->nat);
		/* Only the saved source travels (ct_wire.h). */
		memset(x->nat.dst, 0, sizeof(x->nat.dst));
		x->nat.dport = 0;
	}
	if (nfexp_attr_is_set(exp, ATTR_EXP_TIMEOUT) > 0)
		x->timeout_s = nfexp_get_attr_u32(exp, ATTR_EXP_TIMEOUT);
	if (nfexp_attr_is_set(exp, ATTR_EXP_FLAGS) > 0)
		x->flags = nfexp_get_attr_u32(exp, ATTR_EXP_FLAGS);
	if (nfexp_attr_is_set(exp, ATTR_EXP_CLASS) > 0)
		x->class = nfexp_get_attr_u32(exp, ATTR_EXP_CLASS);
	if (nfexp_attr_is_set(exp, ATTR_EXP_ZONE) > 0)
		x->zone = nfexp_get_attr_u16(exp, ATTR_EXP_ZONE);
	if (nfexp_attr_is_set(exp, ATTR_EXP_HELPER_NAME) > 0)
		copy_name(x->helper, sizeof(x->helper),
		    nfexp_get_attr(exp, ATTR_EXP_HELPER_NAME));
	if (nfexp_attr_is_set(exp, ATTR_EXP_FN) > 0)
		copy_name(x->fn, sizeof(x->fn), nfexp_get_attr(exp, ATTR_EXP_FN));
	return ct_expect_valid(x);
}

static int
expect_event_cb(enum nf_conntrack_msg_type type, struct nf_expect *exp,
    void *data)
{
	struct ct_kernel *k = data;
	struct ct_expect x;

	if (type != NFCT_T_NEW && type != NFCT_T_DESTROY)
		return NFCT_CB_CONTINUE;
	if (k->events_wanted && expect_from_kernel(exp, type == NFCT_T_DESTROY ?
	    CT_OP_DESTROY : CT_OP_UPDATE, &x))
		k->on_expect(k->arg, &x, false);
	return NFCT_CB_CONTINUE;
}

static int
expect_dump_cb(enum nf_conntrack_msg_type type, struct nf_expect *exp,
    void *data)
{
	struct ct_kernel *k = data;
	struct ct_expect x;

	(void)type;
	if (expect_from_kernel(exp, CT_OP_UPDATE, &x))
		k->on_expect(k->arg, &x, true);
	return NFCT_CB_CONTINUE;
}

int
ct_kernel_expect_open(struct ct_kernel *k, ct_kernel_expect_cb cb)
{
	int err, fd;

	k->on_expect = cb;
	k->exp_events = nfct_open(EXPECT, NF_NETLINK_CONNTRACK_EXP_NEW |
	    NF_NETLINK_CONNTRACK_EXP_DESTROY);
	if (k->exp_events == NULL)
		return errno ? -errno : -EIO;
	if ((k->exp_query = nfct_open(EXPECT, 0)) == NULL)
		return errno ? -errno : -EIO;
	k->exp_create = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (k->exp_create == NULL || mnl_socket_bind(k->exp_create, 0,
	    MNL_SOCKET_AUTOPID) < 0)
		return errno ? -errno : -EIO;
	fd = nfct_fd(k->exp_events);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    nfexp_callback_register(k->exp_events, NFCT_T_ALL, expect_event_cb,
	    k) < 0) {
		err = errno ? -errno : -EIO;
		return err;
	}
	return 0;
}

int
ct_kernel_expect_fd(const struct ct_kernel *k)
{
	return k->exp_events != NULL ? nfct_fd(k->exp_events) : -1;
}

int
ct_kernel_read_expects(struct ct_kernel *k, unsigned max_reads)
{
	unsigned char buf[CT_KERNEL_EVENT_BUF_BYTES / 4];
	struct nfnl_handle *h;

	if (k->exp_events == NULL)
		return 0;
	h = (struct nfnl_handle *)nfct_nfnlh(k->exp_events);
	for (unsigned i = 0; i < max_reads; i++) {
		ssize_t n = nfnl_recv(h, buf, sizeof(buf));

		if (n > 0) {
			(void)nfnl_process(h, buf, (size_t)n);
			continue;
		}
		if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			k->exp_events_lost++;
			k->overrun = true;
			continue;
		}
		return -errno;
	}
	return 1;
}

int
ct_kernel_dump_expects(struct ct_kernel *k)
{
	uint32_t family = AF_UNSPEC;
	int rc;

	if (k->exp_query == NULL)
		return 0;
	nfexp_callback_unregister(k->exp_query);
	if (nfexp_callback_register(k->exp_query, NFCT_T_ALL, expect_dump_cb,
	    k) < 0)
		return errno ? -errno : -EIO;
	rc = nfexp_query(k->exp_query, NFCT_Q_DUMP, &family);
	rc = rc < 0 ? (errno ? -errno : -EIO) : 0;
	nfexp_callback_unregister(k->exp_query);
	return rc;
}

/* A libnetfilter_conntrack object holding tuple t as its original one. */
static struct nf_conntrack *
tuple_ct(uint8_t family, uint8_t proto, const struct ct_tuple *t,
    bool ports)
{
	struct nf_conntrack *ct = nfct_new();

	if (ct == NULL)
		return NULL;
	nfct_set_attr_u8(ct, ATTR_L3PROTO, family);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, proto);
	set_addr(ct, family, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, t->src);
	set_addr(ct, family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, t->dst);
	if (ports) {
		nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(t->sport));
		nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(t->dport));
	}
	return ct;
}

/* The NAT tuple: the saved source (address and port) of x. */
static void
put_nat_tuple(struct nlmsghdr *nlh, const struct ct_expect *x)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, CTA_EXPECT_NAT_TUPLE);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	struct nlattr *pr;
	static const uint8_t zero[16];

	if (x->family == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, x->nat.src);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, zero);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, x->nat.src);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, zero);
	}
	mnl_attr_nest_end(nlh, ip);
	pr = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, x->master_proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(x->nat.sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, 0);
	mnl_attr_nest_end(nlh, pr);
	mnl_attr_nest_end(nlh, t);
}

/*
 * IPCTNL_MSG_EXP_NEW for exp (the library's attributes) and x's class,
 * NAT and expect function; the kernel's answer. Returns 1 or -errno.
 */
static int
create(struct ct_kernel *k, const struct nf_expect *exp,
    const struct ct_expect *x)
{
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	uint32_t seq = ++k->exp_seq, portid;
	ssize_t n;
	int rc;

	if (buf == NULL)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK_EXP << 8) | IPCTNL_MSG_EXP_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = x->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (nfexp_nlmsg_build(nlh, exp) < 0) {
		free(buf);
		return -EINVAL;
	}
	if (x->helper[0] != '\0')
		mnl_attr_put_u32(nlh, CTA_EXPECT_CLASS, htonl(x->class));
	if (x->has_nat) {
		struct nlattr *nat = mnl_attr_nest_start(nlh, CTA_EXPECT_NAT);

		mnl_attr_put_u32(nlh, CTA_EXPECT_NAT_DIR, htonl(x->nat_dir));
		put_nat_tuple(nlh, x);
		mnl_attr_nest_end(nlh, nat);
	}
	if (x->fn[0] != '\0')
		mnl_attr_put_strz(nlh, CTA_EXPECT_FN, x->fn);
	portid = mnl_socket_get_portid(k->exp_create);
	if (mnl_socket_sendto(k->exp_create, nlh, nlh->nlmsg_len) < 0) {
		rc = errno ? -errno : -EIO;
		free(buf);
		return rc;
	}
	rc = 1;
	while ((n = mnl_socket_recvfrom(k->exp_create, buf,
	    MNL_SOCKET_BUFFER_SIZE)) > 0) {
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);

		if (r == MNL_CB_ERROR) {
			rc = errno ? -errno : -EIO;
			break;
		}
		if (r == MNL_CB_STOP)
			break;
	}
	if (n < 0)
		rc = errno ? -errno : -EIO;
	free(buf);
	return rc;
}

int
ct_kernel_apply_expect(struct ct_kernel *k, const struct ct_expect *x)
{
	struct nf_conntrack *master = NULL, *tuple = NULL, *mask = NULL;
	struct nf_expect *exp = nfexp_new();
	int rc = -ENOMEM;

	if (exp == NULL || k->exp_query == NULL || k->exp_create == NULL)
		goto out;
	tuple = tuple_ct(x->family, x->proto, &x->tuple, true);
	master = tuple_ct(x->family, x->master_proto, &x->master, true);
	mask = tuple_ct(x->family, x->proto, &x->mask, true);
	if (tuple == NULL || master == NULL || mask == NULL)
		goto out;
	nfexp_set_attr(exp, ATTR_EXP_EXPECTED, tuple);
	if (x->zone != 0)
		nfexp_set_attr_u16(exp, ATTR_EXP_ZONE, x->zone);
	nfexp_callback_unregister(k->exp_query);
	if (x->op == CT_OP_DESTROY) {
		rc = nfexp_query(k->exp_query, NFCT_Q_DESTROY, exp) < 0 ?
		    (errno ? -errno : -EIO) : 0;
		if (rc == -ENOENT)
			rc = 0;
		goto out;
	}
	nfexp_set_attr(exp, ATTR_EXP_MASTER, master);
	nfexp_set_attr(exp, ATTR_EXP_MASK, mask);
	/* A kernel timer of 0 would expire it at once. */
	nfexp_set_attr_u32(exp, ATTR_EXP_TIMEOUT, x->timeout_s != 0 ?
	    x->timeout_s : 1);
	/* NF_CT_EXPECT_USERSPACE (bit 2) is the kernel's to set. */
	nfexp_set_attr_u32(exp, ATTR_EXP_FLAGS, x->flags & ~4u);
	/* Class, NAT and function: create() adds them (see the top). */
	if (x->helper[0] != '\0')
		nfexp_set_attr(exp, ATTR_EXP_HELPER_NAME, x->helper);
	rc = create(k, exp, x);
	if (rc == -EEXIST || rc == -EBUSY)
		rc = 0;
out:
	if (exp != NULL)
		nfexp_destroy(exp);
	if (master != NULL)
		nfct_destroy(master);
	if (tuple != NULL)
		nfct_destroy(tuple);
	if (mask != NULL)
		nfct_destroy(mask);
	return rc;
}


/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_kernel - the kernel's conntrack table as sync entries (see ct_kernel.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>
#include <libnfnetlink/libnfnetlink.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctsync/ct_kernel.h"

/* Events arrive in bursts when many flows open at once: a deep buffer. */
#define EVENT_RCVBUF_BYTES (8u * 1024 * 1024)
/* The status bits ctnetlink lets us set; the rest the kernel computes. */
#define SETTABLE_STATUS (IPS_SEEN_REPLY | IPS_ASSURED)
/* A TCP flow the master saw established but whose timer we did not get. */
#define DEFAULT_TIMEOUT_S 120

/* What the query handle's callback is collecting (a GET). */
struct query_ctx {
	struct ct_entry *got;
	bool found;
};

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

static bool
l4_is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* Sequence adjustment (nf_nat_ftp and the like), per direction. */
static const enum nf_conntrack_attr seqadj_attrs[2][3] = {
	{ ATTR_ORIG_NAT_SEQ_CORRECTION_POS, ATTR_ORIG_NAT_SEQ_OFFSET_BEFORE,
	    ATTR_ORIG_NAT_SEQ_OFFSET_AFTER },
	{ ATTR_REPL_NAT_SEQ_CORRECTION_POS, ATTR_REPL_NAT_SEQ_OFFSET_BEFORE,
	    ATTR_REPL_NAT_SEQ_OFFSET_AFTER },
};

/* Kernel entry -> sync entry; false for what sync does not carry. */
static bool
entry_from_ct(const struct nf_conntrack *ct, uint8_t op, struct ct_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->family = nfct_get_attr_u8(ct, ATTR_L3PROTO);
	e->proto = nfct_get_attr_u8(ct, ATTR_L4PROTO);
	if (!l4_has_ports(e->proto) && !l4_is_icmp(e->proto))
		return false;
	if (e->family == AF_INET) {
		memcpy(e->orig.src, nfct_get_attr(ct, ATTR_ORIG_IPV4_SRC), 4);
		memcpy(e->orig.dst, nfct_get_attr(ct, ATTR_ORIG_IPV4_DST), 4);
		memcpy(e->reply.src, nfct_get_attr(ct, ATTR_REPL_IPV4_SRC), 4);
		memcpy(e->reply.dst, nfct_get_attr(ct, ATTR_REPL_IPV4_DST), 4);
	} else if (e->family == AF_INET6) {
		memcpy(e->orig.src, nfct_get_attr(ct, ATTR_ORIG_IPV6_SRC), 16);
		memcpy(e->orig.dst, nfct_get_attr(ct, ATTR_ORIG_IPV6_DST), 16);
		memcpy(e->reply.src, nfct_get_attr(ct, ATTR_REPL_IPV6_SRC), 16);
		memcpy(e->reply.dst, nfct_get_attr(ct, ATTR_REPL_IPV6_DST), 16);
	} else {
		return false;
	}
	if (l4_is_icmp(e->proto)) {
		/*
		 * The wire's ICMP tuple (lib/ctsync/ct_wire.h): the id in
		 * sport, type << 8 | code in dport; the reply's id is the
		 * original's (the NAT core keeps it unless it must clash-map
		 * it, and recomputes it on install), its type the answer's.
		 */
		e->orig.sport = ntohs(nfct_get_attr_u16(ct, ATTR_ICMP_ID));
		e->orig.dport = (uint16_t)(nfct_get_attr_u8(ct, ATTR_ICMP_TYPE) << 8 |
		    nfct_get_attr_u8(ct, ATTR_ICMP_CODE));
		e->reply.sport = e->orig.sport;
		e->reply.dport = e->orig.dport;
	} else {
		e->orig.sport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
		e->orig.dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
		e->reply.sport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
		e->reply.dport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
	}
	if (has(ct, ATTR_STATUS))
		e->status = nfct_get_attr_u32(ct, ATTR_STATUS);
	if (has(ct, ATTR_TIMEOUT))
		e->timeout_s = nfct_get_attr_u32(ct, ATTR_TIMEOUT);
	if (has(ct, ATTR_MARK))
		e->mark = nfct_get_attr_u32(ct, ATTR_MARK);
	if (e->proto == IPPROTO_TCP && has(ct, ATTR_TCP_STATE))
		e->tcp_state = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
	if (has(ct, ATTR_ZONE))
		e->zone = nfct_get_attr_u16(ct, ATTR_ZONE);
	for (int d = 0; d < 2; d++)
		if (has(ct, seqadj_attrs[d][0])) {
			e->seqadj[d].pos = nfct_get_attr_u32(ct, seqadj_attrs[d][0]);
			e->seqadj[d].before = nfct_get_attr_u32(ct,
			    seqadj_attrs[d][1]);
			e->seqadj[d].after = nfct_get_attr_u32(ct,
			    seqadj_attrs[d][2]);
		}
	/* Kernel helper names fit 16 bytes with their NUL. */
	if (has(ct, ATTR_HELPER_NAME)) {
		const char *h = nfct_get_attr(ct, ATTR_HELPER_NAME);

		if (h != NULL && strlen(h) < sizeof(e->helper))
			memcpy(e->helper, h, strlen(h));
	}
	return ct_entry_valid(e);
}

static bool
marked(const struct ct_kernel *k, const struct nf_conntrack *ct)
{
	if (!k->by_mark)
		return true;    /* the caller's select decides (ct_select) */
	return has(ct, ATTR_MARK) && nfct_get_attr_u32(ct, ATTR_MARK) == k->mark;
}

static int
query_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct query_ctx *q = data;

	(void)type;
	q->found = entry_from_ct(ct, CT_OP_UPDATE, q->got);
	return NFCT_CB_CONTINUE;
}

/* The full entry, for an update event that came without the TCP state. */
static bool
get_full(struct ct_kernel *k, struct nf_conntrack *ct, struct ct_entry *e)
{
	struct query_ctx q = { .got = e };

	k->lookups++;
	nfct_callback_unregister(k->query);
	if (nfct_callback_register(k->query, NFCT_T_ALL, query_cb, &q) < 0)
		return false;
	if (nfct_query(k->query, NFCT_Q_GET, ct) < 0)
		q.found = false;
	nfct_callback_unregister(k->query);
	return q.found;
}

static int
event_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct ct_kernel *k = data;
	struct ct_entry e;
	uint8_t op = type == NFCT_T_DESTROY ? CT_OP_DESTROY : CT_OP_UPDATE;

	k->events_seen++;
	if (!k->events_wanted || !marked(k, ct) || !entry_from_ct(ct, op, &e))
		return NFCT_CB_CONTINUE;
	/*
	 * ctnetlink sends the TCP state only when it changed; an update for
	 * another reason (assured, mark) must not make the peer's entry lose
	 * it, so fetch the whole entry.
	 */
	if (op == CT_OP_UPDATE && e.proto == IPPROTO_TCP && e.tcp_state == 0 &&
	    !k->no_lookups && !get_full(k, ct, &e))
		return NFCT_CB_CONTINUE;
	k->on_entry(k->arg, &e, false);
	return NFCT_CB_CONTINUE;
}

/*
 * Let the kernel drop events of other flows before they reach us (a BPF
 * filter on the socket): on a busy router most flows are not balanced.
 * ctnetlink puts the mark in every event of a marked entry. Without the
 * filter (older kernels) event_cb's own check does the same, slower.
 */
static void
filter_events(struct ct_kernel *k)
{
	struct nfct_filter_dump_mark m = { .val = k->mark, .mask = 0xffffffffu };
	struct nfct_filter *f = nfct_filter_create();

	if (!k->by_mark || f == NULL) {
		if (f != NULL)
			nfct_filter_destroy(f);
		return;
	}
	nfct_filter_add_attr(f, NFCT_FILTER_MARK, &m);
	nfct_filter_set_logic(f, NFCT_FILTER_MARK, NFCT_FILTER_LOGIC_POSITIVE);
	k->filtered = nfct_filter_attach(nfct_fd(k->events), f) == 0;
	nfct_filter_destroy(f);
}

int
ct_kernel_open(struct ct_kernel *k, bool by_mark, uint32_t mark,
    ct_kernel_entry_cb cb, void *arg)
{
	int err, fd;

	memset(k, 0, sizeof(*k));
	k->by_mark = by_mark;
	k->mark = mark;
	k->on_entry = cb;
	k->arg = arg;
	k->events_wanted = true;
	k->events = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_NEW |
	    NF_NETLINK_CONNTRACK_UPDATE | NF_NETLINK_CONNTRACK_DESTROY);
	if (k->events == NULL)
		return errno ? -errno : -EIO;
	if ((k->query = nfct_open(CONNTRACK, 0)) == NULL) {
		err = errno ? -errno : -EIO;
		ct_kernel_close(k);
		return err;
	}
	nfnl_rcvbufsiz(nfct_nfnlh(k->events), EVENT_RCVBUF_BYTES);
	filter_events(k);
	fd = nfct_fd(k->events);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    nfct_callback_register(k->events, NFCT_T_ALL, event_cb, k) < 0) {
		err = -errno;
		ct_kernel_close(k);
		return err;
	}
	return 0;
}

static void
dumper_close(struct ct_kernel *k)
{
	if (k->dumper != NULL)
		mnl_socket_close(k->dumper);
	free(k->dump_buf);
	k->dumper = NULL;
	k->dump_buf = NULL;
	k->dumping = false;
}

void
ct_kernel_close(struct ct_kernel *k)
{
	if (k->events != NULL)
		nfct_close(k->events);
	if (k->query != NULL)
		nfct_close(k->query);
	if (k->exp_events != NULL)
		nfct_close(k->exp_events);
	if (k->exp_query != NULL)
		nfct_close(k->exp_query);
	if (k->exp_create != NULL)
		mnl_socket_close(k->exp_create);
	k->events = k->query = k->exp_events = k->exp_query = NULL;
	k->exp_create = NULL;
	dumper_close(k);
}

void
ct_kernel_want_events(struct ct_kernel *k, bool on)
{
	k->events_wanted = on;
}

void
ct_kernel_no_lookups(struct ct_kernel *k)
{
	k->no_lookups = true;
}

int
ct_kernel_events_fd(const struct ct_kernel *k)
{
	return k->events != NULL ? nfct_fd(k->events) : -1;
}

int
ct_kernel_read_events(struct ct_kernel *k, unsigned max_reads)
{
	unsigned char *buf = k->event_buf;
	/* nfct_nfnlh gives it const; nfnl_process dispatches through it. */
	struct nfnl_handle *h = (struct nfnl_handle *)nfct_nfnlh(k->events);

	for (unsigned i = 0; i < max_reads; i++) {
		ssize_t n = nfnl_recv(h, buf, sizeof(k->event_buf));

		if (n > 0) {
			/* Parse errors concern one message; read on. */
			(void)nfnl_process(h, buf, (size_t)n);
			continue;
		}
		if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			/* Lost events cannot be named: the caller sends a dump. */
			k->events_lost++;
			k->overrun = true;
			continue;
		}
		return -errno;
	}
	return 1;
}

/* ---- paced dumps ------------------------------------------------------- */

static int
dumper_open(struct ct_kernel *k)
{
	if (k->dumper != NULL)
		return 0;
	if ((k->dump_buf = malloc(CT_KERNEL_DUMP_BUF_BYTES)) == NULL)
		return -ENOMEM;
	k->dumper = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK |
	    SOCK_CLOEXEC);
	if (k->dumper == NULL || mnl_socket_bind(k->dumper, 0,
	    MNL_SOCKET_AUTOPID) < 0) {
		int err = errno ? -errno : -EIO;

		dumper_close(k);
		return err;
	}
	k->dump_portid = mnl_socket_get_portid(k->dumper);
	return 0;
}

void
ct_kernel_dump_abort(struct ct_kernel *k)
{
	/*
	 * The kernel would go on filling the socket with the old dump's
	 * batches; a new socket is the simple way to be rid of them.
	 */
	if (k->dumping)
		dumper_close(k);
}

int
ct_kernel_dump_start(struct ct_kernel *k)
{
	struct nfct_filter_dump_mark m = { .val = k->mark, .mask = 0xffffffffu };
	struct nfct_filter_dump *f;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	int err;

	ct_kernel_dump_abort(k);
	k->dump_skipped = 0;
	if ((err = dumper_open(k)) < 0)
		return err;
	if ((f = nfct_filter_dump_create()) == NULL)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(k->dump_buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++k->dump_seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	/* The kernel filters by mark; dump_cb checks it again all the same. */
	if (k->by_mark)
		nfct_filter_dump_set_attr(f, NFCT_FILTER_DUMP_MARK, &m);
	err = nfct_nlmsg_build_filter(nlh, f);
	nfct_filter_dump_destroy(f);
	if (err < 0)
		return -EINVAL;
	if (mnl_socket_sendto(k->dumper, nlh, nlh->nlmsg_len) < 0) {
		err = errno ? -errno : -EIO;
		dumper_close(k);
		return err;
	}
	k->dumping = true;
	return 0;
}

static int
dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_kernel *k = data;
	struct nf_conntrack *ct = nfct_new();
	struct ct_entry e;

	/* One entry missed: counted, so that the dump is not taken as whole. */
	if (ct == NULL) {
		k->dump_skipped++;
		return MNL_CB_OK;
	}
	if (nfct_nlmsg_parse(nlh, ct) < 0)
		k->dump_skipped++;
	else if (marked(k, ct) && entry_from_ct(ct, CT_OP_UPDATE, &e))
		k->on_entry(k->arg, &e, true);
	nfct_destroy(ct);
	return MNL_CB_OK;
}

int
ct_kernel_dump_step(struct ct_kernel *k)
{
	ssize_t n;
	int rc;

	if (!k->dumping)
		return 0;
	n = mnl_socket_recvfrom(k->dumper, k->dump_buf, CT_KERNEL_DUMP_BUF_BYTES);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return -EAGAIN;
	if (n <= 0) {
		rc = n < 0 && errno ? -errno : -EIO;
		dumper_close(k);
		return rc;
	}
	rc = mnl_cb_run(k->dump_buf, (size_t)n, k->dump_seq, k->dump_portid,
	    dump_cb, k);
	if (rc == MNL_CB_STOP) {
		k->dumping = false;
		return 0;
	}
	if (rc < 0) {
		rc = errno ? -errno : -EIO;
		dumper_close(k);
		return rc;
	}
	return 1;
}

static void
set_addr(struct nf_conntrack *ct, int family, enum nf_conntrack_attr v4,
    enum nf_conntrack_attr v6, const uint8_t *bytes)
{
	if (family == AF_INET)
		nfct_set_attr(ct, v4, bytes);
	else
		nfct_set_attr(ct, v6, bytes);
}

/* The original tuple: enough to find an entry. */
static void
set_orig(struct nf_conntrack *ct, const struct ct_entry *e)
{
	nfct_set_attr_u8(ct, ATTR_L3PROTO, e->family);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, e->proto);
	/* The zone is part of the identity: lookups name it too. */
	if (e->zone != 0)
		nfct_set_attr_u16(ct, ATTR_ZONE, e->zone);
	set_addr(ct, e->family, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, e->orig.src);
	set_addr(ct, e->family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, e->orig.dst);
	if (l4_is_icmp(e->proto)) {
		nfct_set_attr_u16(ct, ATTR_ICMP_ID, htons(e->orig.sport));
		nfct_set_attr_u8(ct, ATTR_ICMP_TYPE, (uint8_t)(e->orig.dport >> 8));
		nfct_set_attr_u8(ct, ATTR_ICMP_CODE, (uint8_t)e->orig.dport);
		return;
	}
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(e->orig.sport));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(e->orig.dport));
}

/*
 * Creation: the reply tuple as if there were no NAT, and NAT requests that
 * let the kernel's NAT core rebuild the real reply tuple (as conntrackd).
 */
static void
set_reply_and_nat(struct nf_conntrack *ct, const struct ct_entry *e)
{
	size_t alen = e->family == AF_INET ? 4 : 16;

	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, e->family);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, e->proto);
	set_addr(ct, e->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, e->orig.dst);
	set_addr(ct, e->family, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST, e->orig.src);
	if (l4_is_icmp(e->proto)) {
		/* The reply's id and type: the library's and the kernel's. */
		if (memcmp(e->reply.src, e->orig.dst, alen) != 0)
			set_addr(ct, e->family, ATTR_DNAT_IPV4, ATTR_DNAT_IPV6,
			    e->reply.src);
		if (memcmp(e->reply.dst, e->orig.src, alen) != 0)
			set_addr(ct, e->family, ATTR_SNAT_IPV4, ATTR_SNAT_IPV6,
			    e->reply.dst);
		return;
	}
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(e->orig.dport));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(e->orig.sport));
	if (memcmp(e->reply.src, e->orig.dst, alen) != 0 ||
	    e->reply.sport != e->orig.dport) {
		set_addr(ct, e->family, ATTR_DNAT_IPV4, ATTR_DNAT_IPV6, e->reply.src);
		nfct_set_attr_u16(ct, ATTR_DNAT_PORT, htons(e->reply.sport));
	}
	if (memcmp(e->reply.dst, e->orig.src, alen) != 0 ||
	    e->reply.dport != e->orig.sport) {
		set_addr(ct, e->family, ATTR_SNAT_IPV4, ATTR_SNAT_IPV6, e->reply.dst);
		nfct_set_attr_u16(ct, ATTR_SNAT_PORT, htons(e->reply.dport));
	}
}

static void
set_state(struct nf_conntrack *ct, const struct ct_entry *e)
{
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, e->timeout_s ? e->timeout_s :
	    DEFAULT_TIMEOUT_S);
	nfct_set_attr_u32(ct, ATTR_MARK, e->mark);
	nfct_set_attr_u32(ct, ATTR_STATUS, e->status & SETTABLE_STATUS);
	if (e->proto != IPPROTO_TCP)
		return;
	/*
	 * A helper that changed a payload's length (a PORT that NAT made
	 * shorter or longer) shifted the flow's sequence numbers; without
	 * the offsets the new master would send the old ones.
	 */
	for (int d = 0; d < 2; d++) {
		const struct ct_seqadj *q = &e->seqadj[d];

		if (q->pos == 0 && q->before == 0 && q->after == 0)
			continue;
		nfct_set_attr_u32(ct, seqadj_attrs[d][0], q->pos);
		nfct_set_attr_u32(ct, seqadj_attrs[d][1], q->before);
		nfct_set_attr_u32(ct, seqadj_attrs[d][2], q->after);
	}
	if (e->tcp_state != 0)
		nfct_set_attr_u8(ct, ATTR_TCP_STATE, e->tcp_state);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
}

static int
query(struct ct_kernel *k, enum nf_conntrack_query what,
    struct nf_conntrack *ct)
{
	int rc;

	nfct_callback_unregister(k->query);
	rc = nfct_query(k->query, what, ct);
	return rc < 0 ? (errno ? -errno : -EIO) : 0;
}

int
ct_kernel_apply(struct ct_kernel *k, const struct ct_entry *e)
{
	struct nf_conntrack *ct;
	int rc;

	if ((ct = nfct_new()) == NULL)
		return -ENOMEM;
	set_orig(ct, e);
	if (e->op == CT_OP_DESTROY) {
		rc = query(k, NFCT_Q_DESTROY, ct);
		nfct_destroy(ct);
		return rc == -ENOENT ? 0 : rc;
	}
	set_state(ct, e);
	set_reply_and_nat(ct, e);
	/*
	 * The helper only at creation (the kernel assigns one to a new flow,
	 * from the ruleset's `ct helper`, only on its first packet): the
	 * master flow of a synced expectation needs it.
	 */
	if (e->helper[0] != '\0')
		nfct_set_attr(ct, ATTR_HELPER_NAME, e->helper);
	rc = query(k, NFCT_Q_CREATE, ct);
	nfct_destroy(ct);
	if (rc != -EEXIST)
		return rc == 0 ? 1 : rc;
	/* It is there (an earlier sync, or our own traffic): update in place. */
	if ((ct = nfct_new()) == NULL)
		return -ENOMEM;
	set_orig(ct, e);
	set_state(ct, e);
	rc = query(k, NFCT_Q_UPDATE, ct);
	nfct_destroy(ct);
	return rc;
}

bool
ct_kernel_lookup(struct ct_kernel *k, uint8_t family, uint8_t proto,
    uint16_t zone, const struct ct_tuple *orig, struct ct_entry *out)
{
	struct ct_entry key = { .op = CT_OP_UPDATE, .family = family,
	    .proto = proto, .zone = zone, .orig = *orig };
	struct nf_conntrack *ct = nfct_new();
	bool found;

	if (ct == NULL)
		return false;
	set_orig(ct, &key);
	found = get_full(k, ct, out);
	nfct_destroy(ct);
	return found;
}

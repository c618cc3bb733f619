/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_wire - the connection-sync wire format (see ct_wire.h for the layout).
 *
 * Decoding is strict and in a fixed order: the length and the fixed fields
 * first (ct_wire_check: cheap, and they tell how long the datagram must
 * be), then the caller's HMAC over everything (lib/ctsync/ct_auth), and
 * only then the body. A datagram either decodes whole or is refused with
 * one reason. Pure: the codec never computes a MAC.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "base/be_bytes.h"
#include "ctsync/ct_wire.h"

static const char *const drop_names[CT_DROP__COUNT] = {
	[CT_DROP_NONE] = "none",
	[CT_DROP_TRUNCATED] = "truncated",
	[CT_DROP_OVERSIZED] = "oversized",
	[CT_DROP_BAD_MAGIC] = "bad_magic",
	[CT_DROP_BAD_VERSION] = "bad_version",
	[CT_DROP_BAD_TYPE] = "bad_type",
	[CT_DROP_BAD_COUNT] = "bad_count",
	[CT_DROP_BAD_HMAC] = "bad_hmac",
	[CT_DROP_BAD_ENTRY] = "bad_entry",
	[CT_DROP_REPLAYED] = "replayed",
	[CT_DROP_TOO_OLD] = "too_old",
	[CT_DROP_NOT_PEER] = "not_peer",
	[CT_DROP_REFLECTED] = "reflected",
};

const char *
ct_drop_name(enum ct_drop reason)
{
	if ((unsigned)reason >= CT_DROP__COUNT)
		return "unknown";
	return drop_names[reason];
}

/* ---- entries ----------------------------------------------------------- */

static bool name_valid(const char *name, size_t len);

bool
ct_entry_valid(const struct ct_entry *e)
{
	static const uint8_t zero[12];

	if (e->op != CT_OP_UPDATE && e->op != CT_OP_DESTROY)
		return false;
	if (e->family != AF_INET && e->family != AF_INET6)
		return false;
	if (!name_valid(e->helper, sizeof(e->helper)))
		return false;
	/* IPv4 addresses leave 12 bytes unused: they must be zero. */
	if (e->family == AF_INET &&
	    (memcmp(e->orig.src + 4, zero, 12) != 0 ||
	    memcmp(e->orig.dst + 4, zero, 12) != 0 ||
	    memcmp(e->reply.src + 4, zero, 12) != 0 ||
	    memcmp(e->reply.dst + 4, zero, 12) != 0))
		return false;
	switch (e->proto) {
	case IPPROTO_TCP:
		/* TCP_CONNTRACK_NONE..TCP_CONNTRACK_SYN_SENT2 are 0..10. */
		return e->tcp_state <= 10;
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return e->tcp_state == 0;
	default:
		return false;
	}
}

/*
 * A name field: printable ASCII up to a NUL within len bytes, zero after
 * it (one encoding per name, so that a datagram encodes back byte for
 * byte).
 */
static bool
name_valid(const char *name, size_t len)
{
	size_t i = 0;

	while (i < len && name[i] != '\0') {
		if (name[i] <= ' ' || name[i] > '~')
			return false;
		i++;
	}
	if (i == len)
		return false;
	for (; i < len; i++)
		if (name[i] != '\0')
			return false;
	return true;
}

static bool
tuple_v4_clean(const struct ct_tuple *t)
{
	static const uint8_t zero[12];

	return memcmp(t->src + 4, zero, 12) == 0 &&
	    memcmp(t->dst + 4, zero, 12) == 0;
}

static bool
l4_known(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP || proto == IPPROTO_ICMP ||
	    proto == IPPROTO_ICMPV6;
}

bool
ct_expect_valid(const struct ct_expect *x)
{
	if (x->op != CT_OP_UPDATE && x->op != CT_OP_DESTROY)
		return false;
	if (x->family != AF_INET && x->family != AF_INET6)
		return false;
	if (x->family == AF_INET && (!tuple_v4_clean(&x->master) ||
	    !tuple_v4_clean(&x->tuple) || !tuple_v4_clean(&x->mask) ||
	    !tuple_v4_clean(&x->nat)))
		return false;
	if (!l4_known(x->proto) || !l4_known(x->master_proto))
		return false;
	if (x->nat_dir > 1)
		return false;
	if (!x->has_nat && (x->nat_dir != 0 ||
	    memcmp(&x->nat, &(struct ct_tuple){ 0 }, sizeof(x->nat)) != 0))
		return false;
	return name_valid(x->helper, sizeof(x->helper)) &&
	    name_valid(x->fn, sizeof(x->fn));
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	/* splitmix64's finaliser over a running sum: cheap and well spread */
	h += v + 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

uint64_t
ct_entry_key(const struct ct_entry *e)
{
	uint64_t h = mix(0, (uint64_t)e->zone << 16 | (uint64_t)e->family << 8 |
	    e->proto), v;

	for (size_t i = 0; i < 16; i += 8) {
		memcpy(&v, e->orig.src + i, 8);
		h = mix(h, v);
		memcpy(&v, e->orig.dst + i, 8);
		h = mix(h, v);
	}
	h = mix(h, (uint64_t)e->orig.sport << 16 | e->orig.dport);
	return h != 0 ? h : 1;
}

uint64_t
ct_wire_session_next(uint64_t realtime_ns, uint64_t last)
{
	if (realtime_ns > last)
		return realtime_ns;
	/* 0 would mean "no session" to a receiver. */
	return last + 1 != 0 ? last + 1 : 1;
}

static void
put_tuple(uint8_t *p, const struct ct_tuple *t)
{
	memcpy(p, t->src, 16);
	memcpy(p + 16, t->dst, 16);
	be_put16(p + 32, t->sport);
	be_put16(p + 34, t->dport);
}

static void
get_tuple(const uint8_t *p, struct ct_tuple *t)
{
	memcpy(t->src, p, 16);
	memcpy(t->dst, p + 16, 16);
	t->sport = be_get16(p + 32);
	t->dport = be_get16(p + 34);
}

static void
put_entry(uint8_t *p, const struct ct_entry *e)
{
	p[0] = e->op;
	p[1] = e->family;
	p[2] = e->proto;
	p[3] = e->tcp_state;
	be_put32(p + 4, e->status);
	be_put32(p + 8, e->timeout_s);
	be_put32(p + 12, e->mark);
	put_tuple(p + 16, &e->orig);
	put_tuple(p + 52, &e->reply);
}

/* Type 7: the 88 bytes, then zone, reserved, helper. */
static void
put_entry_ext(uint8_t *p, const struct ct_entry *e)
{
	put_entry(p, e);
	be_put16(p + 88, e->zone);
	be_put16(p + 90, 0);
	memcpy(p + 92, e->helper, CT_WIRE_HELPER_MAX);
	for (int d = 0; d < 2; d++) {
		be_put32(p + 108 + 12 * d, e->seqadj[d].pos);
		be_put32(p + 112 + 12 * d, e->seqadj[d].before);
		be_put32(p + 116 + 12 * d, e->seqadj[d].after);
	}
}

static void
put_expect(uint8_t *p, const struct ct_expect *x)
{
	p[0] = x->op;
	p[1] = x->family;
	p[2] = x->proto;
	p[3] = x->master_proto;
	be_put16(p + 4, x->zone);
	p[6] = x->nat_dir;
	p[7] = x->has_nat ? 1 : 0;
	be_put32(p + 8, x->timeout_s);
	be_put32(p + 12, x->flags);
	be_put32(p + 16, x->class);
	put_tuple(p + 20, &x->master);
	put_tuple(p + 56, &x->tuple);
	put_tuple(p + 92, &x->mask);
	put_tuple(p + 128, &x->nat);
	memcpy(p + 164, x->helper, CT_WIRE_HELPER_MAX);
	memcpy(p + 180, x->fn, CT_WIRE_FN_MAX);
}

/* false: a has_nat byte that is neither 0 nor 1 (one encoding only). */
static bool
get_expect(const uint8_t *p, struct ct_expect *x)
{
	memset(x, 0, sizeof(*x));
	x->op = p[0];
	x->family = p[1];
	x->proto = p[2];
	x->master_proto = p[3];
	x->zone = be_get16(p + 4);
	x->nat_dir = p[6];
	x->has_nat = p[7] == 1;
	x->timeout_s = be_get32(p + 8);
	x->flags = be_get32(p + 12);
	x->class = be_get32(p + 16);
	get_tuple(p + 20, &x->master);
	get_tuple(p + 56, &x->tuple);
	get_tuple(p + 92, &x->mask);
	get_tuple(p + 128, &x->nat);
	memcpy(x->helper, p + 164, CT_WIRE_HELPER_MAX);
	memcpy(x->fn, p + 180, CT_WIRE_FN_MAX);
	return p[7] <= 1 && ct_expect_valid(x);
}

static void
get_entry(const uint8_t *p, struct ct_entry *e)
{
	e->op = p[0];
	e->family = p[1];
	e->proto = p[2];
	e->tcp_state = p[3];
	e->status = be_get32(p + 4);
	e->timeout_s = be_get32(p + 8);
	e->mark = be_get32(p + 12);
	get_tuple(p + 16, &e->orig);
	get_tuple(p + 52, &e->reply);
	e->zone = 0;
	e->reserved = 0;
	memset(e->helper, 0, sizeof(e->helper));
	memset(e->seqadj, 0, sizeof(e->seqadj));
}

/* false: reserved bytes that are not zero. */
static bool
get_entry_ext(const uint8_t *p, struct ct_entry *e)
{
	get_entry(p, e);
	e->zone = be_get16(p + 88);
	memcpy(e->helper, p + 92, CT_WIRE_HELPER_MAX);
	for (int d = 0; d < 2; d++) {
		e->seqadj[d].pos = be_get32(p + 108 + 12 * d);
		e->seqadj[d].before = be_get32(p + 112 + 12 * d);
		e->seqadj[d].after = be_get32(p + 116 + 12 * d);
	}
	return be_get16(p + 90) == 0;
}

/* ---- datagrams --------------------------------------------------------- */

/* Body length for type and count, or 0 with *reason set when impossible. */
static size_t
body_len(uint8_t type, uint16_t count, enum ct_drop *reason)
{
	*reason = CT_DROP_NONE;
	switch (type) {
	case CT_WIRE_ENTRIES:
		if (count == 0 || count > CT_WIRE_MAX_ENTRIES)
			break;
		return (size_t)count * CT_WIRE_ENTRY_BYTES;
	case CT_WIRE_ENTRIES_EXT:
		if (count == 0 || count > CT_WIRE_MAX_ENTRIES_EXT)
			break;
		return (size_t)count * CT_WIRE_ENTRY_EXT_BYTES;
	case CT_WIRE_EXPECTS:
		if (count == 0 || count > CT_WIRE_MAX_EXPECTS)
			break;
		return (size_t)count * CT_WIRE_EXPECT_BYTES;
	case CT_WIRE_NACK:
		if (count == 0 || count > CT_WIRE_MAX_RANGES)
			break;
		return (size_t)count * 8;
	case CT_WIRE_RESYNC:
	case CT_WIRE_HEARTBEAT:
	case CT_WIRE_PROBE:
	case CT_WIRE_PROBE_ANSWER:
		if (count != 0)
			break;
		return 0;
	default:
		*reason = CT_DROP_BAD_TYPE;
		return 0;
	}
	*reason = CT_DROP_BAD_COUNT;
	return 0;
}

/* The header into buf; the total length with the trailer, or -EINVAL. */
static int
put_header(const struct ct_wire_header *hdr, uint8_t *buf, size_t buf_len)
{
	enum ct_drop reason;
	size_t blen = body_len(hdr->type, hdr->count, &reason);
	size_t total = CT_WIRE_HEADER_BYTES + blen + CT_WIRE_HMAC_BYTES;

	if (reason != CT_DROP_NONE || total > buf_len || total > CT_WIRE_MAX_BYTES)
		return -EINVAL;
	be_put32(buf, CT_WIRE_MAGIC);
	buf[4] = CT_WIRE_VERSION;
	buf[5] = hdr->type;
	be_put16(buf + 6, hdr->count);
	be_put64(buf + 8, hdr->session);
	be_put32(buf + 16, hdr->sender_id);
	be_put32(buf + 20, hdr->seq);
	be_put32(buf + 24, hdr->sent_ms);
	be_put32(buf + 28, hdr->flags);
	return (int)total;
}

int
ct_wire_encode_expects(const struct ct_wire_header *hdr,
    const struct ct_expect *expects, uint8_t *buf, size_t buf_len)
{
	uint8_t *p = buf + CT_WIRE_HEADER_BYTES;
	int total;

	if (hdr->type != CT_WIRE_EXPECTS ||
	    (total = put_header(hdr, buf, buf_len)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < hdr->count; i++) {
		if (!ct_expect_valid(&expects[i]))
			return -EINVAL;
		put_expect(p, &expects[i]);
		p += CT_WIRE_EXPECT_BYTES;
	}
	memset(p, 0, CT_WIRE_HMAC_BYTES);
	return total;
}

int
ct_wire_encode(const struct ct_wire_header *hdr,
    const struct ct_entry *entries, const struct ct_range *ranges,
    uint8_t *buf, size_t buf_len)
{
	uint8_t *p = buf + CT_WIRE_HEADER_BYTES;
	int total;

	if (hdr->type == CT_WIRE_EXPECTS ||
	    (total = put_header(hdr, buf, buf_len)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < hdr->count; i++) {
		if (hdr->type == CT_WIRE_ENTRIES ||
		    hdr->type == CT_WIRE_ENTRIES_EXT) {
			if (!ct_entry_valid(&entries[i]))
				return -EINVAL;
			if (hdr->type == CT_WIRE_ENTRIES) {
				/* An earlier release's receiver: no zone, no
				 * helper (ct_wire.h, "Extended records"). */
				put_entry(p, &entries[i]);
				p += CT_WIRE_ENTRY_BYTES;
			} else {
				put_entry_ext(p, &entries[i]);
				p += CT_WIRE_ENTRY_EXT_BYTES;
			}
		} else if (hdr->type == CT_WIRE_NACK) {
			be_put32(p, ranges[i].first);
			be_put32(p + 4, ranges[i].last);
			p += 8;
		}
	}
	/* The trailer is the caller's to fill (ct_auth_sign). */
	memset(p, 0, CT_WIRE_HMAC_BYTES);
	return total;
}

enum ct_drop
ct_wire_check(const uint8_t *buf, size_t len)
{
	enum ct_drop reason;
	size_t blen, total;

	if (len > CT_WIRE_MAX_BYTES)
		return CT_DROP_OVERSIZED;
	if (len < CT_WIRE_HEADER_BYTES + CT_WIRE_HMAC_BYTES)
		return CT_DROP_TRUNCATED;
	if (be_get32(buf) != CT_WIRE_MAGIC)
		return CT_DROP_BAD_MAGIC;
	if (buf[4] != CT_WIRE_VERSION)
		return CT_DROP_BAD_VERSION;
	blen = body_len(buf[5], be_get16(buf + 6), &reason);
	if (reason != CT_DROP_NONE)
		return reason;
	total = CT_WIRE_HEADER_BYTES + blen + CT_WIRE_HMAC_BYTES;
	if (len < total)
		return CT_DROP_TRUNCATED;
	if (len > total)
		return CT_DROP_OVERSIZED;
	return CT_DROP_NONE;
}

enum ct_drop
ct_wire_decode(const uint8_t *buf, size_t len, struct ct_wire_msg *msg)
{
	struct ct_wire_header *hdr = &msg->hdr;
	enum ct_drop reason;
	const uint8_t *p;

	if ((reason = ct_wire_check(buf, len)) != CT_DROP_NONE)
		return reason;
	hdr->type = buf[5];
	hdr->count = be_get16(buf + 6);
	hdr->session = be_get64(buf + 8);
	hdr->sender_id = be_get32(buf + 16);
	hdr->seq = be_get32(buf + 20);
	hdr->sent_ms = be_get32(buf + 24);
	hdr->flags = be_get32(buf + 28);
	p = buf + CT_WIRE_HEADER_BYTES;
	for (size_t i = 0; i < hdr->count; i++) {
		if (hdr->type == CT_WIRE_ENTRIES) {
			get_entry(p, &msg->entries[i]);
			if (!ct_entry_valid(&msg->entries[i]))
				return CT_DROP_BAD_ENTRY;
			p += CT_WIRE_ENTRY_BYTES;
		} else if (hdr->type == CT_WIRE_ENTRIES_EXT) {
			if (!get_entry_ext(p, &msg->entries[i]) ||
			    !ct_entry_valid(&msg->entries[i]))
				return CT_DROP_BAD_ENTRY;
			p += CT_WIRE_ENTRY_EXT_BYTES;
		} else if (hdr->type == CT_WIRE_EXPECTS) {
			if (!get_expect(p, &msg->expects[i]))
				return CT_DROP_BAD_ENTRY;
			p += CT_WIRE_EXPECT_BYTES;
		} else {
			msg->ranges[i].first = be_get32(p);
			msg->ranges[i].last = be_get32(p + 4);
			if (msg->ranges[i].first > msg->ranges[i].last)
				return CT_DROP_BAD_ENTRY;
			p += 8;
		}
	}
	return CT_DROP_NONE;
}

/* ---- replay window ----------------------------------------------------- */

#define WINDOW_WORDS (CT_WIRE_WINDOW / 64)

static bool
window_bit(const uint64_t *map, uint32_t back)
{
	return (map[back / 64] >> (back % 64)) & 1;
}

static void
window_set(uint64_t *map, uint32_t back)
{
	map[back / 64] |= (uint64_t)1 << (back % 64);
}

/* Age every bit of map by n sequence numbers (bit i becomes bit i + n). */
static void
window_shift(uint64_t *map, uint32_t n)
{
	uint32_t words = n / 64, bits = n % 64;

	if (n >= CT_WIRE_WINDOW) {
		memset(map, 0, WINDOW_WORDS * sizeof(*map));
		return;
	}
	for (int i = WINDOW_WORDS - 1; i >= 0; i--) {
		uint64_t v = 0;
		int from = i - (int)words;

		if (from >= 0) {
			v = map[from] << bits;
			if (bits != 0 && from > 0)
				v |= map[from - 1] >> (64 - bits);
		}
		map[i] = v;
	}
}

enum ct_drop
ct_window_check(const struct ct_window *w, uint64_t session, uint32_t seq,
    bool *new_session)
{
	uint32_t back;

	*new_session = false;
	if (seq == 0)
		return CT_DROP_TOO_OLD;
	if (w->session == 0 || session > w->session) {
		*new_session = true;
		return CT_DROP_NONE;
	}
	if (session < w->session)
		return CT_DROP_TOO_OLD;
	if (seq > w->highest)
		return CT_DROP_NONE;
	/* Before the first one seen or the last resync: the dump covers it,
	 * and its content may be older than what the dump brought. */
	if (seq < w->floor)
		return CT_DROP_TOO_OLD;
	back = w->highest - seq;
	if (back >= CT_WIRE_WINDOW)
		return CT_DROP_TOO_OLD;
	return window_bit(w->bits, back) ? CT_DROP_REPLAYED : CT_DROP_NONE;
}

bool
ct_window_adopts(const struct ct_window *w, uint64_t session, uint32_t seq,
    uint64_t silent_ms)
{
	/*
	 * seq 0 is never sent (the first is 1) and ct_window_check refuses it
	 * in any session: adopting for it would throw the followed window
	 * away for a datagram that is then refused all the same.
	 */
	return w->session != 0 && session != 0 && session < w->session &&
	    seq != 0 && silent_ms >= CT_WIRE_ADOPT_SILENT_MS;
}

bool
ct_window_loses(const struct ct_window *w, uint32_t seq)
{
	uint32_t from, to;

	if (w->session == 0 || seq <= w->highest || seq < CT_WIRE_WINDOW)
		return false;
	from = ct_window_lowest(w);
	/* The lowest number the window keeps once seq is the highest. */
	to = seq - CT_WIRE_WINDOW + 1;
	if (to <= from)
		return false;
	if (to - 1 > w->highest)
		return true;            /* never seen: beyond the old highest */
	for (uint32_t n = from; n < to; n++)
		if (!window_bit(w->bits, w->highest - n))
			return true;
	return false;
}

void
ct_window_accept(struct ct_window *w, uint64_t session, uint32_t seq)
{
	if (w->session != session) {
		memset(w, 0, sizeof(*w));
		w->session = session;
		w->highest = w->floor = seq;
		window_set(w->bits, 0);
		return;
	}
	if (seq > w->highest) {
		window_shift(w->bits, seq - w->highest);
		window_shift(w->asked, seq - w->highest);
		w->highest = seq;
		window_set(w->bits, 0);
		return;
	}
	window_set(w->bits, w->highest - seq);
}

uint32_t
ct_window_lowest(const struct ct_window *w)
{
	uint32_t lowest = w->highest >= CT_WIRE_WINDOW ?
	    w->highest - CT_WIRE_WINDOW + 1 : 1;

	return lowest < w->floor ? w->floor : lowest;
}

/*
 * The missing numbers (with unasked: those no nack named yet) from the
 * oldest up, as at most max ranges. A word at a time, from bit
 * (highest - lowest) down to bit 1: called for every datagram while loss
 * is repaired, over a window of thousands of numbers mostly all there.
 */
static size_t
window_gaps(const struct ct_window *w, bool unasked, struct ct_range *ranges,
    size_t max)
{
	uint32_t lowest, back;
	size_t n = 0;

	if (w->session == 0 || max == 0)
		return 0;
	lowest = ct_window_lowest(w);
	if (lowest >= w->highest)
		return 0;
	back = w->highest - lowest;
	for (;;) {
		uint32_t word = back / 64, top = back % 64;
		uint64_t miss = ~w->bits[word];

		if (unasked)
			miss &= ~w->asked[word];
		/* Bits 0..top of this word; bit 0 of word 0 is the highest. */
		if (top < 63)
			miss &= ((uint64_t)1 << (top + 1)) - 1;
		if (word == 0)
			miss &= ~(uint64_t)1;
		if (miss == 0) {
			if (word == 0)
				break;
			back = word * 64 - 1;
			continue;
		}
		back = word * 64 + (uint32_t)(63 - __builtin_clzll(miss));
		uint32_t seq = w->highest - back;

		if (n > 0 && ranges[n - 1].last + 1 == seq) {
			ranges[n - 1].last = seq;
		} else {
			if (n == max)
				break;
			ranges[n].first = ranges[n].last = seq;
			n++;
		}
		back--;
	}
	return n;
}

bool
ct_window_has_gaps(const struct ct_window *w)
{
	struct ct_range r[1];

	return window_gaps(w, false, r, 1) > 0;
}

size_t
ct_window_gaps(const struct ct_window *w, struct ct_range *ranges, size_t max)
{
	return window_gaps(w, false, ranges, max);
}

size_t
ct_window_unasked(const struct ct_window *w, struct ct_range *ranges,
    size_t max)
{
	return window_gaps(w, true, ranges, max);
}

void
ct_window_ask(struct ct_window *w, const struct ct_range *ranges, size_t n)
{
	uint32_t lowest = ct_window_lowest(w);

	if (w->session == 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (uint32_t seq = ranges[i].first > lowest ? ranges[i].first :
		    lowest; seq <= ranges[i].last && seq < w->highest; seq++)
			window_set(w->asked, w->highest - seq);
}

bool
ct_window_asked(const struct ct_window *w, uint32_t seq)
{
	/* Below the floor too: a resend of a number given up for a resync. */
	if (w->session == 0 || seq > w->highest ||
	    w->highest - seq >= CT_WIRE_WINDOW)
		return false;
	return window_bit(w->asked, w->highest - seq);
}

void
ct_window_reset(struct ct_window *w)
{
	memset(w, 0, sizeof(*w));
}

/*
 * ct_sync - connection-table sync (protocol in ct_sync.h, wire in
 * ct_wire.h, kernel side in ct_kernel.c).
 *
 * Both ends send through the same path: a datagram takes the next sequence
 * number of this run (session), is encoded into its ring slot, and the
 * ring is pumped into the socket. So a nack can be answered from the ring
 * byte for byte, and the ring doubles as the bounded send queue.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ct_sync.h"
#include "nft.h"

_Static_assert(CONF_SYNC_KEY_MAX <= CT_WIRE_KEY_MAX, "key sizes");
_Static_assert(CONF_SYNC_KEY_MIN >= 32, "HMAC-SHA256 key of 32 bytes");

static uint64_t
realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static socklen_t
sockaddr_of(const struct vrrp_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->bytes, 16);
	return sizeof(*sin6);
}

static bool
from_peer(const struct ct_sync *s, const struct sockaddr_storage *ss)
{
	const struct vrrp_addr *p = &s->conf.peer;

	if (ss->ss_family == AF_INET && p->family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)ss)->sin_addr,
		    p->bytes, 4) == 0;
	if (ss->ss_family == AF_INET6 && p->family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
		    p->bytes, 16) == 0;
	return false;
}

/* ---- sending ----------------------------------------------------------- */

static void
watch_out(struct ct_sync *s, bool on)
{
	if (s->want_out == on)
		return;
	s->want_out = on;
	evloop_del(s->loop, &s->udp_watch);
	evloop_add(s->loop, &s->udp_watch, EPOLLIN | (on ? EPOLLOUT : 0));
}

static int
send_slot(struct ct_sync *s, const struct ct_ring_slot *slot)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(&s->conf.peer, s->conf.port, &ss);

	if (sendto(s->fd, slot->bytes, slot->len, 0, (struct sockaddr *)&ss,
	    sl) < 0)
		return -errno;
	s->stats.datagrams_sent++;
	return 0;
}

/* Hand the ring's unsent datagrams to the socket until it is full. */
static void
pump(struct ct_sync *s)
{
	const struct ct_ring_slot *slot;

	while ((slot = ct_ring_unsent(&s->ring)) != NULL) {
		int err = send_slot(s, slot);

		if (err == -EAGAIN || err == -EWOULDBLOCK || err == -ENOBUFS) {
			watch_out(s, true);
			return;
		}
		if (err < 0)
			s->stats.send_errors++;   /* the peer's nack repairs it */
		ct_ring_sent(&s->ring);
	}
	s->stats.queue_full = s->ring.overwritten;
	watch_out(s, false);
}

/*
 * Sequence numbers are 32 bits: before they wrap, start a new session. The
 * peer sees a newer session, restarts its window and asks for the table.
 */
static void
rollover(struct ct_sync *s)
{
	log_notice("conn_sync: sequence numbers used up, starting a new session");
	pump(s);
	ct_ring_restart(&s->ring);
	ct_sync_session_start(s);
	watch_out(s, false);
}

/* Encode the next datagram into its ring slot and send what can be sent. */
static void
emit(struct ct_sync *s, uint8_t type, const struct ct_entry *entries,
    const struct ct_range *ranges, uint16_t count, uint32_t flags)
{
	struct ct_wire_header hdr = { .type = type, .count = count,
	    .session = s->session, .sender_id = s->sender_id,
	    .sent_ms = (uint32_t)realtime_ms(), .flags = flags };
	struct ct_ring_slot *slot;
	int len;

	if (ct_ring_exhausted(&s->ring)) {
		rollover(s);
		hdr.session = s->session;
	}
	slot = ct_ring_next(&s->ring, &hdr.seq);
	len = ct_wire_encode(&hdr, entries, ranges, &s->key, slot->bytes,
	    sizeof(slot->bytes));
	if (len < 0) {
		ct_ring_abort(&s->ring, slot);
		s->stats.send_errors++;
		return;
	}
	ct_ring_commit(&s->ring, slot, hdr.seq, (size_t)len);
	s->emitted++;
	if (type == CT_WIRE_ENTRIES)
		s->stats.entries_sent += count;
	pump(s);
}

void
ct_sync_flush(struct ct_sync *s, uint32_t flags)
{
	if (s->nbatch == 0) {
		if (flags != 0)
			emit(s, CT_WIRE_HEARTBEAT, NULL, NULL, 0, flags);
		return;
	}
	emit(s, CT_WIRE_ENTRIES, s->batch, NULL, s->nbatch, flags);
	s->nbatch = 0;
}

/*
 * From ct_kernel: an event or a dumped entry of a balanced flow.
 *
 * While a dump runs, events go on. A dump batch is filled by the kernel
 * when the previous one is read (ct_kernel.h), so the entries of read r
 * are as old as read r - 1: an event handled after that read told a newer
 * state of its flow (or its end) than the batch holds, and went out
 * first. Such an entry is left out, else it would undo the event on the
 * receiver. Events are noted with the number of the read they are newer
 * than (reads + 1).
 */
static void
on_entry(void *arg, const struct ct_entry *e, bool from_dump)
{
	struct ct_sync *s = arg;

	if (s->role != CT_SYNC_SENDER) {
		if (from_dump && s->sweep_phase == CT_SYNC_SWEEP_READING)
			ct_sweep_collect(&s->sweep, e);
		return;
	}
	if (from_dump) {
		if (ct_order_newer(&s->fresh, ct_entry_key(e), s->dump.reads - 1)) {
			s->stats.dump_superseded++;
			return;
		}
	} else if (s->dump.active && !s->dump.restart &&
	    ct_order_note(&s->fresh, ct_entry_key(e), s->dump.reads + 1,
	    s->dump.reads + 1) < 0) {
		/* Too many to weigh the next batch against: read again. */
		s->dump.restart = true;
	}
	s->batch[s->nbatch++] = *e;
	if (s->nbatch == CT_WIRE_MAX_ENTRIES)
		ct_sync_flush(s, 0);
}

/* A nack: resend from the ring, or a full dump when it is gone. */
static void
answer_nack(struct ct_sync *s, const struct ct_wire_msg *m)
{
	s->stats.nacks_received++;
	for (size_t i = 0; i < m->hdr.count; i++) {
		const struct ct_range *r = &m->ranges[i];

		if (r->last - r->first >= CT_RING_SLOTS) {
			s->dump_due = true;
			return;
		}
		for (uint32_t k = 0; k <= r->last - r->first; k++) {
			const struct ct_ring_slot *slot = NULL;
			enum ct_ring_lookup where = ct_ring_find(&s->ring,
			    r->first + k, &slot);

			if (where == CT_RING_QUEUED)
				break;          /* it goes out anyway */
			if (where == CT_RING_GONE) {
				s->dump_due = true;
				return;
			}
			if (send_slot(s, slot) == 0)
				s->stats.datagrams_resent++;
		}
	}
}

/* ---- receiving --------------------------------------------------------- */

static void
count_drop(struct ct_sync *s, enum ct_drop reason, uint64_t now_ms)
{
	uint64_t suppressed = 0;

	s->stats.drops[reason]++;
	if (log_ratelimit_allow(&s->drop_log, now_ms, &suppressed))
		log_warn("conn_sync: dropped %s on %s: %s (%" PRIu64
		    " more not logged)", reason == CT_DROP_STALE_ENTRY ?
		    "an entry of a late datagram" : "datagram", s->conf.interface,
		    ct_drop_name(reason), suppressed);
}

static void
request_resync(struct ct_sync *s, uint64_t now_ms)
{
	uint16_t tag;

	/* A sweep under way belongs to the answer before: a new one follows. */
	if (s->sweep_phase != CT_SYNC_SWEEP_IDLE)
		ct_sync_sweep_abort(s);
	tag = ct_sweep_begin(&s->sweep);

	emit(s, CT_WIRE_RESYNC, NULL, NULL, 0,
	    (uint32_t)tag << CT_SWEEP_TAG_SHIFT);
	s->stats.resyncs_requested++;
	/* What was missing is given up on: only the new answer is whole. */
	s->sweep_due = false;
	ct_order_clear(&s->order);
	s->resync_asked_ms = now_ms;
	s->synced = false;
	s->gap_since_ms = 0;
	/* The dump covers whatever is missing so far: stop asking for it. */
	if (s->window.session != 0)
		s->window.floor = s->window.highest + 1;
}

static void
send_nack(struct ct_sync *s, uint64_t now_ms)
{
	struct ct_range ranges[CT_WIRE_MAX_RANGES];
	size_t n = ct_window_gaps(&s->window, ranges, CT_WIRE_MAX_RANGES);

	if (n == 0) {
		s->gap_since_ms = 0;
		return;
	}
	if (s->gap_since_ms == 0)
		s->gap_since_ms = now_ms;
	emit(s, CT_WIRE_NACK, NULL, ranges, (uint16_t)n, 0);
	s->stats.nacks_sent++;
	s->last_nack_ms = now_ms;
}

/*
 * Apply the entries of a verified datagram. late: it came after a higher
 * sequence number (a resend filling a gap); its entries for flows that a
 * later datagram changed are stale and skipped. While a gap is open, the
 * flows applied are noted with the datagram's number for the late ones to
 * come (lib/ct_order); when that table is full the gap is given up for a
 * full resync.
 */
static void
install(struct ct_sync *s, const struct ct_wire_msg *m, bool late,
    uint64_t now_ms)
{
	uint64_t suppressed = 0;
	int64_t lag = (int32_t)((uint32_t)realtime_ms() - m->hdr.sent_ms);
	bool gaps = ct_window_has_gaps(&s->window), full = false;
	uint32_t lowest = ct_window_lowest(&s->window);

	s->stats.entries_received += m->hdr.count;
	s->last_entries_ms = now_ms;
	s->stats.lag_ms = lag;
	if (lag > s->stats.lag_max_ms)
		s->stats.lag_max_ms = lag;
	for (size_t i = 0; i < m->hdr.count; i++) {
		const struct ct_entry *e = &m->entries[i];
		uint64_t key = ct_entry_key(e);
		int rc;

		if (late && ct_order_newer(&s->order, key, m->hdr.seq)) {
			count_drop(s, CT_DROP_STALE_ENTRY, now_ms);
			continue;
		}
		rc = ct_kernel_apply(&s->kernel, e);
		ct_sweep_mark(&s->sweep, e);
		if (gaps && !full &&
		    ct_order_note(&s->order, key, m->hdr.seq, lowest) < 0)
			full = true;
		if (rc == 1)
			s->stats.entries_installed++;
		else if (rc == 0 && e->op == CT_OP_DESTROY)
			s->stats.entries_deleted++;
		else if (rc == 0)
			s->stats.entries_updated++;
		else if (rc == -ENOMEM || rc == -ENOSPC)
			s->stats.table_full++;
		else
			s->stats.install_errors++;
		if (rc < 0 && log_ratelimit_allow(&s->drop_log, now_ms,
		    &suppressed))
			log_warn("conn_sync: cannot install an entry: %s (%" PRIu64
			    " more not logged)", strerror(-rc), suppressed);
	}
	if (full) {
		log_warn("conn_sync: too many changes while datagrams are "
		    "missing to order them, asking for a full resync");
		request_resync(s, now_ms);
	}
}

static void
handle(struct ct_sync *s, const struct ct_wire_msg *m, bool late,
    uint64_t now_ms)
{
	uint16_t tag = CT_SWEEP_TAG_OF(m->hdr.flags);

	switch (m->hdr.type) {
	case CT_WIRE_ENTRIES:
		if (s->role == CT_SYNC_SENDER)
			s->stats.entries_ignored += m->hdr.count;
		else
			install(s, m, late, now_ms);
		break;
	case CT_WIRE_RESYNC:
		/* A repeat of the request the running dump answers: it comes. */
		if (s->role == CT_SYNC_SENDER &&
		    !(s->dump.active && s->dump.tag == tag && tag != 0)) {
			s->dump_due = true;
			s->answer_tag = tag;
		}
		break;
	case CT_WIRE_NACK:
		if (s->role == CT_SYNC_SENDER)
			answer_nack(s, m);
		break;
	default:
		break;
	}
	/*
	 * Only the answer to our open request is whole: a refresh or the
	 * answer to an earlier request may have started before we asked.
	 */
	if ((m->hdr.flags & CT_WIRE_F_RESYNC_DONE) &&
	    s->role == CT_SYNC_RECEIVER) {
		s->stats.dumps_received++;
		if (ct_sweep_answers(&s->sweep, tag)) {
			if (!s->synced) {
				log_info("conn_sync: full resync from %s done",
				    s->conf.interface);
				s->stats.resyncs_completed++;
				s->stats.last_resync_ms = now_ms;
			}
			s->synced = true;
			if (s->sweep_phase == CT_SYNC_SWEEP_IDLE)
				s->sweep_due = true;
		}
	}
	ct_sync_sweep(s, now_ms);
}

static void
receive_one(struct ct_sync *s, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, uint64_t now_ms)
{
	struct ct_wire_msg *m = &s->rx;
	enum ct_drop reason;
	bool new_session, late, adopted = false;
	uint64_t suppressed = 0;

	if (!from_peer(s, from)) {
		count_drop(s, CT_DROP_NOT_PEER, now_ms);
		return;
	}
	if ((reason = ct_wire_decode(buf, len, &s->key, m)) != CT_DROP_NONE) {
		count_drop(s, reason, now_ms);
		return;
	}
	reason = ct_window_check(&s->window, m->hdr.session, m->hdr.seq,
	    &new_session);
	if (reason == CT_DROP_TOO_OLD && ct_window_adopts(&s->window,
	    m->hdr.session, m->hdr.seq, now_ms - s->stats.last_rx_ms)) {
		/* lib/ct_wire.h, "Sessions": the peer's clock went back. */
		if (log_ratelimit_allow(&s->adopt_log, now_ms, &suppressed))
			log_notice("conn_sync: peer on %s restarted with an older "
			    "session (its clock set back?); following it after "
			    "%.1f s without a word from the newer one (%" PRIu64
			    " more not logged)", s->conf.interface,
			    (double)(now_ms - s->stats.last_rx_ms) / 1000.0,
			    suppressed);
		s->stats.sessions_adopted++;
		ct_window_reset(&s->window);
		adopted = true;
		reason = ct_window_check(&s->window, m->hdr.session, m->hdr.seq,
		    &new_session);
	}
	if (reason != CT_DROP_NONE) {
		count_drop(s, reason, now_ms);
		return;
	}
	/* The peer restarted: what it had told us may be stale or partial. */
	if (new_session && (s->window.session != 0 || adopted) &&
	    s->role == CT_SYNC_RECEIVER) {
		if (!adopted)
			log_notice("conn_sync: peer restarted, asking for a full "
			    "resync");
		s->synced = false;
		s->resync_asked_ms = 0;
	}
	if (new_session)
		ct_order_clear(&s->order);
	late = !new_session && m->hdr.seq < s->window.highest;
	ct_window_accept(&s->window, m->hdr.session, m->hdr.seq);
	s->stats.datagrams_received++;
	s->stats.last_rx_ms = now_ms;
	handle(s, m, late, now_ms);
	/* No gap left: nothing older can come, the order is not needed. */
	if (ct_order_count(&s->order) > 0 && !ct_window_has_gaps(&s->window))
		ct_order_clear(&s->order);
}

static void
udp_event(struct evloop_watch *w, uint32_t events)
{
	struct ct_sync *s = w->arg;
	uint8_t buf[CT_WIRE_MAX_BYTES + 1];
	struct sockaddr_storage from;
	uint64_t now_ms = evloop_now_ms();

	if (events & EPOLLOUT)
		pump(s);
	for (int i = 0; i < CT_SYNC_READ_BUDGET; i++) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s->fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		if ((size_t)n > CT_WIRE_MAX_BYTES) {
			count_drop(s, from_peer(s, &from) ? CT_DROP_OVERSIZED :
			    CT_DROP_NOT_PEER, now_ms);
			continue;
		}
		receive_one(s, buf, (size_t)n, &from, now_ms);
	}
	if (s->role == CT_SYNC_SENDER)
		ct_sync_dump_run(s, now_ms);
	if (s->role == CT_SYNC_RECEIVER && s->gap_since_ms == 0)
		send_nack(s, now_ms);   /* a new gap is asked for at once */
}

static void
ct_event(struct evloop_watch *w, uint32_t events)
{
	struct ct_sync *s = w->arg;
	int err;

	(void)events;
	if ((err = ct_kernel_read_events(&s->kernel, CT_SYNC_EVENT_READS)) < 0)
		log_warn("conn_sync: reading conntrack events: %s", strerror(-err));
	s->stats.event_lookups = s->kernel.lookups;
	if (s->kernel.overrun) {
		s->kernel.overrun = false;
		s->stats.events_lost = s->kernel.events_lost;
		if (s->role == CT_SYNC_SENDER) {
			log_warn("conn_sync: conntrack events lost, sending the "
			    "whole table");
			s->dump_due = true;
		}
	}
	if (s->role != CT_SYNC_SENDER)
		return;
	ct_sync_flush(s, 0);
	ct_sync_dump_run(s, evloop_now_ms());
}

/* ---- life cycle -------------------------------------------------------- */

static int
open_socket(struct ct_sync *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(&s->conf.local, s->conf.port, &ss);
	int one = 1, size = CT_SYNC_SOCKBUF_BYTES;
	int fd = socket(s->conf.local.family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* The sync address may arrive on the interface after we start. */
	if (s->conf.local.family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, s->conf.interface,
	    (socklen_t)strlen(s->conf.interface)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int
ct_sync_open(struct ct_sync *s, const struct conf_conn_sync *conf,
    struct evloop *loop, const char *state_dir, uint64_t now_ms)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->conf = *conf;
	s->loop = loop;
	memcpy(s->key.bytes, conf->key, conf->key_len);
	s->key.len = conf->key_len;
	ct_order_init(&s->order, 0);
	ct_order_init(&s->fresh, 0);
	if (state_dir != NULL && state_dir[0] != '\0' &&
	    (size_t)snprintf(s->session_path, sizeof(s->session_path), "%s/%s",
	    state_dir, CT_SYNC_SESSION_FILE) >= sizeof(s->session_path))
		s->session_path[0] = '\0';
	ct_sync_session_start(s);
	for (size_t i = 0; i < sizeof(conf->local.bytes); i++)
		s->sender_id = s->sender_id * 16777619u ^ conf->local.bytes[i];
	s->drop_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(5, 1);
	s->adopt_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(2, 1);
	s->role = CT_SYNC_RECEIVER;
	ct_sweep_init(&s->sweep, 0);
	/* Tags differ from a previous run's, whose answers may be in flight. */
	s->sweep.last_tag = (uint16_t)(s->session >> 10);
	(void)now_ms;
	if (ct_ring_init(&s->ring) < 0)
		return -ENOMEM;
	if ((err = ct_kernel_open(&s->kernel, NFT_VIPD_CT_MARK, on_entry, s)) < 0) {
		log_err("conn_sync: cannot open ctnetlink: %s", strerror(-err));
		goto fail;
	}
	ct_kernel_want_events(&s->kernel, false);     /* a receiver first */
	if ((s->fd = err = open_socket(s)) < 0) {
		log_err("conn_sync: cannot open the sync socket on %s port %u: %s",
		    conf->interface, conf->port, strerror(-err));
		goto fail;
	}
	s->udp_watch = (struct evloop_watch){ s->fd, udp_event, s };
	s->ct_watch = (struct evloop_watch){ ct_kernel_events_fd(&s->kernel),
	    ct_event, s };
	if ((err = evloop_add(loop, &s->udp_watch, EPOLLIN)) < 0 ||
	    (err = evloop_add(loop, &s->ct_watch, EPOLLIN)) < 0)
		goto fail;
	log_notice("conn_sync: on %s, peer port %u, following %s %s",
	    conf->interface, conf->port, conf->follow_is_group ? "sync group" :
	    "instance", conf->follow);
	return 0;
fail:
	ct_sync_close(s);
	return err;
}

void
ct_sync_close(struct ct_sync *s)
{
	if (s->fd >= 0) {
		evloop_del(s->loop, &s->udp_watch);
		close(s->fd);
	}
	if (s->kernel.events != NULL)
		evloop_del(s->loop, &s->ct_watch);
	ct_kernel_close(&s->kernel);
	ct_ring_free(&s->ring);
	ct_sweep_end(&s->sweep);
	ct_order_free(&s->order);
	ct_order_free(&s->fresh);
	s->fd = -1;
}

void
ct_sync_set_role(struct ct_sync *s, bool master, uint64_t now_ms)
{
	enum ct_sync_role role = master ? CT_SYNC_SENDER : CT_SYNC_RECEIVER;

	if (role == s->role)
		return;
	s->role = role;
	s->nbatch = 0;
	s->dump_due = false;
	s->answer_tag = 0;
	s->gap_since_ms = 0;
	s->sweep_due = false;
	ct_sync_dump_stop(s);
	ct_sync_sweep_abort(s);
	ct_order_clear(&s->order);
	ct_kernel_want_events(&s->kernel, role == CT_SYNC_SENDER);
	if (role == CT_SYNC_SENDER) {
		log_notice("conn_sync: sending (%s is master)", s->conf.follow);
		s->next_heartbeat_ms = now_ms;
		s->next_refresh_ms = now_ms + CT_SYNC_REFRESH_MS;
		return;
	}
	/* Our table was the reference; now the peer's is: take it whole. */
	log_notice("conn_sync: receiving (%s is not master)", s->conf.follow);
	s->synced = false;
	s->resync_asked_ms = 0;
}

void
ct_sync_tick(struct ct_sync *s, uint64_t now_ms)
{
	s->stats.event_lookups = s->kernel.lookups;
	if (s->role == CT_SYNC_SENDER) {
		if (now_ms >= s->next_refresh_ms) {
			s->dump_due = true;
			s->next_refresh_ms = now_ms + CT_SYNC_REFRESH_MS;
		}
		ct_sync_dump_run(s, now_ms);
		if (now_ms >= s->next_heartbeat_ms) {
			ct_sync_flush(s, 0);
			emit(s, CT_WIRE_HEARTBEAT, NULL, NULL, 0, 0);
			s->next_heartbeat_ms = now_ms + CT_SYNC_HEARTBEAT_MS;
		}
		return;
	}
	/*
	 * Ask again only while the peer says nothing: a big table may take
	 * longer than the retry interval to arrive, and a second request
	 * would only send it twice.
	 */
	if (!s->synced && (s->resync_asked_ms == 0 ||
	    (now_ms - s->resync_asked_ms >= CT_SYNC_RESYNC_RETRY_MS &&
	    now_ms - s->last_entries_ms >= CT_SYNC_RESYNC_RETRY_MS))) {
		request_resync(s, now_ms);
		return;
	}
	ct_sync_sweep(s, now_ms);
	if (s->gap_since_ms != 0 && now_ms - s->gap_since_ms >= CT_SYNC_GAP_MAX_MS) {
		log_warn("conn_sync: datagrams lost for good, asking for a full "
		    "resync");
		request_resync(s, now_ms);
	} else if (s->gap_since_ms != 0 &&
	    now_ms - s->last_nack_ms >= CT_SYNC_NACK_MS) {
		send_nack(s, now_ms);
	}
}

uint64_t
ct_sync_next_deadline(const struct ct_sync *s)
{
	uint64_t due;

	if (s->role == CT_SYNC_SENDER) {
		if (s->dump_due && !s->dump.active)
			return 1;
		due = s->next_heartbeat_ms < s->next_refresh_ms ?
		    s->next_heartbeat_ms : s->next_refresh_ms;
		if (s->dump.active && s->dump.next_ms < due)
			due = s->dump.next_ms;
		return due;
	}
	if (s->sweep_phase != CT_SYNC_SWEEP_IDLE)
		return s->sweep_next_ms != 0 ? s->sweep_next_ms : 1;
	if (!s->synced)
		return s->resync_asked_ms == 0 ? 1 :
		    (s->resync_asked_ms > s->last_entries_ms ?
		    s->resync_asked_ms : s->last_entries_ms) +
		    CT_SYNC_RESYNC_RETRY_MS;
	if (s->gap_since_ms == 0)
		return 0;
	due = s->last_nack_ms + CT_SYNC_NACK_MS;
	if (s->gap_since_ms + CT_SYNC_GAP_MAX_MS < due)
		due = s->gap_since_ms + CT_SYNC_GAP_MAX_MS;
	return due;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ct_sync_report - the sync state for people (`vipctl conns`, vipd.data)
 * and for programs (`vipctl conns --json`, vipd.json). Field names are the
 * counters' names in struct ct_sync_stats, so the two forms say the same.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include "ctsync/ct_sync.h"

static const char *
role_name(const struct ct_sync *s)
{
	return s->role == CT_SYNC_SENDER ? "sender" : "receiver";
}

/* The counters, as (name, value) pairs for both writers. */
#define COUNTERS(X, st) \
	X("datagrams_sent", (st)->datagrams_sent) \
	X("datagrams_received", (st)->datagrams_received) \
	X("datagrams_resent", (st)->datagrams_resent) \
	X("entries_sent", (st)->entries_sent) \
	X("entries_received", (st)->entries_received) \
	X("entries_installed", (st)->entries_installed) \
	X("entries_updated", (st)->entries_updated) \
	X("entries_deleted", (st)->entries_deleted) \
	X("entries_ignored", (st)->entries_ignored) \
	X("entries_stale", (st)->entries_stale) \
	X("install_errors", (st)->install_errors) \
	X("table_full", (st)->table_full) \
	X("queue_full", (st)->queue_full) \
	X("send_errors", (st)->send_errors) \
	X("events_lost", (st)->events_lost) \
	X("nacks_sent", (st)->nacks_sent) \
	X("nacks_received", (st)->nacks_received) \
	X("resends_unneeded", (st)->resends_unneeded) \
	X("resyncs_requested", (st)->resyncs_requested) \
	X("resyncs_served", (st)->resyncs_served) \
	X("resyncs_completed", (st)->resyncs_completed) \
	X("stale_removed", (st)->stale_removed) \
	X("sweeps_skipped", (st)->sweeps_skipped) \
	X("dumps_received", (st)->dumps_received) \
	X("dump_superseded", (st)->dump_superseded) \
	X("dump_pass_datagrams_max", (st)->dump_pass_datagrams_max) \
	X("dump_entries_skipped", (st)->dump_entries_skipped) \
	X("dumps_partial", (st)->dumps_partial) \
	X("sessions_adopted", (st)->sessions_adopted) \
	X("event_lookups", (st)->event_lookups) \
	X("expects_sent", (st)->expects_sent) \
	X("expects_received", (st)->expects_received) \
	X("expects_installed", (st)->expects_installed) \
	X("expects_deleted", (st)->expects_deleted) \
	X("expect_errors", (st)->expect_errors) \
	X("expects_withheld", (st)->expects_withheld) \
	X("entries_local", (st)->entries_local)

static void
write_ago(FILE *f, uint64_t then_ms, uint64_t now_ms)
{
	if (then_ms == 0)
		fprintf(f, "never");
	else
		fprintf(f, "%.1f s ago", (double)(now_ms - then_ms) / 1000.0);
}

void
ct_sync_write_text(FILE *f, const struct ct_sync *s, uint64_t now_ms)
{
	const struct ct_sync_stats *st = &s->stats;
	char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	size_t n = 0;

	fprintf(f, "conn_sync: %s, following %s %s\n", role_name(s),
	    s->conf.follow_is_group ? "sync group" : "instance", s->conf.follow);
	for (size_t i = 0; i < s->nlinks; i++) {
		const struct ct_sync_link *l = &s->links[i];

		fprintf(f, "  link: %s, local %s, peer %s port %u", l->conf->interface,
		    addr_str(&l->conf->local, local, sizeof(local)),
		    addr_str(&l->conf->peer, peer, sizeof(peer)), s->conf.port);
		if (s->probing) {
			fprintf(f, "; %s%s since ", ct_link_state_name(l->live.state),
			    s->links[i].active ? ", active" : "");
			write_ago(f, l->live.changed_ms, now_ms);
			fprintf(f, "; probes %" PRIu64 ", answers %" PRIu64,
			    l->live.probes_sent, l->live.answers_received);
		}
		if (l->node != 0)
			fprintf(f, "; node %08" PRIx32, l->node);
		fprintf(f, "; datagrams sent %" PRIu64 ", received %" PRIu64 "\n",
		    l->datagrams_sent, l->datagrams_received);
	}
	fprintf(f, "  session: %" PRIu64 "; following node %08" PRIx32
	    ", session %" PRIu64 "\n", s->session, s->follow_id,
	    s->win->session);
	fprintf(f, "  synced: %s; last resync: ", s->role == CT_SYNC_SENDER ?
	    "n/a (sender)" : s->synced ? "yes" : "no");
	write_ago(f, st->last_resync_ms, now_ms);
	fprintf(f, "; last datagram from peer: ");
	write_ago(f, st->last_rx_ms, now_ms);
	fprintf(f, "\n  lag: %" PRId64 " ms (max %" PRId64 " ms); events filtered "
	    "by mark in the %s\n", st->lag_ms, st->lag_max_ms,
	    s->kernel.filtered ? "kernel" : "daemon");
#define TEXT(name, value) \
	fprintf(f, "%s%s %" PRIu64, n++ % 4 == 0 ? "\n  " : ", ", name, \
	    (uint64_t)(value));
	fprintf(f, "  counters:");
	COUNTERS(TEXT, st)
#undef TEXT
	fprintf(f, "\n  drops:");
	for (int r = 1; r < CT_DROP__COUNT; r++)
		fprintf(f, "%s %s %" PRIu64, r == 1 ? "" : ",",
		    ct_drop_name((enum ct_drop)r), st->drops[r]);
	fprintf(f, "\n");
}

/*
 * "links": one object per link, named INTERFACE/PEER for the metrics'
 * label; "health" is the link's state (a stateset of metrics_om.h),
 * "unprobed" with a single link, which is never probed.
 */
static void
write_links_json(FILE *f, const struct ct_sync *s, uint64_t now_ms)
{
	char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];

	fprintf(f, "\"link_switches\":%" PRIu64 ",\"links\":[", s->link_switches);
	for (size_t i = 0; i < s->nlinks; i++) {
		const struct ct_sync_link *l = &s->links[i];

		addr_str(&l->conf->peer, peer, sizeof(peer));
		fprintf(f, "%s{\"name\":\"%s/%s\",\"interface\":\"%s\","
		    "\"local\":\"%s\",\"peer\":\"%s\",\"health\":\"%s\","
		    "\"active\":%s,", i ? "," : "", l->conf->interface, peer,
		    l->conf->interface, addr_str(&l->conf->local, local,
		    sizeof(local)), peer, s->probing ?
		    ct_link_state_name(l->live.state) : "unprobed",
		    s->links[i].active ? "true" : "false");
		/* The sender id of the node it reaches (ct_peer.h); null unknown. */
		if (l->node != 0)
			fprintf(f, "\"node\":\"%08" PRIx32 "\",", l->node);
		else
			fprintf(f, "\"node\":null,");
		if (l->live.changed_ms != 0)
			fprintf(f, "\"changed_ago_ms\":%" PRIu64 ",",
			    now_ms - l->live.changed_ms);
		else
			fprintf(f, "\"changed_ago_ms\":null,");
		fprintf(f, "\"counters\":{\"probes_sent\":%" PRIu64 ","
		    "\"answers_received\":%" PRIu64 ",\"answers_refused\":%"
		    PRIu64 ",\"transitions\":%" PRIu64 ",\"datagrams_sent\":%"
		    PRIu64 ",\"datagrams_received\":%" PRIu64 "}}",
		    l->live.probes_sent, l->live.answers_received,
		    l->live.answers_refused, l->live.transitions,
		    l->datagrams_sent, l->datagrams_received);
	}
	fprintf(f, "],");
}

void
ct_sync_write_json(FILE *f, const struct ct_sync *s, uint64_t now_ms)
{
	const struct ct_sync_stats *st = &s->stats;
	char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	size_t n = 0;

	fprintf(f, "{\"role\":\"%s\",\"follow\":\"%s\",\"follow_is_group\":%s,"
	    "\"interface\":\"%s\",\"local\":\"%s\",\"peer\":\"%s\",\"port\":%u,"
	    "\"synced\":%s,\"kernel_filter\":%s,", role_name(s), s->conf.follow,
	    s->conf.follow_is_group ? "true" : "false", s->conf.interface,
	    addr_str(&s->conf.local, local, sizeof(local)),
	    addr_str(&s->conf.peer, peer, sizeof(peer)), s->conf.port,
	    s->synced ? "true" : "false", s->kernel.filtered ? "true" : "false");
	fprintf(f, "\"session\":%" PRIu64 ",\"peer_session\":%" PRIu64 ",",
	    s->session, s->win->session);
	if (s->follow_id != 0)
		fprintf(f, "\"following\":\"%08" PRIx32 "\",", s->follow_id);
	else
		fprintf(f, "\"following\":null,");
	write_links_json(f, s, now_ms);
	if (st->last_resync_ms != 0)
		fprintf(f, "\"last_resync_ago_ms\":%" PRIu64 ",",
		    now_ms - st->last_resync_ms);
	else
		fprintf(f, "\"last_resync_ago_ms\":null,");
	if (st->last_rx_ms != 0)
		fprintf(f, "\"last_rx_ago_ms\":%" PRIu64 ",", now_ms - st->last_rx_ms);
	else
		fprintf(f, "\"last_rx_ago_ms\":null,");
	fprintf(f, "\"lag_ms\":%" PRId64 ",\"lag_max_ms\":%" PRId64 ",",
	    st->lag_ms, st->lag_max_ms);
	/* "counters" and "drops": the names metrics_om.h makes counters of. */
	fprintf(f, "\"counters\":{");
#define JSON(name, value) \
	fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "", name, (uint64_t)(value));
	COUNTERS(JSON, st)
#undef JSON
	fprintf(f, "},\"drops\":{");
	for (int r = 1; r < CT_DROP__COUNT; r++)
		fprintf(f, "%s\"%s\":%" PRIu64, r == 1 ? "" : ",",
		    ct_drop_name((enum ct_drop)r), st->drops[r]);
	fprintf(f, "}}");
}

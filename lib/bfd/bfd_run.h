/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_run - the configured BFD sessions at run time: their sockets, their
 * timers in the daemon's timer table, the receive path and the send path.
 *
 * Receive: TTL / hop limit 255 (RFC 5881 5) -> the session of the sender's
 * address on that socket -> bfd_pkt_decode -> bfd_auth_verify (when the
 * session authenticates) -> bfd_session_receive. Send: bfd_session_build
 * -> bfd_pkt_encode -> bfd_auth_sign -> the session's socket. Every refused
 * packet is counted under its reason (per session, or as unmatched when no
 * session is the sender's) and logged at a rate a flood cannot raise.
 *
 * Owns: the sessions (one struct bfd_run_session each, stable while the
 * configuration keeps it), the sockets, the discriminators and the random
 * seeds (getrandom, read once at init). Reconfiguration keeps a session
 * whose peer, local address, interface, multiplier and key are the same
 * (new intervals go through a poll sequence); others start again.
 * Never does: decide what a session's state means for VRRP (the daemon's
 * callbacks, lib/vrrp and lib/health do).
 */
#ifndef VIPD_BFD_RUN_H
#define VIPD_BFD_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bfd/bfd_pkt.h"
#include "bfd/bfd_session.h"
#include "conf/conf.h"
#include "os/evloop.h"
#include "os/log.h"

struct bfd_run;

struct bfd_run_session {
	struct conf_bfd_session conf;    /* a copy; the key included */
	struct bfd_session s;
	int tx_fd;                       /* -1 while it cannot be opened */
	uint16_t src_port;
	size_t rx;                       /* index into bfd_run.rx */
	uint64_t rx_packets, tx_packets, tx_errors;
	uint64_t drops[BFD_DROP__COUNT];
	bool silent_told;                /* on_silent called for this silence */
	int last_tx_err;
	struct log_ratelimit drop_log;   /* a peer triggers these */
	struct log_ratelimit err_log;
	bool keep;                       /* reconcile mark */
	struct bfd_run *owner;
};

struct bfd_run_rx {
	struct addr local;
	char ifname[16];
	int fd;
	struct evloop_watch w;
	size_t users;
	struct bfd_run *owner;
};

/* What the daemon hears from the sessions. */
struct bfd_run_hooks {
	/* A transition (the session logged it already). */
	void (*on_state)(void *arg, struct bfd_run_session *rs,
	    const struct bfd_event *ev, uint64_t now_ms);
	/*
	 * An Up session has heard nothing for half its detection time: the
	 * moment to start checking by other means whether the peer lives.
	 */
	void (*on_silent)(void *arg, struct bfd_run_session *rs,
	    uint64_t now_ms);
	void *arg;
};

struct bfd_run {
	struct evloop *loop;
	struct bfd_run_hooks hooks;
	struct bfd_run_session **sess;
	size_t nsess;
	struct bfd_run_rx **rx;          /* receive sockets, each shared */
	size_t nrx;
	uint64_t unmatched[BFD_DROP__COUNT]; /* no session: TTL, NO_SESSION... */
	struct log_ratelimit unmatched_log;
	uint64_t rand_state;             /* from getrandom at init */
	uint16_t port_hint;
};

/* Nothing configured yet; reads the random seed. 0 or -errno. */
int bfd_run_init(struct bfd_run *b, struct evloop *loop,
		 const struct bfd_run_hooks *hooks);

/*
 * Run conf's bfd_sessions (start-up and reload, see the header comment).
 * Sockets that cannot open are logged and retried by bfd_run_tick.
 * Returns 0 or -ENOMEM (nothing changed).
 */
int bfd_run_configure(struct bfd_run *b, const struct conf *conf,
		      uint64_t now_ms);

void bfd_run_tick(struct bfd_run *b, uint64_t now_ms);
uint64_t bfd_run_next_deadline(const struct bfd_run *b);

/* The session named name, or NULL. */
struct bfd_run_session *bfd_run_find(const struct bfd_run *b, const char *name);

/* Whether the session is Up. */
bool bfd_run_up(const struct bfd_run_session *rs);

/* The `vipctl status` lines, the dump's text and its JSON array. */
void bfd_run_status_text(FILE *f, const struct bfd_run *b, uint64_t now_ms);
void bfd_run_dump_json(FILE *f, const struct bfd_run *b, uint64_t now_ms);
/* vipd.stats lines ("bfd.to-b.drops.ttl 3"). */
void bfd_run_stats_text(FILE *f, const struct bfd_run *b);

void bfd_run_close(struct bfd_run *b);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RFC 5798 6.4 state machine, driven with injected time. Expected
 * timer values are worked out by hand from RFC 5798 6.1 (in microseconds,
 * truncated to ms, as keepalived does) and written down as numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/vrrp_fsm.h"

/* Any non-zero start: 0 is the "not armed" value of a deadline. */
#define T0 ((uint64_t)1000000)

#define ACT_TAKEOVER (VRRP_ACT_SEND_ADVERT | VRRP_ACT_ADD_VIPS | \
	VRRP_ACT_SEND_GARP | VRRP_ACT_STATE_CHANGED)

#define check(row, cond) do {						\
	if (!(cond))							\
		fail_msg("%s: %s", (row)->name, #cond);			\
} while (0)

static const struct addr self_addr = {
	.family = AF_INET, .bytes = { 10, 0, 0, 5 } };
static const struct addr lower_addr = {
	.family = AF_INET, .bytes = { 10, 0, 0, 4 } };
static const struct addr higher_addr = {
	.family = AF_INET, .bytes = { 10, 0, 0, 6 } };
/* Equal in their first four bytes: a compare limited to IPv4 sees a tie. */
static const struct addr self_addr6 = {
	.family = AF_INET6, .bytes = { 0xfe, 0x80, [15] = 0x05 } };
static const struct addr lower_addr6 = {
	.family = AF_INET6, .bytes = { 0xfe, 0x80, [15] = 0x04 } };
static const struct addr higher_addr6 = {
	.family = AF_INET6, .bytes = { 0xfe, 0x80, [15] = 0x06 } };

struct peer {
	uint8_t priority;
	uint32_t interval_ms;
	const struct addr *src;
};

static void
fsm_setup_addr(struct vrrp_fsm *fsm, uint8_t priority, uint32_t interval_ms,
    bool preempt, uint32_t preempt_delay_ms, const struct addr *self)
{
	struct vrrp_fsm_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.priority = priority;
	cfg.advert_interval_ms = interval_ms;
	cfg.preempt = preempt;
	cfg.preempt_delay_ms = preempt_delay_ms;
	cfg.primary_addr = *self;
	vrrp_fsm_init(fsm, &cfg);
}

static void
fsm_setup(struct vrrp_fsm *fsm, uint8_t priority, uint32_t interval_ms,
    bool preempt, uint32_t preempt_delay_ms)
{
	fsm_setup_addr(fsm, priority, interval_ms, preempt, preempt_delay_ms,
	    &self_addr);
}

static struct vrrp_actions
feed(struct vrrp_fsm *fsm, enum vrrp_event_type type, uint64_t now_ms)
{
	struct vrrp_event ev;
	struct vrrp_actions a;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	vrrp_fsm_handle(fsm, &ev, now_ms, &a);
	return a;
}

static struct vrrp_actions
advert(struct vrrp_fsm *fsm, uint8_t priority, uint32_t interval_ms,
    const struct addr *src, uint64_t now_ms)
{
	struct vrrp_event ev;
	struct vrrp_actions a;

	memset(&ev, 0, sizeof(ev));
	ev.type = VRRP_EV_ADVERT;
	ev.priority = priority;
	ev.max_adver_int_ms = interval_ms;
	ev.src = *src;
	vrrp_fsm_handle(fsm, &ev, now_ms, &a);
	return a;
}

/* Drives a fresh FSM into state through real events; returns the time. */
static uint64_t
drive_to(struct vrrp_fsm *fsm, enum vrrp_state state, uint64_t now_ms)
{
	if (state == VRRP_STATE_INIT)
		return now_ms;
	feed(fsm, VRRP_EV_STARTUP, now_ms);
	if (state == VRRP_STATE_FAULT) {
		feed(fsm, VRRP_EV_IFACE_DOWN, now_ms);
	} else if (state == VRRP_STATE_MASTER &&
	    fsm->state != VRRP_STATE_MASTER) {
		now_ms = vrrp_fsm_next_deadline(fsm);
		feed(fsm, VRRP_EV_TIMER, now_ms);
	}
	assert_int_equal(fsm->state, state);
	return now_ms;
}

/*
 * A peer advertises every peer->interval_ms from first_ms to last_ms, and
 * our timers are ticked exactly when due. Returns when we became master,
 * or 0 if we did not by last_ms.
 */
static uint64_t
run_with_peer(struct vrrp_fsm *fsm, const struct peer *peer, uint64_t first_ms,
    uint64_t last_ms)
{
	uint64_t next_advert = first_ms;

	for (;;) {
		uint64_t due = vrrp_fsm_next_deadline(fsm);

		if (due != 0 && due <= next_advert) {
			if (due > last_ms)
				return 0;
			feed(fsm, VRRP_EV_TIMER, due);
			if (fsm->state == VRRP_STATE_MASTER)
				return due;
		} else {
			if (next_advert > last_ms)
				return 0;
			advert(fsm, peer->priority, peer->interval_ms, peer->src,
			    next_advert);
			next_advert += peer->interval_ms;
		}
	}
}

static void
test_timers_match_hand_computed_values(void **state)
{
	static const struct {
		const char *name;
		uint8_t priority;
		uint32_t interval_ms;
		uint32_t skew_ms, down_ms;
	} rows[] = {
		/* skew = (256 - p) * interval / 256, truncated */
		{ "p100 1000ms: 609.375", 100, 1000, 609, 3609 },
		{ "p150 100ms: 41.406", 150, 100, 41, 341 },
		{ "p254 10ms: 0.078", 254, 10, 0, 30 },
		{ "p255 1000ms: 3.906, not rounded up", 255, 1000, 3, 3003 },
		{ "p254 1000ms: 7.8125, not rounded up", 254, 1000, 7, 3007 },
		{ "p1 1000ms: 996.09", 1, 1000, 996, 3996 },
		{ "p100 200ms: 121.875", 100, 200, 121, 721 },
		{ "p100 40950ms: 24953.906, no 32-bit overflow", 100, 40950,
		    24953, 147803 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check(&rows[i], vrrp_fsm_skew_time_ms(rows[i].priority,
		    rows[i].interval_ms) == rows[i].skew_ms);
		check(&rows[i], vrrp_fsm_master_down_interval_ms(rows[i].priority,
		    rows[i].interval_ms) == rows[i].down_ms);
	}
}

static void
test_names_are_the_log_words(void **state)
{
	(void)state;
	assert_string_equal(vrrp_state_name(VRRP_STATE_INIT), "INIT");
	assert_string_equal(vrrp_state_name(VRRP_STATE_BACKUP), "BACKUP");
	assert_string_equal(vrrp_state_name(VRRP_STATE_MASTER), "MASTER");
	assert_string_equal(vrrp_state_name(VRRP_STATE_FAULT), "FAULT");
	assert_string_equal(vrrp_state_name((enum vrrp_state)42), "UNKNOWN");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_MASTER_DOWN),
	    "master down timer expired");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_MASTER_LEFT),
	    "master sent priority 0");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_HIGHER_PRIORITY),
	    "higher priority advert");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_TIE_HIGHER_ADDRESS),
	    "equal priority, higher peer address");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_PREEMPT),
	    "preempting lower-priority master");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_STARTUP_OWNER),
	    "address owner starting");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_STARTUP), "starting");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_SHUTDOWN), "shutdown");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_IFACE_DOWN),
	    "interface down");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_IFACE_UP),
	    "interface up");
	assert_string_equal(vrrp_reason_name(VRRP_REASON__COUNT), "unknown");
	for (int r = 0; r < VRRP_REASON__COUNT; r++)
		assert_non_null(vrrp_reason_name((enum vrrp_reason)r));
}

static void
test_init_is_idle_until_startup(void **state)
{
	struct vrrp_fsm fsm;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 0);
	assert_int_equal(fsm.state, VRRP_STATE_INIT);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), 0);
	assert_int_equal(fsm.master_adver_interval_ms, 1000);
	assert_false(fsm.master_known);
}

static void
test_startup_non_owner_enters_backup_with_down_timer(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 5000);
	a = feed(&fsm, VRRP_EV_STARTUP, T0);
	assert_int_equal(a.flags, VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.from, VRRP_STATE_INIT);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_int_equal(a.reason, VRRP_REASON_STARTUP);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(fsm.state_since_ms, T0);
	assert_int_equal(fsm.last_reason, VRRP_REASON_STARTUP);
	assert_int_equal(fsm.master_adver_interval_ms, 1000);
	assert_int_equal(fsm.master_down_due_ms, T0 + 3609);
	assert_int_equal(fsm.adver_due_ms, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), T0 + 3609);
	assert_int_equal(fsm.preempt_allowed_ms, T0 + 5000);
	assert_false(fsm.master_known);
}

static void
test_startup_owner_becomes_master_at_once(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	fsm_setup(&fsm, 255, 1000, true, 0);
	a = feed(&fsm, VRRP_EV_STARTUP, T0);
	assert_int_equal(a.flags, ACT_TAKEOVER);
	assert_int_equal(a.advert_priority, 255);
	assert_int_equal(a.from, VRRP_STATE_INIT);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_int_equal(a.reason, VRRP_REASON_STARTUP_OWNER);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(fsm.adver_due_ms, T0 + 1000);
	assert_int_equal(fsm.master_down_due_ms, 0);
	assert_true(fsm.master_known);
	assert_memory_equal(&fsm.master_addr, &self_addr, sizeof(self_addr));
}

static void
test_backup_takes_over_when_master_down_timer_expires(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t due;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 0);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	advert(&fsm, 200, 1000, &higher_addr, T0 + 500);
	due = T0 + 500 + 3609;

	a = feed(&fsm, VRRP_EV_TIMER, due - 1);
	assert_int_equal(a.flags, 0);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);

	a = feed(&fsm, VRRP_EV_TIMER, due);
	assert_int_equal(a.flags, ACT_TAKEOVER);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(a.from, VRRP_STATE_BACKUP);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_int_equal(a.reason, VRRP_REASON_MASTER_DOWN);
	assert_memory_equal(&a.peer, &higher_addr, sizeof(higher_addr));
	assert_int_equal(fsm.last_reason, VRRP_REASON_MASTER_DOWN);
	assert_int_equal(fsm.state_since_ms, due);
	assert_int_equal(fsm.adver_due_ms, due + 1000);
	assert_int_equal(fsm.master_down_due_ms, 0);
	assert_true(fsm.master_known);
	assert_memory_equal(&fsm.master_addr, &self_addr, sizeof(self_addr));
}

/*
 * RFC 5798 6.4.2: an advert of at least our priority resets
 * Master_Down_Timer, with Master_Adver_Interval taken from the advert and
 * Skew_Time from our own priority.
 */
static void
test_backup_follows_master_of_higher_or_equal_priority(void **state)
{
	static const struct {
		const char *name;
		uint8_t priority;
		uint32_t interval_ms;
		uint32_t down_ms;
	} rows[] = {
		{ "higher priority, skew from ours (100), not 150", 150, 1000, 3609 },
		{ "equal priority", 100, 1000, 3609 },
		{ "master's 200 ms, ours 1000: 600 + 121", 254, 200, 721 },
		{ "master's 3000 ms: 9000 + 1828", 101, 3000, 10828 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_fsm fsm;
		struct vrrp_actions a;
		uint64_t at = T0 + 2000, due = at + rows[i].down_ms;

		fsm_setup(&fsm, 100, 1000, true, 0);
		feed(&fsm, VRRP_EV_STARTUP, T0);
		a = advert(&fsm, rows[i].priority, rows[i].interval_ms,
		    &higher_addr, at);
		check(&rows[i], a.flags == 0);
		check(&rows[i], fsm.state == VRRP_STATE_BACKUP);
		check(&rows[i], fsm.master_adver_interval_ms ==
		    rows[i].interval_ms);
		check(&rows[i], fsm.master_down_due_ms == due);
		check(&rows[i], fsm.master_known);
		check(&rows[i], memcmp(&fsm.master_addr, &higher_addr,
		    sizeof(higher_addr)) == 0);
		check(&rows[i], fsm.last_advert_ms == at);

		/* The first Master_Down_Timer (T0 + 3609) no longer counts. */
		if (T0 + 3609 < due) {
			a = feed(&fsm, VRRP_EV_TIMER, T0 + 3609);
			check(&rows[i], a.flags == 0);
		}
		a = feed(&fsm, VRRP_EV_TIMER, due - 1);
		check(&rows[i], a.flags == 0);
		a = feed(&fsm, VRRP_EV_TIMER, due);
		check(&rows[i], a.flags == ACT_TAKEOVER);
		check(&rows[i], a.reason == VRRP_REASON_MASTER_DOWN);
	}
}

/* RFC 5798 6.4.2: priority 0 leaves only Skew_Time before the takeover. */
static void
test_backup_takes_over_after_priority_zero(void **state)
{
	static const struct {
		const char *name;
		uint8_t local;
		uint32_t our_interval_ms, master_interval_ms;
		uint32_t skew_ms, down_ms;
	} rows[] = {
		{ "p100 1000ms", 100, 1000, 1000, 609, 3609 },
		{ "skew from the learnt 200 ms", 100, 1000, 200, 121, 721 },
		{ "p254 10ms: zero skew", 254, 10, 10, 0, 30 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_fsm fsm;
		struct vrrp_actions a;
		uint64_t heard = T0 + 100, leaving = heard + 5;
		uint64_t due = leaving + rows[i].skew_ms;

		fsm_setup(&fsm, rows[i].local, rows[i].our_interval_ms, true, 0);
		feed(&fsm, VRRP_EV_STARTUP, T0);
		advert(&fsm, 255, rows[i].master_interval_ms, &higher_addr,
		    heard);
		a = advert(&fsm, 0, rows[i].master_interval_ms, &higher_addr,
		    leaving);
		check(&rows[i], a.flags == 0);
		check(&rows[i], fsm.state == VRRP_STATE_BACKUP);
		check(&rows[i], fsm.master_down_due_ms == due);
		check(&rows[i], due < heard + rows[i].down_ms);

		if (rows[i].skew_ms > 0) {
			a = feed(&fsm, VRRP_EV_TIMER, due - 1);
			check(&rows[i], a.flags == 0);
		}
		a = feed(&fsm, VRRP_EV_TIMER, due);
		check(&rows[i], a.flags == ACT_TAKEOVER);
		check(&rows[i], a.to == VRRP_STATE_MASTER);
		check(&rows[i], a.reason == VRRP_REASON_MASTER_LEFT);
		check(&rows[i], fsm.last_reason == VRRP_REASON_MASTER_LEFT);
	}
}

/* A new master after a priority-0 advert restores the full interval. */
static void
test_live_master_after_priority_zero_restores_down_interval(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 0);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	advert(&fsm, 0, 1000, &higher_addr, T0 + 100);
	advert(&fsm, 150, 1000, &lower_addr, T0 + 200);
	assert_int_equal(fsm.master_down_due_ms, T0 + 200 + 3609);
	a = feed(&fsm, VRRP_EV_TIMER, T0 + 200 + 3609);
	assert_int_equal(a.reason, VRRP_REASON_MASTER_DOWN);
}

/* RFC 5798 6.4.2: with preempt, a lower-priority master's adverts are
 * discarded, so Master_Down_Timer runs out from its last reset. */
static void
test_backup_preempts_lower_priority_master(void **state)
{
	const struct peer lower = { 100, 1000, &lower_addr };
	struct vrrp_fsm fsm;
	uint64_t at;

	(void)state;
	fsm_setup(&fsm, 150, 1000, true, 0);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	at = run_with_peer(&fsm, &lower, T0 + 500, T0 + 60000);
	/* 3 * 1000 + (106 * 1000 / 256 = 414): the adverts did not push it. */
	assert_int_equal(at, T0 + 3414);
	assert_int_equal(fsm.last_reason, VRRP_REASON_PREEMPT);
}

static void
test_backup_without_preempt_keeps_lower_priority_master(void **state)
{
	const struct peer lower = { 100, 1000, &lower_addr };
	struct vrrp_fsm fsm;

	(void)state;
	fsm_setup(&fsm, 150, 1000, false, 0);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	assert_int_equal(run_with_peer(&fsm, &lower, T0 + 500, T0 + 60000), 0);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_true(fsm.master_known);
	assert_memory_equal(&fsm.master_addr, &lower_addr, sizeof(lower_addr));
	assert_int_equal(fsm.master_down_due_ms, T0 + 59500 + 3414);
}

/*
 * conn_sync's table hold: a lower-priority master is followed (its adverts
 * reset Master_Down_Timer) while the connection table is on its way; once
 * it is here, the next adverts are discarded and the backup preempts. An
 * owner preempts all the same.
 */
static void
test_table_hold_defers_preemption_until_cleared(void **state)
{
	const struct peer lower = { 100, 1000, &lower_addr };
	struct vrrp_fsm fsm, owner;
	uint64_t at;

	(void)state;
	fsm_setup(&fsm, 150, 1000, true, 0);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	fsm.table_hold = true;
	assert_int_equal(run_with_peer(&fsm, &lower, T0 + 500, T0 + 30000), 0);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_memory_equal(&fsm.master_addr, &lower_addr, sizeof(lower_addr));
	fsm.table_hold = false;
	at = run_with_peer(&fsm, &lower, T0 + 30500, T0 + 60000);
	/* The last advert followed was at T0 + 29500. */
	assert_int_equal(at, T0 + 29500 + 3414);
	assert_int_equal(fsm.last_reason, VRRP_REASON_PREEMPT);

	fsm_setup(&owner, 255, 1000, true, 0);
	owner.table_hold = true;
	feed(&owner, VRRP_EV_STARTUP, T0);
	assert_int_equal(owner.state, VRRP_STATE_MASTER);
}

/* Preempt delay: until preempt_allowed_ms a lower master is followed. */
static void
test_preempt_delay_holds_then_allows_preemption(void **state)
{
	const struct peer lower = { 100, 1000, &lower_addr };
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t at;

	(void)state;
	fsm_setup(&fsm, 150, 1000, true, 5000);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	assert_int_equal(fsm.preempt_allowed_ms, T0 + 5000);

	a = advert(&fsm, 100, 1000, &lower_addr, T0 + 4999);
	assert_int_equal(a.flags, 0);
	assert_int_equal(fsm.master_down_due_ms, T0 + 4999 + 3414);

	/*
	 * Adverts at +500 .. +4500 reset the timer; from +5500 on they are
	 * discarded, so it runs out 3414 ms after the one at +4500.
	 */
	fsm_setup(&fsm, 150, 1000, true, 5000);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	at = run_with_peer(&fsm, &lower, T0 + 500, T0 + 60000);
	assert_int_equal(at, T0 + 4500 + 3414);
	assert_int_equal(fsm.last_reason, VRRP_REASON_PREEMPT);
}

/*
 * keepalived: a master of at least our priority stops the delay; the next
 * lower-priority advert starts it again from that advert.
 */
static void
test_preempt_delay_restarts_when_master_degrades(void **state)
{
	const struct peer better = { 200, 1000, &higher_addr };
	const struct peer degraded = { 100, 1000, &higher_addr };
	struct vrrp_fsm fsm;
	uint64_t at;

	(void)state;
	fsm_setup(&fsm, 150, 1000, true, 5000);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	assert_int_equal(run_with_peer(&fsm, &better, T0 + 500, T0 + 9500), 0);
	at = run_with_peer(&fsm, &degraded, T0 + 10500, T0 + 60000);
	/* Delay from +10500 to +15500; last reset by the advert at +14500. */
	assert_int_equal(at, T0 + 14500 + 3414);
	assert_int_equal(fsm.last_reason, VRRP_REASON_PREEMPT);
}

/* RFC 5798 6.1: the owner preempts whatever Preempt_Mode says. */
static void
test_owner_in_backup_preempts_despite_preempt_off(void **state)
{
	const struct peer lower = { 200, 1000, &lower_addr };
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t at;

	(void)state;
	fsm_setup(&fsm, 255, 1000, false, 5000);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	a = advert(&fsm, 255, 1000, &higher_addr, T0 + 100);
	assert_int_equal(a.reason, VRRP_REASON_TIE_HIGHER_ADDRESS);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);

	at = run_with_peer(&fsm, &lower, T0 + 200, T0 + 60000);
	/* Down interval at 255: 3000 + 3 (1000 / 256), from the 255 advert. */
	assert_int_equal(at, T0 + 100 + 3003);
	assert_int_equal(fsm.last_reason, VRRP_REASON_PREEMPT);
}

static void
test_master_sends_advert_when_adver_timer_expires(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 0);
	t = drive_to(&fsm, VRRP_STATE_MASTER, T0);
	assert_int_equal(fsm.adver_due_ms, t + 1000);

	a = feed(&fsm, VRRP_EV_TIMER, t + 999);
	assert_int_equal(a.flags, 0);
	a = feed(&fsm, VRRP_EV_TIMER, t + 1000);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(fsm.adver_due_ms, t + 2000);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);

	/* Tracking lowered the effective priority: adverts carry it. */
	fsm.cfg.priority = 80;
	a = feed(&fsm, VRRP_EV_TIMER, t + 2000);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 80);
}

/* RFC 5798 6.4.3: priority 0 from another master: advertise at once. */
static void
test_master_answers_priority_zero_with_immediate_advert(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 0);
	t = drive_to(&fsm, VRRP_STATE_MASTER, T0);
	a = advert(&fsm, 0, 1000, &higher_addr, t + 400);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(fsm.adver_due_ms, t + 1400);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
}

static void
test_master_yields_to_higher_priority(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 5000);
	t = drive_to(&fsm, VRRP_STATE_MASTER, T0) + 300;
	a = advert(&fsm, 150, 200, &lower_addr, t);
	/* One last advert at our priority: the winner reasserts on it. */
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_REMOVE_VIPS |
	    VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(a.from, VRRP_STATE_MASTER);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_int_equal(a.reason, VRRP_REASON_HIGHER_PRIORITY);
	assert_memory_equal(&a.peer, &lower_addr, sizeof(lower_addr));
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(fsm.state_since_ms, t);
	assert_int_equal(fsm.last_reason, VRRP_REASON_HIGHER_PRIORITY);
	assert_int_equal(fsm.adver_due_ms, 0);
	assert_int_equal(fsm.master_adver_interval_ms, 200);
	assert_int_equal(fsm.master_down_due_ms, t + 721);
	assert_int_equal(fsm.preempt_allowed_ms, t + 5000);
	assert_true(fsm.master_known);
	assert_memory_equal(&fsm.master_addr, &lower_addr, sizeof(lower_addr));
}

/* RFC 5798 6.4.3: equal priority goes to the higher primary address. */
static void
test_master_tie_break_by_address(void **state)
{
	static const struct {
		const char *name;
		uint8_t local, peer_priority;
		const struct addr *self, *peer;
		bool yields;
		enum vrrp_reason reason;
	} rows[] = {
		{ "equal, peer higher", 100, 100, &self_addr, &higher_addr,
		    true, VRRP_REASON_TIE_HIGHER_ADDRESS },
		{ "equal, peer lower", 100, 100, &self_addr, &lower_addr,
		    false, 0 },
		{ "equal, same address: strictly greater only", 100, 100,
		    &self_addr, &self_addr, false, 0 },
		{ "higher priority wins from a lower address", 100, 101,
		    &self_addr, &lower_addr, true, VRRP_REASON_HIGHER_PRIORITY },
		{ "lower priority loses from a higher address", 100, 99,
		    &self_addr, &higher_addr, false, 0 },
		{ "v6 equal, peer higher in the last byte", 100, 100,
		    &self_addr6, &higher_addr6, true,
		    VRRP_REASON_TIE_HIGHER_ADDRESS },
		{ "v6 equal, peer lower in the last byte", 100, 100,
		    &self_addr6, &lower_addr6, false, 0 },
		{ "two owners, peer higher", 255, 255, &self_addr, &higher_addr,
		    true, VRRP_REASON_TIE_HIGHER_ADDRESS },
		{ "two owners, peer lower", 255, 255, &self_addr, &lower_addr,
		    false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_fsm fsm, before;
		struct vrrp_actions a;
		uint64_t t;

		fsm_setup_addr(&fsm, rows[i].local, 1000, true, 0, rows[i].self);
		t = drive_to(&fsm, VRRP_STATE_MASTER, T0) + 10;
		memcpy(&before, &fsm, sizeof(fsm));
		a = advert(&fsm, rows[i].peer_priority, 1000, rows[i].peer, t);
		if (rows[i].yields) {
			check(&rows[i], a.flags == (VRRP_ACT_SEND_ADVERT |
			    VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED));
			check(&rows[i], a.advert_priority == rows[i].local);
			check(&rows[i], a.reason == rows[i].reason);
			check(&rows[i], fsm.state == VRRP_STATE_BACKUP);
			check(&rows[i], memcmp(&a.peer, rows[i].peer,
			    sizeof(a.peer)) == 0);
		} else {
			/* Another master that loses: reassert (see below). */
			check(&rows[i], a.flags == (VRRP_ACT_SEND_ADVERT |
			    VRRP_ACT_SEND_GARP | VRRP_ACT_REASSERTED));
			check(&rows[i], a.advert_priority == rows[i].local);
			check(&rows[i], fsm.state == VRRP_STATE_MASTER);
			check(&rows[i], fsm.adver_due_ms == t + 1000);
			check(&rows[i], before.state == fsm.state);
		}
	}
}

/*
 * Split brain healing: a master hearing a lower-priority master advertises
 * and announces its VIPs at once (so clients whose ARP entry points at the
 * other master follow), then at most once per advert interval however many
 * such adverts come.
 */
static void
test_master_reasserts_against_lower_priority_master_once_per_interval(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	fsm_setup(&fsm, 150, 1000, true, 0);
	t = drive_to(&fsm, VRRP_STATE_MASTER, T0);
	a = advert(&fsm, 100, 1000, &higher_addr, t + 300);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_SEND_GARP |
	    VRRP_ACT_REASSERTED);
	assert_int_equal(a.advert_priority, 150);
	assert_memory_equal(&a.peer, &higher_addr, sizeof(higher_addr));
	assert_int_equal(fsm.adver_due_ms, t + 1300);

	for (uint64_t ms = t + 301; ms < t + 1300; ms += 7) {
		a = advert(&fsm, 100, 1000, &higher_addr, ms);
		assert_int_equal(a.flags, 0);
	}
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	a = advert(&fsm, 1, 1000, &lower_addr, t + 1300);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_SEND_GARP |
	    VRRP_ACT_REASSERTED);
}

static void
test_late_tick_does_not_lose_an_expiry(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t late;

	(void)state;
	/* Backup: Master_Down_Timer at T0 + 3609, tick 5 s late. */
	fsm_setup(&fsm, 100, 1000, true, 0);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	late = T0 + 3609 + 5000;
	a = feed(&fsm, VRRP_EV_TIMER, late);
	assert_int_equal(a.flags, ACT_TAKEOVER);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(fsm.adver_due_ms, late + 1000);
	a = feed(&fsm, VRRP_EV_TIMER, late);
	assert_int_equal(a.flags, 0);

	/* Master: Adver_Timer at late + 1000, tick 3.5 s late: one advert. */
	a = feed(&fsm, VRRP_EV_TIMER, late + 4500);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT);
	assert_int_equal(fsm.adver_due_ms, late + 5500);
	a = feed(&fsm, VRRP_EV_TIMER, late + 4500);
	assert_int_equal(a.flags, 0);
}

static void
test_shutdown_from_each_state(void **state)
{
	static const struct {
		const char *name;
		enum vrrp_state from;
		unsigned flags;
	} rows[] = {
		{ "master says goodbye", VRRP_STATE_MASTER, VRRP_ACT_SEND_ADVERT |
		    VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED },
		{ "backup is silent", VRRP_STATE_BACKUP, VRRP_ACT_STATE_CHANGED },
		{ "fault is silent", VRRP_STATE_FAULT, VRRP_ACT_STATE_CHANGED },
		{ "init: nothing to stop", VRRP_STATE_INIT, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_fsm fsm;
		struct vrrp_actions a;
		uint64_t t;

		fsm_setup(&fsm, 100, 1000, true, 0);
		t = drive_to(&fsm, rows[i].from, T0);
		if (rows[i].from == VRRP_STATE_BACKUP)
			advert(&fsm, 200, 1000, &higher_addr, t);
		a = feed(&fsm, VRRP_EV_SHUTDOWN, t + 10);
		check(&rows[i], a.flags == rows[i].flags);
		check(&rows[i], fsm.state == VRRP_STATE_INIT);
		check(&rows[i], vrrp_fsm_next_deadline(&fsm) == 0);
		check(&rows[i], !fsm.master_known);
		if (rows[i].flags & VRRP_ACT_SEND_ADVERT)
			check(&rows[i], a.advert_priority == 0);
		if (rows[i].flags != 0) {
			check(&rows[i], a.from == rows[i].from);
			check(&rows[i], a.to == VRRP_STATE_INIT);
			check(&rows[i], a.reason == VRRP_REASON_SHUTDOWN);
			check(&rows[i], fsm.state_since_ms == t + 10);
		}
	}
}

static void
test_iface_down_from_each_state(void **state)
{
	static const struct {
		const char *name;
		enum vrrp_state from;
		unsigned flags;
	} rows[] = {
		{ "master drops VIPs, no priority 0 on a dead link",
		    VRRP_STATE_MASTER,
		    VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED },
		{ "backup", VRRP_STATE_BACKUP, VRRP_ACT_STATE_CHANGED },
		{ "init: started on a dead link", VRRP_STATE_INIT,
		    VRRP_ACT_STATE_CHANGED },
		{ "fault: already there", VRRP_STATE_FAULT, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_fsm fsm;
		struct vrrp_actions a;
		uint64_t t;

		fsm_setup(&fsm, 100, 1000, true, 0);
		t = drive_to(&fsm, rows[i].from, T0);
		if (rows[i].from == VRRP_STATE_BACKUP)
			advert(&fsm, 200, 1000, &higher_addr, t);
		a = feed(&fsm, VRRP_EV_IFACE_DOWN, t + 10);
		check(&rows[i], a.flags == rows[i].flags);
		check(&rows[i], fsm.state == VRRP_STATE_FAULT);
		check(&rows[i], vrrp_fsm_next_deadline(&fsm) == 0);
		check(&rows[i], !fsm.master_known);
		if (rows[i].flags != 0) {
			check(&rows[i], a.from == rows[i].from);
			check(&rows[i], a.to == VRRP_STATE_FAULT);
			check(&rows[i], a.reason == VRRP_REASON_IFACE_DOWN);
			check(&rows[i], fsm.last_reason == VRRP_REASON_IFACE_DOWN);
		}
	}
}

static void
test_iface_up_from_each_state(void **state)
{
	static const struct {
		const char *name;
		enum vrrp_state from;
		uint8_t priority;
		unsigned flags;
		enum vrrp_state to;
		enum vrrp_reason reason;
	} rows[] = {
		{ "fault to backup", VRRP_STATE_FAULT, 100,
		    VRRP_ACT_STATE_CHANGED, VRRP_STATE_BACKUP, VRRP_REASON_IFACE_UP },
		{ "fault, owner to master", VRRP_STATE_FAULT, 255, ACT_TAKEOVER,
		    VRRP_STATE_MASTER, VRRP_REASON_STARTUP_OWNER },
		{ "init to backup", VRRP_STATE_INIT, 100,
		    VRRP_ACT_STATE_CHANGED, VRRP_STATE_BACKUP, VRRP_REASON_IFACE_UP },
		{ "backup: already up", VRRP_STATE_BACKUP, 100, 0,
		    VRRP_STATE_BACKUP, 0 },
		{ "master: already up", VRRP_STATE_MASTER, 100, 0,
		    VRRP_STATE_MASTER, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_fsm fsm;
		struct vrrp_actions a;
		uint64_t t;

		fsm_setup(&fsm, rows[i].priority, 1000, true, 0);
		t = drive_to(&fsm, rows[i].from, T0) + 10;
		a = feed(&fsm, VRRP_EV_IFACE_UP, t);
		check(&rows[i], a.flags == rows[i].flags);
		check(&rows[i], fsm.state == rows[i].to);
		if (rows[i].flags == 0)
			continue;
		check(&rows[i], a.reason == rows[i].reason);
		check(&rows[i], fsm.state_since_ms == t);
		if (rows[i].to == VRRP_STATE_BACKUP) {
			check(&rows[i], fsm.master_down_due_ms == t + 3609);
			check(&rows[i], !fsm.master_known);
		} else {
			check(&rows[i], fsm.adver_due_ms == t + 1000);
			check(&rows[i], a.advert_priority == 255);
		}
	}
}

/* Back from Fault, the old master and its interval are forgotten. */
static void
test_fault_recovery_starts_afresh(void **state)
{
	struct vrrp_fsm fsm;

	(void)state;
	fsm_setup(&fsm, 100, 1000, true, 0);
	feed(&fsm, VRRP_EV_STARTUP, T0);
	advert(&fsm, 200, 200, &higher_addr, T0 + 100);
	assert_int_equal(fsm.master_adver_interval_ms, 200);
	assert_true(fsm.master_known);
	feed(&fsm, VRRP_EV_IFACE_DOWN, T0 + 200);
	feed(&fsm, VRRP_EV_IFACE_UP, T0 + 300);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(fsm.master_adver_interval_ms, 1000);
	assert_int_equal(fsm.master_down_due_ms, T0 + 300 + 3609);
	assert_false(fsm.master_known);
}

static void
test_inapplicable_events_yield_no_actions(void **state)
{
	static const struct {
		const char *name;
		enum vrrp_state in;
		enum vrrp_event_type type;
		uint8_t priority;
		bool just_before_deadline;
	} rows[] = {
		{ "startup in backup", VRRP_STATE_BACKUP, VRRP_EV_STARTUP, 0, 0 },
		{ "startup in master", VRRP_STATE_MASTER, VRRP_EV_STARTUP, 0, 0 },
		{ "startup in fault", VRRP_STATE_FAULT, VRRP_EV_STARTUP, 0, 0 },
		{ "advert in init", VRRP_STATE_INIT, VRRP_EV_ADVERT, 200, 0 },
		{ "advert in fault", VRRP_STATE_FAULT, VRRP_EV_ADVERT, 200, 0 },
		{ "priority 0 in fault", VRRP_STATE_FAULT, VRRP_EV_ADVERT, 0, 0 },
		{ "timer in init", VRRP_STATE_INIT, VRRP_EV_TIMER, 0, 0 },
		{ "timer in fault", VRRP_STATE_FAULT, VRRP_EV_TIMER, 0, 0 },
		{ "early timer in backup", VRRP_STATE_BACKUP, VRRP_EV_TIMER, 0,
		    true },
		{ "early timer in master", VRRP_STATE_MASTER, VRRP_EV_TIMER, 0,
		    true },
		{ "shutdown in init", VRRP_STATE_INIT, VRRP_EV_SHUTDOWN, 0, 0 },
		{ "iface down in fault", VRRP_STATE_FAULT, VRRP_EV_IFACE_DOWN,
		    0, 0 },
		{ "iface up in backup", VRRP_STATE_BACKUP, VRRP_EV_IFACE_UP, 0, 0 },
		{ "iface up in master", VRRP_STATE_MASTER, VRRP_EV_IFACE_UP, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vrrp_fsm fsm, before;
		struct vrrp_event ev;
		struct vrrp_actions a;
		uint64_t t;

		fsm_setup(&fsm, 100, 1000, true, 0);
		t = drive_to(&fsm, rows[i].in, T0) + 10;
		if (rows[i].just_before_deadline)
			t = vrrp_fsm_next_deadline(&fsm) - 1;
		memset(&ev, 0, sizeof(ev));
		ev.type = rows[i].type;
		ev.priority = rows[i].priority;
		ev.max_adver_int_ms = 1000;
		ev.src = higher_addr;
		memcpy(&before, &fsm, sizeof(fsm));
		memset(&a, 0xff, sizeof(a));
		vrrp_fsm_handle(&fsm, &ev, t, &a);
		check(&rows[i], a.flags == 0);
		check(&rows[i], memcmp(&before, &fsm, sizeof(fsm)) == 0);
	}
}

/* Make-before-break: a Master that stops says priority 0 but keeps the VIPs. */
static void
mbb_master(struct vrrp_fsm *fsm, uint8_t priority, uint32_t interval_ms)
{
	fsm_setup(fsm, priority, interval_ms, true, 0);
	fsm->cfg.make_before_break = true;
	drive_to(fsm, VRRP_STATE_MASTER, T0);
}

static void
test_handover_keeps_vips_until_new_master_is_heard(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 150, 1000);
	t = fsm.state_since_ms + 5000;
	a = feed(&fsm, VRRP_EV_SHUTDOWN, t);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_HANDOVER_STARTED);
	assert_int_equal(a.advert_priority, 0);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_true(fsm.releasing);
	/* Silent while handing over: no advert of ours may win the VIP back. */
	assert_int_equal(fsm.adver_due_ms, 0);
	/* Bounded by our Master_Down_Interval: 3000 + (256-150)*1000/256 = 3414. */
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), t + 3414);

	/* The backup's first advert (after its Skew_Time) starts the grace. */
	a = advert(&fsm, 100, 1000, &higher_addr, t + 609);
	assert_int_equal(a.flags, 0);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), t + 609 + VRRP_HANDOVER_GRACE_MS);
	/* A second advert does not push the release further out. */
	a = advert(&fsm, 100, 1000, &higher_addr, t + 615);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), t + 609 + VRRP_HANDOVER_GRACE_MS);

	a = feed(&fsm, VRRP_EV_TIMER, t + 609 + VRRP_HANDOVER_GRACE_MS);
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.from, VRRP_STATE_MASTER);
	assert_int_equal(a.to, VRRP_STATE_INIT);
	assert_int_equal(a.reason, VRRP_REASON_STOP_HANDED_OVER);
	assert_memory_equal(&a.peer, &higher_addr, sizeof(higher_addr));
	assert_false(fsm.releasing);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), 0);
}

/*
 * The transition that ends a hand-over says what started it, in its
 * reason's own words: a log line or a timeline entry read alone must tell
 * a stop from a forced FAULT, a drill or a sync group's hand-over.
 */
static void
test_handover_reasons_name_their_cause(void **state)
{
	static const struct {
		enum vrrp_reason reason;
		const char *cause, *outcome;
	} want[] = {
		{ VRRP_REASON_STOP_HANDED_OVER, "stopping (SIGTERM",
		    "handed over to the new master" },
		{ VRRP_REASON_STOP_HANDOVER_TIMEOUT, "stopping (SIGTERM",
		    "no new master within Master_Down_Interval" },
		{ VRRP_REASON_FAULT_HANDED_OVER, "vipctl fault on: ",
		    "handed over to the new master" },
		{ VRRP_REASON_FAULT_HANDOVER_TIMEOUT, "vipctl fault on: ",
		    "no new master within Master_Down_Interval" },
		{ VRRP_REASON_DRILL_HANDED_OVER, "drill (vipctl drill): ",
		    "handed over to the new master" },
		{ VRRP_REASON_GROUP_HANDED_OVER, "sync group hand-over: ",
		    "handed over to the new master" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *name = vrrp_reason_name(want[i].reason);

		assert_int_equal(strncmp(name, want[i].cause,
		    strlen(want[i].cause)), 0);
		assert_non_null(strstr(name, want[i].outcome));
	}
}

/* A sync group's hand-over ends with its own reason, not a drill's. */
static void
test_group_handover_reason_is_the_groups(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_event ev = { .type = VRRP_EV_GROUP_HANDOVER, .hold_ms = 500 };
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 150, 100);
	t = fsm.state_since_ms + 1000;
	vrrp_fsm_handle(&fsm, &ev, t, &a);
	assert_true(a.flags & VRRP_ACT_HANDOVER_STARTED);
	advert(&fsm, 100, 100, &higher_addr, t + 60);
	a = feed(&fsm, VRRP_EV_TIMER, t + 60 + VRRP_HANDOVER_GRACE_MS);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_int_equal(a.reason, VRRP_REASON_GROUP_HANDED_OVER);
}

static void
test_handover_releases_after_master_down_interval_when_nobody_comes(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 100, 100);
	t = fsm.state_since_ms + 1000;
	feed(&fsm, VRRP_EV_SHUTDOWN, t);
	/* 300 + (256-100)*100/256 = 360 ms. */
	a = feed(&fsm, VRRP_EV_TIMER, t + 359);
	assert_int_equal(a.flags, 0);
	a = feed(&fsm, VRRP_EV_TIMER, t + 360);
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.reason, VRRP_REASON_STOP_HANDOVER_TIMEOUT);
	assert_int_equal(fsm.state, VRRP_STATE_INIT);
}

static struct vrrp_actions
drill(struct vrrp_fsm *fsm, uint32_t hold_ms, uint64_t now_ms)
{
	struct vrrp_event ev;
	struct vrrp_actions a;

	memset(&ev, 0, sizeof(ev));
	ev.type = VRRP_EV_DRILL;
	ev.hold_ms = hold_ms;
	vrrp_fsm_handle(fsm, &ev, now_ms, &a);
	return a;
}

/*
 * A drill nobody takes over from is called off: the VIPs were never
 * removed, we stay Master and advertise at once. A stop or a forced FAULT
 * in the same spot still releases (the node is going away).
 */
static void
test_drill_without_taker_keeps_vips_and_stays_master(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 100, 100);
	t = fsm.state_since_ms + 1000;
	a = drill(&fsm, 2000, t);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_HANDOVER_STARTED);
	assert_int_equal(a.advert_priority, 0);
	assert_true(fsm.releasing);
	/* 300 + (256-100)*100/256 = 360 ms. */
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), t + 360);
	a = feed(&fsm, VRRP_EV_TIMER, t + 359);
	assert_int_equal(a.flags, 0);
	a = feed(&fsm, VRRP_EV_TIMER, t + 360);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_HANDOVER_KEPT);
	assert_int_equal(a.advert_priority, 100);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	assert_false(fsm.releasing);
	assert_int_equal(fsm.release_kept_ms, t + 360);
	assert_int_equal(fsm.hold_until_ms, 0);
	/* Advertising on its own interval again, from now. */
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), t + 460);
	a = feed(&fsm, VRRP_EV_TIMER, t + 460);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT);
	assert_int_equal(a.advert_priority, 100);
	/* And a second drill may start. */
	a = drill(&fsm, 0, t + 500);
	assert_true(a.flags & VRRP_ACT_HANDOVER_STARTED);

	/* A stop or a forced FAULT with nobody to take over still releases. */
	mbb_master(&fsm, 100, 100);
	t = fsm.state_since_ms + 1000;
	feed(&fsm, VRRP_EV_FORCE_FAULT, t);
	a = feed(&fsm, VRRP_EV_TIMER, t + 360);
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.to, VRRP_STATE_FAULT);
	assert_int_equal(a.reason, VRRP_REASON_FAULT_HANDOVER_TIMEOUT);
	assert_int_equal(fsm.release_kept_ms, 0);

	/* A drill that is heard goes Backup for its hold, as before. */
	mbb_master(&fsm, 150, 100);
	t = fsm.state_since_ms + 1000;
	drill(&fsm, 2000, t);
	advert(&fsm, 100, 100, &higher_addr, t + 70);
	a = feed(&fsm, VRRP_EV_TIMER, t + 70 + VRRP_HANDOVER_GRACE_MS);
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_int_equal(a.reason, VRRP_REASON_DRILL_HANDED_OVER);
	assert_int_equal(fsm.hold_until_ms, t + 70 + VRRP_HANDOVER_GRACE_MS + 2000);
}

/*
 * handover = "rfc": the drill's priority 0 takes the VIPs with it at once;
 * with nobody there we are Master again only after Master_Down_Interval.
 */
static void
test_rfc_drill_without_taker_releases_and_takes_back_on_master_down(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	fsm_setup(&fsm, 100, 100, true, 0);
	drive_to(&fsm, VRRP_STATE_MASTER, T0);
	t = fsm.state_since_ms + 1000;
	a = drill(&fsm, 2000, t);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_REMOVE_VIPS |
	    VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_int_equal(a.reason, VRRP_REASON_DRILL);
	a = feed(&fsm, VRRP_EV_TIMER, t + 360);
	assert_true(a.flags & VRRP_ACT_ADD_VIPS);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_int_equal(a.reason, VRRP_REASON_MASTER_DOWN);
}

static void
test_handover_second_shutdown_releases_at_once(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 150, 1000);
	t = fsm.state_since_ms + 10;
	feed(&fsm, VRRP_EV_SHUTDOWN, t);
	a = feed(&fsm, VRRP_EV_SHUTDOWN, t + 1);
	assert_true(a.flags & VRRP_ACT_REMOVE_VIPS);
	assert_int_equal(a.to, VRRP_STATE_INIT);
	assert_int_equal(a.reason, VRRP_REASON_SHUTDOWN);
	assert_false(fsm.releasing);
}

static void
test_handover_ignores_priority_zero_and_ends_on_link_loss(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 150, 1000);
	t = fsm.state_since_ms + 10;
	feed(&fsm, VRRP_EV_SHUTDOWN, t);
	/* Another leaving master is not a new master. */
	a = advert(&fsm, 0, 1000, &higher_addr, t + 5);
	assert_int_equal(a.flags, 0);
	assert_false(fsm.release_heard);
	/* Nor does a higher-priority advert make us a Backup mid-hand-over. */
	a = advert(&fsm, 200, 1000, &higher_addr, t + 6);
	assert_int_equal(a.flags, 0);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	a = feed(&fsm, VRRP_EV_IFACE_DOWN, t + 7);
	assert_true(a.flags & VRRP_ACT_REMOVE_VIPS);
	assert_int_equal(fsm.state, VRRP_STATE_FAULT);
	assert_false(fsm.releasing);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), 0);
}

static void
test_shutdown_without_make_before_break_releases_at_once(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	fsm_setup(&fsm, 150, 1000, true, 0);
	drive_to(&fsm, VRRP_STATE_MASTER, T0);
	a = feed(&fsm, VRRP_EV_SHUTDOWN, fsm.state_since_ms + 1);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_REMOVE_VIPS |
	    VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.advert_priority, 0);
	assert_false(fsm.releasing);
}

static void
test_forced_fault_on_master_hands_over_then_faults(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 150, 100);
	t = fsm.state_since_ms + 1000;
	a = feed(&fsm, VRRP_EV_FORCE_FAULT, t);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_HANDOVER_STARTED);
	assert_int_equal(a.advert_priority, 0);
	assert_int_equal(fsm.state, VRRP_STATE_MASTER);
	advert(&fsm, 100, 100, &higher_addr, t + 60);
	a = feed(&fsm, VRRP_EV_TIMER, t + 60 + VRRP_HANDOVER_GRACE_MS);
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.to, VRRP_STATE_FAULT);
	assert_int_equal(a.reason, VRRP_REASON_FAULT_HANDED_OVER);
	/* Asking again while already there changes nothing. */
	a = feed(&fsm, VRRP_EV_FORCE_FAULT, t + 100);
	assert_int_equal(a.flags, 0);
}

static void
test_forced_fault_without_make_before_break_and_from_backup(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;

	(void)state;
	fsm_setup(&fsm, 150, 100, true, 0);
	drive_to(&fsm, VRRP_STATE_MASTER, T0);
	a = feed(&fsm, VRRP_EV_FORCE_FAULT, fsm.state_since_ms + 1);
	/* The link is up: say goodbye so the backup need not wait. */
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_REMOVE_VIPS |
	    VRRP_ACT_STATE_CHANGED);
	assert_int_equal(a.advert_priority, 0);
	assert_int_equal(a.reason, VRRP_REASON_FORCED_FAULT);

	fsm_setup(&fsm, 100, 100, true, 0);
	drive_to(&fsm, VRRP_STATE_BACKUP, T0);
	a = feed(&fsm, VRRP_EV_FORCE_FAULT, T0 + 1);
	assert_int_equal(a.flags, VRRP_ACT_STATE_CHANGED);
	assert_int_equal(fsm.state, VRRP_STATE_FAULT);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), 0);

	a = feed(&fsm, VRRP_EV_FORCE_FAULT_OFF, T0 + 2);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_int_equal(a.reason, VRRP_REASON_FORCED_FAULT_OFF);
	/* Back as at startup: a full Master_Down_Interval before taking over. */
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), T0 + 2 + 360);
}

static void
test_yielding_master_keeps_vips_for_the_grace_with_make_before_break(void **state)
{
	struct vrrp_fsm fsm;
	struct vrrp_actions a;
	uint64_t t;

	(void)state;
	mbb_master(&fsm, 100, 100);
	t = fsm.state_since_ms + 500;
	a = advert(&fsm, 200, 100, &higher_addr, t);
	assert_int_equal(a.flags, VRRP_ACT_SEND_ADVERT | VRRP_ACT_STATE_CHANGED);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), t + VRRP_HANDOVER_GRACE_MS);
	a = feed(&fsm, VRRP_EV_TIMER, t + VRRP_HANDOVER_GRACE_MS);
	assert_int_equal(a.flags, VRRP_ACT_REMOVE_VIPS);
	assert_int_equal(fsm.state, VRRP_STATE_BACKUP);
	/* Then the ordinary Master_Down_Timer: 300 + 156*100/256 = 360. */
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), t + 360);

	/* A fault inside the grace still removes them. */
	mbb_master(&fsm, 100, 100);
	t = fsm.state_since_ms + 500;
	advert(&fsm, 200, 100, &higher_addr, t);
	a = feed(&fsm, VRRP_EV_IFACE_DOWN, t + 1);
	assert_true(a.flags & VRRP_ACT_REMOVE_VIPS);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), 0);
}

static void
test_v2_timers_follow_rfc3768(void **state)
{
	struct vrrp_fsm fsm;

	(void)state;
	fsm_setup(&fsm, 100, 3000, true, 0);
	fsm.cfg.version = 2;
	/* Skew (256-100)/256 s = 609 ms at any interval; down = 3 * 3000 + 609. */
	assert_int_equal(vrrp_fsm_skew_ms(&fsm, 100, 3000), 609);
	assert_int_equal(vrrp_fsm_down_ms(&fsm, 100, 3000), 9609);
	/* v3 scales the skew with the interval: 156 * 3000 / 256 = 1828. */
	fsm.cfg.version = 3;
	assert_int_equal(vrrp_fsm_skew_ms(&fsm, 100, 3000), 1828);
	fsm.cfg.version = 2;
	feed(&fsm, VRRP_EV_STARTUP, T0);
	assert_int_equal(vrrp_fsm_next_deadline(&fsm), T0 + 9609);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_match_hand_computed_values),
		cmocka_unit_test(test_names_are_the_log_words),
		cmocka_unit_test(test_init_is_idle_until_startup),
		cmocka_unit_test(test_startup_non_owner_enters_backup_with_down_timer),
		cmocka_unit_test(test_startup_owner_becomes_master_at_once),
		cmocka_unit_test(test_backup_takes_over_when_master_down_timer_expires),
		cmocka_unit_test(test_backup_follows_master_of_higher_or_equal_priority),
		cmocka_unit_test(test_backup_takes_over_after_priority_zero),
		cmocka_unit_test(test_live_master_after_priority_zero_restores_down_interval),
		cmocka_unit_test(test_backup_preempts_lower_priority_master),
		cmocka_unit_test(test_backup_without_preempt_keeps_lower_priority_master),
		cmocka_unit_test(test_table_hold_defers_preemption_until_cleared),
		cmocka_unit_test(test_preempt_delay_holds_then_allows_preemption),
		cmocka_unit_test(test_preempt_delay_restarts_when_master_degrades),
		cmocka_unit_test(test_owner_in_backup_preempts_despite_preempt_off),
		cmocka_unit_test(test_master_sends_advert_when_adver_timer_expires),
		cmocka_unit_test(test_master_answers_priority_zero_with_immediate_advert),
		cmocka_unit_test(test_master_yields_to_higher_priority),
		cmocka_unit_test(test_master_tie_break_by_address),
		cmocka_unit_test(test_late_tick_does_not_lose_an_expiry),
		cmocka_unit_test(test_shutdown_from_each_state),
		cmocka_unit_test(test_iface_down_from_each_state),
		cmocka_unit_test(test_iface_up_from_each_state),
		cmocka_unit_test(test_fault_recovery_starts_afresh),
		cmocka_unit_test(test_inapplicable_events_yield_no_actions),
		cmocka_unit_test(test_handover_keeps_vips_until_new_master_is_heard),
		cmocka_unit_test(test_handover_reasons_name_their_cause),
		cmocka_unit_test(test_group_handover_reason_is_the_groups),
		cmocka_unit_test(test_handover_releases_after_master_down_interval_when_nobody_comes),
		cmocka_unit_test(test_drill_without_taker_keeps_vips_and_stays_master),
		cmocka_unit_test(test_rfc_drill_without_taker_releases_and_takes_back_on_master_down),
		cmocka_unit_test(test_handover_second_shutdown_releases_at_once),
		cmocka_unit_test(test_handover_ignores_priority_zero_and_ends_on_link_loss),
		cmocka_unit_test(test_shutdown_without_make_before_break_releases_at_once),
		cmocka_unit_test(test_forced_fault_on_master_hands_over_then_faults),
		cmocka_unit_test(test_forced_fault_without_make_before_break_and_from_backup),
		cmocka_unit_test(test_yielding_master_keeps_vips_for_the_grace_with_make_before_break),
		cmocka_unit_test(test_v2_timers_follow_rfc3768),
		cmocka_unit_test(test_master_reasserts_against_lower_priority_master_once_per_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

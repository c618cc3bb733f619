/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The balancer's pure parts: the virtual_services loader (model, defaults,
 * every error with its line), the scheduler tables (wrr ratios and spread,
 * Maglev balance and minimal disruption), the nft batch text, and the
 * health checks' rise/fall and HTTP answer judgement.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp/accept_filter.h"
#include "lb/check.h"
#include "conf/conf.h"
#include "lb/lb.h"
#include "lb/lb_nft.h"
#include "lb/lb_sched.h"

/* A prime table size for the scheduler tests (services size theirs). */
#define TEST_MAGLEV_SIZE 1021u

static struct conf_errors errs;

static struct conf *
load_ok(const char *text)
{
	struct conf *c = NULL;

	if (conf_load_string(text, "t.conf", &c, &errs) != 0)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(errs.count, 0);
	assert_non_null(c);
	return c;
}

/* text must give exactly the one message want. */
static void
expect_error(const char *text, const char *want)
{
	struct conf *c = NULL;
	int rc = conf_load_string(text, "t.conf", &c, &errs);

	if (errs.count != 1 || strcmp(errs.msg[0], want) != 0) {
		print_message("config:\n%s\nwant: %s\n", text, want);
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	}
	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], want);
}

/* ---- config --------------------------------------------------------------- */

static const char full[] =
	"virtual_services = (\n"                                       /* 1 */
	"  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	"    protocol = \"tcp\"; scheduler = \"mh\"; persistence_s = 300;\n"
	"    quorum = 2; sorry_server = \"10.1.0.99:8080\"; track_weight = -60;\n"
	"    backends = (\n"                                           /* 5 */
	"      { address = \"10.1.0.11\"; port = 8080; weight = 3;\n"
	"        check = { type = \"http\"; path = \"/healthz\";\n"
	"                  expect_status = 204; expect_body = \"ok\";\n"
	"                  host = \"web.example\"; interval_ms = 2000;\n"
	"                  timeout_ms = 700; rise = 4; fall = 5; port = 8081 } },\n"
	"      { address = \"10.1.0.12\" }\n"                         /* 11 */
	"    ) },\n"
	"  { name = \"dns-6.a_b\"; address = \"2001:db8::10\"; port = 53;\n"
	"    protocol = \"udp\";\n"
	"    sorry_server = \"[2001:db8::99]:53\";\n"                  /* 15 */
	"    backends = ( { address = \"2001:db8:1::11\";\n"
	"      check = { type = \"https\"; verify = true;\n"
	"                ca_file = \"/dev/null\" } },\n"
	"      { address = \"2001:db8:1::12\"; check = { type = \"script\";\n"
	"          command = [ \"/etc/vipd/chk.sh\", \"-q\" ] } } ) }\n"
	");\n";

static void
test_full_service_fills_every_field(void **state)
{
	struct conf *c = load_ok(full);
	const struct conf_service *s;
	const struct conf_check *k;

	(void)state;
	assert_int_equal(c->nservices, 2);
	s = &c->services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->addr.family, AF_INET);
	assert_int_equal(s->port, 80);
	assert_int_equal(s->protocol, CONF_LB_TCP);
	assert_int_equal(s->scheduler, CONF_LB_MH);
	assert_int_equal(s->persistence_s, 300);
	assert_int_equal(s->quorum, 2);
	assert_true(s->tracked);
	assert_int_equal(s->track_weight, -60);
	assert_true(s->has_sorry);
	assert_int_equal(s->sorry_port, 8080);
	assert_int_equal(s->nbackends, 2);
	assert_int_equal(s->backends[0].port, 8080);
	assert_int_equal(s->backends[0].weight, 3);
	k = &s->backends[0].check;
	assert_int_equal(k->type, CONF_CHECK_HTTP);
	assert_string_equal(k->path, "/healthz");
	assert_int_equal(k->expect_status, 204);
	assert_string_equal(k->expect_body, "ok");
	assert_string_equal(k->host, "web.example");
	assert_int_equal(k->interval_ms, 2000);
	assert_int_equal(k->timeout_ms, 700);
	assert_int_equal(k->rise, 4);
	assert_int_equal(k->fall, 5);
	assert_int_equal(k->port, 8081);
	/* Defaults: the service's port, weight 1, no check. */
	assert_int_equal(s->backends[1].port, 80);
	assert_int_equal(s->backends[1].weight, 1);
	assert_int_equal(s->backends[1].check.type, CONF_CHECK_NONE);

	s = &c->services[1];
	assert_string_equal(s->name, "dns-6.a_b");
	assert_int_equal(s->addr.family, AF_INET6);
	assert_int_equal(s->protocol, CONF_LB_UDP);
	assert_int_equal(s->scheduler, CONF_LB_WRR);
	assert_int_equal(s->quorum, 1);
	assert_false(s->tracked);
	assert_int_equal(s->sorry_addr.family, AF_INET6);
	assert_int_equal(s->sorry_port, 53);
	k = &s->backends[0].check;
	assert_int_equal(k->type, CONF_CHECK_HTTPS);
	assert_true(k->verify);
	assert_string_equal(k->ca_file, "/dev/null");
	assert_int_equal(k->port, 53);
	assert_int_equal(k->interval_ms, 1000);
	assert_int_equal(k->timeout_ms, 500);
	assert_int_equal(k->rise, 2);
	assert_int_equal(k->fall, 3);
	assert_null(k->path);                      /* "/" */
	assert_int_equal(k->expect_status, 200);
	k = &s->backends[1].check;
	assert_int_equal(k->type, CONF_CHECK_SCRIPT);
	assert_int_equal(k->argc, 2);
	assert_string_equal(k->argv[0], "/etc/vipd/chk.sh");
	assert_string_equal(k->argv[1], "-q");
	conf_free(c);
}

#define SVC(extra) \
	"virtual_services = (\n" \
	"  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n" \
	"    " extra "\n" \
	"    backends = ( { address = \"10.1.0.11\" } ) }\n" \
	");\n"

#define BACKEND(extra) \
	"virtual_services = (\n" \
	"  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n" \
	"    backends = ( { address = \"10.1.0.11\";\n" \
	"      " extra " } ) }\n" \
	");\n"

/* A script check takes as many arguments as a track script (16). */
static void
test_script_check_takes_sixteen_arguments(void **state)
{
	struct conf *c = load_ok(BACKEND("check = { type = \"script\"; "
	    "command = [ \"/bin/true\", \"1\", \"2\", \"3\", \"4\", \"5\", "
	    "\"6\", \"7\", \"8\", \"9\", \"10\", \"11\", \"12\", \"13\", "
	    "\"14\", \"15\" ]; };"));
	const struct conf_check *k = &c->services[0].backends[0].check;

	(void)state;
	assert_int_equal(k->argc, 16);
	assert_string_equal(k->argv[15], "15");
	assert_null(k->argv[16]);
	conf_free(c);
}

static void
test_bad_values_are_errors_with_file_and_line(void **state)
{
	(void)state;
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.300\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n);\n",
	    "t.conf:2: virtual_services[web].address: '10.0.0.300' is not an "
	    "IPv4 or IPv6 address");
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 0;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n);\n",
	    "t.conf:2: virtual_services[web].port: 0 is out of range 1..65535");
	expect_error(SVC("scheduler = \"lblc\";"),
	    "t.conf:3: virtual_services[web].scheduler: 'lblc' is not a "
	    "scheduler (rr, wrr, sh, mh, lc, wlc, sed, nq)");
	expect_error(SVC("protocol = \"sctp\";"),
	    "t.conf:3: virtual_services[web].protocol: 'sctp' is not \"tcp\" "
	    "or \"udp\"");
	expect_error(SVC("sorry_server = \"10.1.0.99\";"),
	    "t.conf:3: virtual_services[web].sorry_server: '10.1.0.99' is not "
	    "ADDRESS:PORT (A.B.C.D:P or [X:X::X]:P)");
	expect_error(SVC("sorry_server = \"[2001:db8::1]:80\";"),
	    "t.conf:3: virtual_services[web].sorry_server: not the family of "
	    "the service address");
	expect_error(SVC("quorum = 2;"),
	    "t.conf:3: virtual_services[web].quorum: 2 is more than the "
	    "backends' weights add up to (1): never met");
	expect_error(SVC("quorum = 1; hysteresis = 2;"),
	    "t.conf:3: virtual_services[web].hysteresis: 2 is more than "
	    "quorum (1)");
	expect_error(SVC("quorum_up = [ \"notify.sh\" ];"),
	    "t.conf:3: virtual_services[web].quorum_up[0]: 'notify.sh' is not "
	    "an absolute path");
	expect_error(SVC("persistence_s = 86401;"),
	    "t.conf:3: virtual_services[web].persistence_s: 86401 is out of "
	    "range 0..86400");
	expect_error(SVC("track_weight = -255;"),
	    "t.conf:3: virtual_services[web].track_weight: -255 is out of "
	    "range -254..254");
	expect_error(SVC("bogus = 1;"),
	    "t.conf:3: unknown key 'bogus' in virtual_services[web]");
	expect_error(BACKEND("port = 70000;"),
	    "t.conf:4: virtual_services[web].backends[0].port: 70000 is out "
	    "of range 1..65535");
	expect_error(BACKEND("weight = 101;"),
	    "t.conf:4: virtual_services[web].backends[0].weight: 101 is out "
	    "of range 0..100");
	expect_error(BACKEND("check = { type = \"icmp\"; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.type: 'icmp' "
	    "is not \"tcp\", \"http\", \"https\", \"script\", \"udp\", "
	    "\"dns\", \"smtp\" or \"ping\"");
	expect_error(BACKEND("check = { type = \"tcp\"; interval_ms = 100; "
	    "timeout_ms = 200; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.timeout_ms: "
	    "200 is longer than interval_ms (100)");
	expect_error(BACKEND("check = { type = \"http\"; path = \"x\"; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.path: must "
	    "start with / and contain no blank");
	expect_error(BACKEND("check = { type = \"tcp\"; path = \"/\"; };"),
	    "t.conf:4: virtual_services[web].backends[0].check: path, host, "
	    "expect_status and expect_body apply to http and https checks "
	    "only");
	expect_error(BACKEND("check = { type = \"https\"; verify = true; "
	    "ca_file = \"/nonexistent/ca.pem\"; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.ca_file: cannot "
	    "read /nonexistent/ca.pem: No such file or directory");
	expect_error(BACKEND("check = { type = \"http\"; verify = true; };"),
	    "t.conf:4: virtual_services[web].backends[0].check: verify and "
	    "ca_file apply to type \"https\" only");
	expect_error(BACKEND("check = { type = \"http\"; host = \"a\\r\\nX: y\"; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.host: must not "
	    "contain a line break");
	expect_error(BACKEND("check = { type = \"script\"; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.command: "
	    "missing (required for type \"script\")");
	expect_error(BACKEND("check = { type = \"script\"; "
	    "command = [ \"check.sh\" ]; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.command[0]: "
	    "'check.sh' is not an absolute path");
	/* The limits of every command (conf_command.h): 16 arguments. */
	expect_error(BACKEND("check = { type = \"script\"; command = [ "
	    "\"/bin/true\", \"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", "
	    "\"8\", \"9\", \"10\", \"11\", \"12\", \"13\", \"14\", \"15\", "
	    "\"16\" ]; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.command: "
	    "more than 16 arguments");
	expect_error(BACKEND("check = { type = \"tcp\"; "
	    "command = [ \"/bin/true\" ]; };"),
	    "t.conf:4: virtual_services[web].backends[0].check.command: "
	    "applies to type \"script\" only");
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"2001:db8::1\" } ) }\n);\n",
	    "t.conf:3: virtual_services[web].backends[0].address: not the "
	    "family of the service address (NAT between IPv4 and IPv6 is not "
	    "supported)");
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" },\n"
	    "                 { address = \"10.1.0.11\" } ) }\n);\n",
	    "t.conf:4: virtual_services[web].backends[1]: the same address "
	    "and port as backends[0]");
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( ) }\n);\n",
	    "t.conf:3: virtual_services[web].backends: 0 backends, expected "
	    "1..256");
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"we b\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n);\n",
	    "t.conf:2: virtual_services[0].name: 'we b' is not 1..32 "
	    "characters of A-Z a-z 0-9 _ . -");
	expect_error(
	    "virtual_services = (\n"
	    "  { address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n);\n",
	    "t.conf:2: virtual_services[0].name: missing (required)");
}

static void
test_duplicate_services_are_errors(void **state)
{
	(void)state;
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) },\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 81;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n);\n",
	    "t.conf:4: virtual_services[web]: duplicate name (first at line 2)");
	expect_error(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) },\n"
	    "  { name = \"web2\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n);\n",
	    "t.conf:4: virtual_services[web2]: 10.0.0.10 port 80/tcp is "
	    "already service 'web' (line 2)");
	/* The same address and port over udp is another service. */
	conf_free(load_ok(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) },\n"
	    "  { name = \"web2\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    protocol = \"udp\";\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n);\n"));
}

static void
test_service_equal_sees_every_change(void **state)
{
	struct conf *a = load_ok(full), *b = load_ok(full);

	(void)state;
	assert_true(conf_service_equal(&a->services[0], &b->services[0]));
	b->services[0].backends[0].weight = 2;
	assert_false(conf_service_equal(&a->services[0], &b->services[0]));
	b->services[0].backends[0].weight = 3;
	b->services[0].backends[0].check.fall = 1;
	assert_false(conf_service_equal(&a->services[0], &b->services[0]));
	b->services[0].backends[0].check.fall = 5;
	b->services[0].quorum = 1;
	assert_false(conf_service_equal(&a->services[0], &b->services[0]));
	b->services[0].quorum = 2;
	/* Where the service sits in the file is no change. */
	b->services[0].line = 99;
	assert_true(conf_service_equal(&a->services[0], &b->services[0]));
	conf_free(a);
	conf_free(b);
}

/* ---- schedulers ------------------------------------------------------------ */

static void
backends_n(struct lb_sched_backend *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)i * 7919u + 11;

		b[i] = (struct lb_sched_backend){ lb_sched_key(&id, sizeof(id)),
		    1, 1 };
	}
}

static void
test_wrr_sequence_follows_weights_and_spreads(void **state)
{
	struct lb_sched_backend b[3];
	uint16_t seq[LB_SCHED_SEQ_MAX];
	size_t len, count[3] = { 0 };

	(void)state;
	backends_n(b, 3);
	b[0].weight = 5;
	len = lb_sched_wrr(b, 3, 0, seq, LB_SCHED_SEQ_MAX);
	assert_int_equal(len, 7);
	for (size_t i = 0; i < len; i++)
		count[seq[i]]++;
	assert_int_equal(count[0], 5);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
	/* Smooth: never more than two of a in a row for 5:1:1 (a a b a c a a). */
	assert_int_equal(seq[0], 0);
	assert_int_not_equal(seq[2], 0);
	/* rr ignores weights; gcd reduces 20:10 to 2:1. */
	assert_int_equal(lb_sched_wrr(b, 3, 1, seq, LB_SCHED_SEQ_MAX), 3);
	b[0].weight = 20;
	b[1].weight = 10;
	b[2].usable = 0;
	assert_int_equal(lb_sched_wrr(b, 3, 0, seq, LB_SCHED_SEQ_MAX), 3);
	/* Weight 0 (drain) and down backends get nothing; none left: 0. */
	b[0].weight = 0;
	len = lb_sched_wrr(b, 3, 0, seq, LB_SCHED_SEQ_MAX);
	assert_int_equal(len, 1);
	assert_int_equal(seq[0], 1);
	b[1].usable = 0;
	assert_int_equal(lb_sched_wrr(b, 3, 0, seq, LB_SCHED_SEQ_MAX), 0);
}

static void
test_maglev_is_balanced_and_follows_weights(void **state)
{
	struct lb_sched_backend b[5];
	uint16_t t[TEST_MAGLEV_SIZE];
	size_t count[5] = { 0 }, m = TEST_MAGLEV_SIZE;

	(void)state;
	backends_n(b, 5);
	assert_int_equal(lb_sched_maglev(b, 5, t, m), 5);
	for (size_t s = 0; s < m; s++) {
		assert_true(t[s] < 5);
		count[t[s]]++;
	}
	for (size_t i = 0; i < 5; i++)
		assert_true(count[i] >= m / 5 - 2 && count[i] <= m / 5 + 2);
	/* Weight 3 against 1: three times the slots, within a few. */
	b[0].weight = 3;
	memset(count, 0, sizeof(count));
	lb_sched_maglev(b, 2, t, m);
	for (size_t s = 0; s < m; s++)
		count[t[s]]++;
	assert_true(count[0] > 3 * count[1] - 12 && count[0] < 3 * count[1] + 12);
	/* Nobody usable: every slot NONE. */
	b[0].usable = b[1].usable = 0;
	assert_int_equal(lb_sched_maglev(b, 2, t, m), 0);
	assert_int_equal(t[0], LB_SCHED_NONE);
	assert_int_equal(t[m - 1], LB_SCHED_NONE);
}

static void
test_maglev_removing_one_of_n_moves_about_one_nth(void **state)
{
	struct lb_sched_backend b[10];
	uint16_t before[TEST_MAGLEV_SIZE], after[TEST_MAGLEV_SIZE];
	size_t m = TEST_MAGLEV_SIZE;

	(void)state;
	for (size_t n = 3; n <= 10; n++) {
		for (size_t gone = 0; gone < n; gone++) {
			size_t moved = 0, moved_other = 0;

			backends_n(b, n);
			lb_sched_maglev(b, n, before, m);
			b[gone].usable = 0;
			lb_sched_maglev(b, n, after, m);
			for (size_t s = 0; s < m; s++) {
				assert_int_not_equal(after[s], gone);
				if (after[s] != before[s]) {
					moved++;
					moved_other += before[s] != gone;
				}
			}
			/* The lost backend's 1/N must move; others barely. */
			assert_true(moved <= m / n + m / 10);
			assert_true(moved_other <= m / 10);
		}
	}
}

/* ---- nft text --------------------------------------------------------------- */

static const char two[] =
	"virtual_services = (\n"
	"  { name = \"web-1\"; address = \"10.0.0.10\"; port = 80;\n"
	"    scheduler = \"wrr\"; persistence_s = 30; quorum = 2;\n"
	"    sorry_server = \"10.1.0.99:80\";\n"
	"    backends = ( { address = \"10.1.0.11\"; port = 8080; weight = 3 },\n"
	"                 { address = \"10.1.0.12\"; port = 8080 } ) }\n"
	");\n";

static void
test_nft_names_are_plain_identifiers_and_unique(void **state)
{
	char a[LB_NFT_ID_MAX], b[LB_NFT_ID_MAX];

	(void)state;
	lb_nft_id("web-1", a, sizeof(a));
	assert_string_equal(a, "web_d1");
	lb_nft_id("web_d1", b, sizeof(b));
	assert_string_equal(b, "web__d1");
	lb_nft_id("a.b", a, sizeof(a));
	assert_string_equal(a, "a_ob");
}

static void
test_nft_rules_follow_health_quorum_and_sorry(void **state)
{
	struct conf *c = load_ok(two);
	const struct conf_service *s = &c->services[0];
	bool up[2] = { true, true };
	struct lb_text t = { 0 };
	char p0[LB_NFT_SET_MAX], p1[LB_NFT_SET_MAX], want[512];

	(void)state;
	lb_nft_persist_set("web_d1", &s->backends[0], p0, sizeof(p0));
	lb_nft_persist_set("web_d1", &s->backends[1], p1, sizeof(p1));
	assert_int_equal(strlen(p0), strlen("lb_p_web_d1_") + 16);
	assert_string_not_equal(p0, p1);
	lb_nft_base(&t);
	lb_nft_service_add(&t, s);
	assert_int_equal(lb_nft_service_rules(&t, s, up), 2);
	lb_nft_service_hooks(&t, s);
	assert_false(t.oom);
	assert_non_null(strstr(t.buf, "add chain inet vipd lb_prerouting { type "
	    "nat hook prerouting priority dstnat; policy accept; }\n"));
	assert_non_null(strstr(t.buf, "add rule inet vipd lb_prerouting ip daddr "
	    "10.0.0.10 tcp dport 80 jump lb_s_web_d1\n"));
	/* Every balanced flow is marked for the sync sender. */
	assert_non_null(strstr(t.buf, "add rule inet vipd lb_s_web_d1 meta "
	    "l4proto tcp ct mark set 0x76697064 dnat ip to numgen inc mod 4 map "
	    "{ 0 : 10.1.0.11 . 8080, 1 : 10.1.0.11 . 8080, 2 : 10.1.0.12 . "
	    "8080, 3 : 10.1.0.11 . 8080 }\n"));
	/* Persistence: a set of clients per backend, looked up first. */
	snprintf(want, sizeof(want), "add set inet vipd %s { type "
	    "ipv4_addr; flags dynamic,timeout; timeout 30s; }\n", p1);
	assert_non_null(strstr(t.buf, want));
	snprintf(want, sizeof(want), "add rule inet vipd lb_f_web_d1 meta "
	    "l4proto tcp ct reply ip saddr 10.1.0.12 ct reply proto-src 8080 ct "
	    "direction original ct state new update @%s { ip saddr }\n", p1);
	assert_non_null(strstr(t.buf, want));
	/*
	 * Established flows keep their client remembered (either direction),
	 * but only a client still in the set: a forgotten one stays so.
	 */
	snprintf(want, sizeof(want), "add rule inet vipd lb_f_web_d1 meta "
	    "l4proto tcp ct reply ip saddr 10.1.0.12 ct reply proto-src 8080 ct "
	    "state established ct original ip saddr @%s update @%s { ct "
	    "original ip saddr }\n", p1, p1);
	assert_non_null(strstr(t.buf, want));
	snprintf(want, sizeof(want), "add rule inet vipd lb_s_web_d1 meta "
	    "l4proto tcp ip saddr @%s ct mark set 0x76697064 dnat ip "
	    "to 10.1.0.11:8080\n"
	    "add rule inet vipd lb_s_web_d1 meta l4proto tcp ip saddr "
	    "@%s ct mark set 0x76697064 dnat ip to 10.1.0.12:8080\n"
	    "add rule inet vipd lb_s_web_d1 meta l4proto tcp ct mark set ", p0,
	    p1);
	assert_non_null(strstr(t.buf, want));
	/* All up: no client is forgotten. */
	assert_null(strstr(t.buf, "flush set"));
	/*
	 * Per-backend counters: one map lookup per packet (either
	 * direction), new connections once each, in NAT's postrouting.
	 */
	assert_non_null(strstr(t.buf, "add element inet vipd lb_cm_web_d1 { "
	    "10.1.0.11 . 8080 : \"lb_c_web_d1_0\", 10.1.0.12 . 8080 : "
	    "\"lb_c_web_d1_1\" }\n"));
	assert_non_null(strstr(t.buf, "add element inet vipd lb_nm_web_d1 { "
	    "10.1.0.11 . 8080 : \"lb_n_web_d1_0\", 10.1.0.12 . 8080 : "
	    "\"lb_n_web_d1_1\" }\n"));
	assert_non_null(strstr(t.buf, "add rule inet vipd lb_f_web_d1 ct "
	    "direction original counter name ip daddr . th dport map "
	    "@lb_cm_web_d1\nadd rule inet vipd lb_f_web_d1 ct direction reply "
	    "counter name ip saddr . th sport map @lb_cm_web_d1\n"));
	assert_non_null(strstr(t.buf, "add rule inet vipd lb_postrouting ct mark "
	    "0x76697064 ct original ip daddr 10.0.0.10 meta l4proto tcp ct "
	    "original proto-dst 80 counter name ip daddr . th dport map "
	    "@lb_nm_web_d1\n"));
	/* No rule per backend is walked by every packet. */
	assert_null(strstr(t.buf, "counter name lb_c_web_d1_1"));
	assert_non_null(strstr(t.buf, "add rule inet vipd lb_input ip daddr "
	    "10.0.0.10 tcp dport 80 reject with tcp reset\n"));
	lb_text_free(&t);

	/*
	 * The weight-3 one down: weight 1 is below quorum 2 (a sum of
	 * weights), the sorry server takes new flows; only the down
	 * backend's clients are forgotten.
	 */
	up[0] = false;
	assert_int_equal(lb_nft_service_rules(&t, s, up), 1);
	snprintf(want, sizeof(want),
	    "flush chain inet vipd lb_s_web_d1\n"
	    "flush set inet vipd %s\n"
	    "add rule inet vipd lb_s_web_d1 meta l4proto tcp ct mark set "
	    "0x76697064 dnat ip to 10.1.0.99:80\n", p0);
	assert_string_equal(t.buf, want);
	lb_text_free(&t);

	/* Without a sorry server the chain stays empty: lb_input resets. */
	c->services[0].has_sorry = false;
	lb_nft_service_rules(&t, s, up);
	snprintf(want, sizeof(want), "flush chain inet vipd lb_s_web_d1\n"
	    "flush set inet vipd %s\n", p0);
	assert_string_equal(t.buf, want);
	lb_text_free(&t);

	/* Removal flushes before deleting, so nothing is still referenced. */
	lb_nft_service_delete(&t, s, NULL);
	assert_non_null(strstr(t.buf, "flush chain inet vipd lb_s_web_d1\n"
	    "flush chain inet vipd lb_f_web_d1\n"
	    "delete chain inet vipd lb_s_web_d1\n"));
	snprintf(want, sizeof(want), "delete set inet vipd %s\n", p0);
	assert_non_null(strstr(t.buf, want));
	/* The counter maps go before the counters their elements name. */
	assert_true(strstr(t.buf, "delete map inet vipd lb_cm_web_d1\n") != NULL &&
	    strstr(t.buf, "delete map inet vipd lb_cm_web_d1\n") <
	    strstr(t.buf, "delete counter inet vipd lb_c_web_d1_0\n"));
	lb_text_free(&t);
	conf_free(c);
}

/*
 * A reload that changes a service keeps the persistence sets of the
 * backends it keeps (same address and port, wherever they are listed) and
 * deletes those of removed backends, or all when persistence_s changed.
 */
static void
test_nft_reload_keeps_persistence_of_kept_backends(void **state)
{
	struct conf *c = load_ok(two), *n;
	char p0[LB_NFT_SET_MAX], p1[LB_NFT_SET_MAX], want[256];
	struct lb_text t = { 0 };

	(void)state;
	n = load_ok(
	    "virtual_services = (\n"
	    "  { name = \"web-1\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    scheduler = \"rr\"; persistence_s = 30;\n"
	    "    backends = ( { address = \"10.1.0.13\"; port = 8080 },\n"
	    "                 { address = \"10.1.0.11\"; port = 8080 } ) }\n"
	    ");\n");
	lb_nft_persist_set("web_d1", &c->services[0].backends[0], p0,
	    sizeof(p0));
	lb_nft_persist_set("web_d1", &c->services[0].backends[1], p1,
	    sizeof(p1));
	lb_nft_service_delete(&t, &c->services[0], &n->services[0]);
	snprintf(want, sizeof(want), "delete set inet vipd %s\n", p0);
	assert_null(strstr(t.buf, want));
	snprintf(want, sizeof(want), "delete set inet vipd %s\n", p1);
	assert_non_null(strstr(t.buf, want));
	lb_text_free(&t);
	/* The kept backend moved to index 1: same set name, "add" keeps it. */
	lb_nft_service_add(&t, &n->services[0]);
	snprintf(want, sizeof(want), "add set inet vipd %s {", p0);
	assert_non_null(strstr(t.buf, want));
	lb_text_free(&t);

	n->services[0].persistence_s = 60;
	lb_nft_service_delete(&t, &c->services[0], &n->services[0]);
	snprintf(want, sizeof(want), "delete set inet vipd %s\n", p0);
	assert_non_null(strstr(t.buf, want));
	lb_text_free(&t);
	conf_free(n);
	conf_free(c);
}

static void
test_nft_hash_schedulers_use_a_maglev_map(void **state)
{
	bool up[1] = { true };
	struct lb_text t = { 0 };
	struct conf *c;

	(void)state;
	c = load_ok(
	    "virtual_services = (\n"
	    "  { name = \"dns\"; address = \"2001:db8::10\"; port = 53;\n"
	    "    protocol = \"udp\"; scheduler = \"mh\";\n"
	    "    backends = ( { address = \"2001:db8:1::11\" } ) },\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    scheduler = \"sh\";\n"
	    "    backends = ( { address = \"10.1.0.11\"; weight = 0 } ) }\n"
	    ");\n");
	lb_nft_service_rules(&t, &c->services[0], up);
	assert_non_null(strstr(t.buf, "meta l4proto udp ct mark set 0x76697064 "
	    "dnat ip6 to jhash ip6 saddr . udp sport . ip6 daddr . udp dport "
	    "mod 101 seed 0x76697064 map { 0 : 2001:db8:1::11 . 53, "));
	assert_non_null(strstr(t.buf, "100 : 2001:db8:1::11 . 53 }\n"));
	lb_text_free(&t);
	/* Weight 0 drains: no backend takes new flows, no DNAT rule. */
	assert_int_equal(lb_nft_service_rules(&t, &c->services[1], up), 0);
	assert_null(strstr(t.buf, "dnat"));
	lb_text_free(&t);
	conf_free(c);
}

/* "... hook input priority N; ..." of chain in text: N. */
static long
input_priority(const char *text, const char *chain)
{
	char want[128];
	const char *p;

	snprintf(want, sizeof(want), "add chain inet vipd %s { type filter "
	    "hook input priority ", chain);
	p = strstr(text, want);
	assert_non_null(p);
	return strtol(p + strlen(want), NULL, 10);
}

/*
 * Base chains of one priority run in an order nobody promises: with
 * accept_mode off, the accept filter's silent drop could come before
 * lb_input's reset, and a service below quorum without a sorry server
 * would time its clients out instead of refusing them.
 */
static void
test_lb_input_refuses_before_the_accept_filter_drops(void **state)
{
	struct lb_text t = { 0 };
	char af[1024];

	(void)state;
	lb_nft_base(&t);
	assert_false(t.oom);
	assert_true(accept_filter_build(af, sizeof(af)) > 0);
	assert_true(input_priority(t.buf, "lb_input") <
	    input_priority(af, ACCEPT_FILTER_CHAIN));
	/* And after the DNAT of prerouting (-100): balanced flows are gone. */
	assert_true(input_priority(t.buf, "lb_input") > -100);
	lb_text_free(&t);
}

/* ---- dump ------------------------------------------------------------------ */

/* The text dump of the first service of text (no backend checked). */
static char *
dump_of(const char *text)
{
	struct conf *c = load_ok(text);
	struct lb_backend b[2];
	struct lb_service svc = { .conf = c->services[0], .backends = b };
	struct lb_service *list[] = { &svc };
	struct lb lb = { .services = list, .nservices = 1 };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_true(svc.conf.nbackends <= 2);
	memset(b, 0, sizeof(b));
	for (size_t i = 0; i < svc.conf.nbackends; i++) {
		b[i].conf = &svc.conf.backends[i];
		b[i].svc = &svc;
		b[i].check.conf = svc.conf.backends[i].check;
	}
	lb_dump_text(f, &lb, 0);
	fclose(f);
	conf_free(c);
	return out;
}

/* Below quorum without a sorry server, lb_input answers as the protocol does. */
static void
test_dump_names_the_refusal_of_each_protocol(void **state)
{
	char *tcp, *udp, *udp6, *sorry;

	(void)state;
	tcp = dump_of("virtual_services = ( { name = \"web\"; address = "
	    "\"10.0.0.10\"; port = 80;\n"
	    "  backends = ( { address = \"10.1.0.11\" } ) } );\n");
	udp = dump_of("virtual_services = ( { name = \"dns\"; address = "
	    "\"10.0.0.10\"; port = 53; protocol = \"udp\";\n"
	    "  backends = ( { address = \"10.1.0.11\" } ) } );\n");
	udp6 = dump_of("virtual_services = ( { name = \"dns6\"; address = "
	    "\"2001:db8::10\"; port = 53; protocol = \"udp\";\n"
	    "  backends = ( { address = \"2001:db8:1::11\" } ) } );\n");
	sorry = dump_of("virtual_services = ( { name = \"dns\"; address = "
	    "\"10.0.0.10\"; port = 53; protocol = \"udp\";\n"
	    "  sorry_server = \"10.1.0.99:53\";\n"
	    "  backends = ( { address = \"10.1.0.11\" } ) } );\n");
	assert_non_null(strstr(tcp, "  sorry server: none (TCP reset)\n"));
	assert_non_null(strstr(udp,
	    "  sorry server: none (ICMP port unreachable)\n"));
	assert_null(strstr(udp, "TCP"));
	assert_non_null(strstr(udp6,
	    "  sorry server: none (ICMPv6 port unreachable)\n"));
	assert_non_null(strstr(sorry, "  sorry server: 10.1.0.99:53\n"));
	free(tcp);
	free(udp);
	free(udp6);
	free(sorry);
}

/* ---- tracking ------------------------------------------------------------- */

static void
test_tracked_services_weigh_on_the_instance_holding_their_address(void **state)
{
	struct conf *c = load_ok(
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"10.0.0.10/24\" ); },\n"
	    "  { name = \"int\"; interface = \"eth1\"; vrid = 52;\n"
	    "    addresses = ( \"10.1.0.1/24\" ); }\n"
	    ");\n"
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    track_weight = -60; quorum = 2;\n"
	    "    backends = ( { address = \"10.1.0.11\" },\n"
	    "                 { address = \"10.1.0.12\" } ) },\n"
	    "  { name = \"dns\"; address = \"10.0.0.10\"; port = 53;\n"
	    "    backends = ( { address = \"10.1.0.11\" } ) }\n"
	    ");\n");
	struct lb_service web = { .conf = c->services[0], .quorum_met = false },
	    dns = { .conf = c->services[1], .quorum_met = false };
	struct lb_service *list[] = { &web, &dns };
	struct lb lb = { .services = list, .nservices = 2 };
	struct track_obj objs[4];
	struct track_result r;

	(void)state;
	snprintf(web.track_detail, sizeof(web.track_detail), "1 of quorum 2");
	/* Only the tracked service, only for the instance holding its VIP. */
	assert_int_equal(lb_track_objs(&lb, &c->instances[1], objs, 4), 0);
	assert_int_equal(lb_track_objs(&lb, &c->instances[0], objs, 4), 1);
	assert_int_equal(objs[0].kind, TRACK_SERVICE);
	assert_string_equal(objs[0].name, "web");
	assert_false(objs[0].up);
	track_evaluate(150, objs, 1, &r);
	assert_false(r.fault);
	assert_int_equal(r.priority, 90);
	assert_string_equal(r.reason, "service web below quorum (1 of quorum 2), "
	    "weight -60");
	web.quorum_met = true;
	lb_track_objs(&lb, &c->instances[0], objs, 4);
	track_evaluate(150, objs, 1, &r);
	assert_int_equal(r.priority, 150);
	assert_int_equal(lb_track_objs(&lb, &c->instances[0], objs, 0), 0);
	conf_free(c);
}

/* ---- checks --------------------------------------------------------------- */

static void
test_rise_and_fall(void **state)
{
	struct check_rf rf = { .rise = 2, .fall = 3 };

	(void)state;
	/* The first result decides at once. */
	assert_true(check_rf_record(&rf, true));
	assert_int_equal(rf.health, CHECK_UP);
	assert_false(check_rf_record(&rf, false));
	assert_false(check_rf_record(&rf, false));
	assert_false(check_rf_record(&rf, true));     /* the run is broken */
	assert_false(check_rf_record(&rf, false));
	assert_false(check_rf_record(&rf, false));
	assert_true(check_rf_record(&rf, false));
	assert_int_equal(rf.health, CHECK_DOWN);
	assert_false(check_rf_record(&rf, true));
	assert_true(check_rf_record(&rf, true));
	assert_int_equal(rf.health, CHECK_UP);
	rf = (struct check_rf){ .rise = 2, .fall = 3 };
	assert_true(check_rf_record(&rf, false));
	assert_int_equal(rf.health, CHECK_DOWN);
}

static enum check_http_verdict
judge(const char *resp, bool eof, const char *body, char *why)
{
	return check_http_parse(resp, strlen(resp), eof, 200, body, why, 128);
}

static void
test_http_answers_are_judged(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(judge("HTTP/1.0 200 OK\r\n", false, "", why),
	    CHECK_HTTP_OK);
	assert_int_equal(judge("HTTP/1.1 200\r\n", false, "", why),
	    CHECK_HTTP_OK);
	assert_int_equal(judge("HTTP/1.1 2", false, "", why), CHECK_HTTP_MORE);
	assert_int_equal(judge("HTTP/1.1 503 Busy\r\n", false, "", why),
	    CHECK_HTTP_FAIL);
	assert_string_equal(why, "status 503, expected 200");
	assert_int_equal(judge("garbage\r\n", false, "", why), CHECK_HTTP_FAIL);
	assert_string_equal(why, "not an HTTP status line: 'garbage?" "?'");
	assert_int_equal(judge("HTTP/1.1 2000 OK\r\n", false, "", why),
	    CHECK_HTTP_FAIL);
	assert_int_equal(judge("", true, "", why), CHECK_HTTP_FAIL);
	assert_string_equal(why, "connection closed without an answer");
	assert_int_equal(judge("HTTP/1.1 2", true, "", why), CHECK_HTTP_FAIL);
	/* A body substring waits for the body, and fails only at the end. */
	assert_int_equal(judge("HTTP/1.0 200 OK\r\nX: y\r\n\r\nall", false,
	    "all good", why), CHECK_HTTP_MORE);
	assert_int_equal(judge("HTTP/1.0 200 OK\r\nX: y\r\n\r\nall good", false,
	    "all good", why), CHECK_HTTP_OK);
	assert_int_equal(judge("HTTP/1.0 200 OK\r\nall good: 1\r\n\r\nno",
	    true, "all good", why), CHECK_HTTP_FAIL);
	assert_string_equal(why, "status 200 but the body lacks the expected "
	    "text");
}

/*
 * lc: the rule walks a named map filled from slot 0 before it; a change
 * of counts rewrites only the elements that differ, the rule untouched;
 * the map goes with its service.
 */
static void
test_nft_least_walks_a_named_map_rewritten_in_place(void **state)
{
	struct conf *c = load_ok(
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    scheduler = \"lc\";\n"
	    "    backends = ( { address = \"10.1.0.11\"; port = 8080 },\n"
	    "                 { address = \"10.1.0.12\"; port = 8080 } ) }\n"
	    ");\n");
	const struct conf_service *s = &c->services[0];
	struct lb_nft_backend_state st[2] = { { true, 1, 3, 0 },
		{ true, 1, 0, 0 } };
	uint16_t was[LB_SCHED_SEQ_MAX], now[LB_SCHED_SEQ_MAX];
	struct lb_text t = { 0 };

	(void)state;
	lb_nft_service_add(&t, s);
	assert_non_null(strstr(t.buf, "add map inet vipd lb_m_web { typeof "
	    "numgen inc mod 256 : ip daddr . tcp dport; }\n"));
	lb_text_free(&t);
	assert_int_equal(lb_nft_service_rules_st(&t, s, st, true), 2);
	/* b2 has 3 fewer: the first 3 picks are its, then they alternate. */
	assert_non_null(strstr(t.buf, "flush map inet vipd lb_m_web\n"
	    "add element inet vipd lb_m_web { 0 : 10.1.0.12 . 8080, 1 : "
	    "10.1.0.12 . 8080, 2 : 10.1.0.12 . 8080, 3 : 10.1.0.11 . 8080, "
	    "4 : 10.1.0.12 . 8080, "));
	assert_non_null(strstr(t.buf, "add rule inet vipd lb_s_web meta l4proto "
	    "tcp ct mark set 0x76697064 dnat ip to numgen inc mod 256 map "
	    "@lb_m_web\n"));
	lb_text_free(&t);
	/*
	 * 3 flows placed, all to b2: the same picks from slot 3 on; only the
	 * slots the kernel has passed change (for its next round).
	 */
	assert_int_equal(lb_nft_least_slots(s, st, 0, was), 256);
	st[1].active = 3;
	assert_int_equal(lb_nft_least_slots(s, st, 3, now), 256);
	assert_memory_equal(was + 3, now + 3, (256 - 3) * sizeof(*was));
	assert_int_equal(lb_nft_least_update(&t, s, was, now, 256), 1);
	assert_string_equal(t.buf, "delete element inet vipd lb_m_web { 1 }\n"
	    "add element inet vipd lb_m_web { 1 : 10.1.0.11 . 8080 }\n");
	lb_text_free(&t);
	memcpy(was, now, sizeof(was));
	/* One closed on b1 instead: slot 3 goes to b1, 4 to b2, and so on. */
	st[0].active = 2;
	assert_int_equal(lb_nft_least_slots(s, st, 3, now), 256);
	assert_true(lb_nft_least_update(&t, s, was, now, 256) > 0);
	assert_non_null(strstr(t.buf, "delete element inet vipd lb_m_web { "));
	assert_non_null(strstr(t.buf, "add element inet vipd lb_m_web { "));
	assert_null(strstr(t.buf, "rule"));
	assert_null(strstr(t.buf, "flush"));
	lb_text_free(&t);
	lb_nft_service_delete(&t, s, NULL);
	assert_non_null(strstr(t.buf, "delete chain inet vipd lb_s_web\n"));
	assert_true(strstr(t.buf, "delete map inet vipd lb_m_web\n") >
	    strstr(t.buf, "delete chain inet vipd lb_s_web\n"));
	lb_text_free(&t);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_service_fills_every_field),
		cmocka_unit_test(test_script_check_takes_sixteen_arguments),
		cmocka_unit_test(test_bad_values_are_errors_with_file_and_line),
		cmocka_unit_test(test_duplicate_services_are_errors),
		cmocka_unit_test(test_service_equal_sees_every_change),
		cmocka_unit_test(test_wrr_sequence_follows_weights_and_spreads),
		cmocka_unit_test(test_maglev_is_balanced_and_follows_weights),
		cmocka_unit_test(test_maglev_removing_one_of_n_moves_about_one_nth),
		cmocka_unit_test(test_nft_names_are_plain_identifiers_and_unique),
		cmocka_unit_test(test_nft_rules_follow_health_quorum_and_sorry),
		cmocka_unit_test(
		    test_nft_least_walks_a_named_map_rewritten_in_place),
		cmocka_unit_test(test_nft_reload_keeps_persistence_of_kept_backends),
		cmocka_unit_test(test_nft_hash_schedulers_use_a_maglev_map),
		cmocka_unit_test(test_lb_input_refuses_before_the_accept_filter_drops),
		cmocka_unit_test(test_dump_names_the_refusal_of_each_protocol),
		cmocka_unit_test(test_tracked_services_weigh_on_the_instance_holding_their_address),
		cmocka_unit_test(test_rise_and_fall),
		cmocka_unit_test(test_http_answers_are_judged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

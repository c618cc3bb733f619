# SPDX-License-Identifier: GPL-2.0-or-later
# vipd - VRRP failover daemon with an embedded L4 balancer.
SHELL := /bin/bash
#
#   make                build build/vipd and build/vipctl
#   make check          warning-free build, unit tests (plain and ASan/UBSan),
#                       system tests against both builds, a short fuzz run
#   make unit | system | fuzz | demo | install | clean
#   make soak [SOAK_MINUTES=10] [SOAK_SEED=N] [SOAK_PATCH=file]: random faults
#              on a three-node group with clients watching (tests/soak)
#   make bench (all of: bench-failover bench-scale bench-checks bench-balancer
#              bench-sync); make bench-tables writes tests/bench/README.md
#
# BUILD=dir selects the output directory, SAN=1 adds ASan+UBSan, WERROR=1
# turns warnings into errors (make check does).

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR    ?=
BUILD      ?= build
PYTHON     ?= /usr/bin/python3
FUZZ_SECONDS ?= 15

PKGS := libconfig libnl-3.0 libnl-route-3.0 libssl libcrypto libnftables libmnl \
	libnetfilter_conntrack
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) $(WARNFLAGS) $(CFLAGS) \
	$(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Each lib/ folder lists its files in files.mk, pure cores apart from OS glue.
# The pure objects form a library of their own that links with no -l flag;
# a unit test of a pure module links only that (tests/layering/check.py
# verifies that no pure object calls a syscall, a library or glue).
PURE_SRCS :=
GLUE_SRCS :=
include $(wildcard lib/*/files.mk)
LIB_SRCS  := $(PURE_SRCS) $(GLUE_SRCS)
LIB_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
PURE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(PURE_SRCS))
LIB_A     := $(BUILD)/libvipd.a
PURE_A    := $(BUILD)/libvipd-pure.a
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# Unit tests of pure modules (test_MODULE.c) link only the pure library;
# GLUE_TESTS are named after a pure module but drive glue beside it.
GLUE_TESTS := test_check_sched
PURE_TESTS := $(filter-out $(GLUE_TESTS),$(foreach t,$(UNIT_SRCS),$(if $(filter \
	%/$(patsubst test_%.c,%,$(notdir $(t))).c,$(PURE_SRCS)),$(basename $(notdir $(t))))))
PURE_TEST_BINS := $(patsubst %,$(BUILD)/tests/%,$(PURE_TESTS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(FUZZ_SRCS))

.PHONY: all unit layering system check fuzz fuzz-short demo bench bench-failover bench-bfd-cpu \
	bench-scale bench-checks bench-balancer bench-sync bench-deps bench-tables install \
	bench-aa demo-aa \
	install-man deb \
	clean deps soak
all: $(BUILD)/vipd $(BUILD)/vipctl

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(PURE_A): $(PURE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The daemon: vipd.c (start-up, loop, signals, stop) and one file per job.
VIPD_OBJS = $(patsubst %,$(BUILD)/daemon/%.o,vipd vipd_ctl vipd_vrrp vipd_bfd \
	vipd_reload vipd_services vipd_privs vipd_view vipd_drills vipd_metrics \
	vipd_timers vipd_statics vipd_lbcount vipd_sdnotify vipd_drift)

$(BUILD)/vipd: $(VIPD_OBJS) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/vipctl: $(BUILD)/daemon/vipctl.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(PURE_TEST_BINS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(PURE_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

# No cycle between files or folders, no pure object that reaches the OS.
layering: all $(PURE_TEST_BINS)
	$(PYTHON) tests/layering/test_check.py
	$(PYTHON) tests/layering/check.py $(BUILD) .

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# System tests need root (network namespaces). VIPD_BIN picks the daemon.
# Each test builds its own namespaces with a unique prefix, so they run side
# by side (pytest-xdist); most of their time is spent waiting for timers.
# A test also fails when a vipd it ran leaves a sanitizer report in its log
# or exits non-zero without having been SIGKILLed (tests/system/conftest.py);
# a SAN=1 build must be named as such here too, or `all` would relink it.
# Tests marked heavy (tens of thousands of conntrack entries: the kernel's
# conntrack hash and its dumps are shared by every namespace) run after the
# others, one at a time, so that they do not slow down the sync of others.
SYSTEM_JOBS ?= 4
SYSTEM_RUN = VIPD_REQUIRE_TOOLS=1 VIPD_BIN=$(abspath $(BUILD)/vipd) \
	VIPCTL_BIN=$(abspath $(BUILD)/vipctl) $(PYTHON) -m pytest -q -p no:cacheprovider
system: all
	$(SYSTEM_RUN) -n $(SYSTEM_JOBS) -m "not heavy" tests/system
	$(SYSTEM_RUN) -m heavy tests/system

# libFuzzer targets: clang with ASan+UBSan over the same sources.
build-fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(wildcard lib/*/*.h)
	@mkdir -p build-fuzz
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRCS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do n=$$(basename $$f); \
		mkdir -p build-fuzz/corpus-$$n; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			build-fuzz/corpus-$$n tests/fuzz/corpus/$$n 2>&1 | { grep -E '^(Done|==[0-9]+==ERROR|SUMMARY)' || true; }; \
		test $${PIPESTATUS[0]:-0} -eq 0; done
fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=10

check:
	$(MAKE) WERROR=1 all unit layering
	$(MAKE) WERROR=1 BUILD=build-asan SAN=1 all unit
	$(MAKE) fuzz-short
	ASAN_OPTIONS=detect_leaks=1 $(MAKE) WERROR=1 BUILD=build-asan SAN=1 system
	$(MAKE) WERROR=1 system

# The short tour: the balancer pair of etc/examples with conn_sync, a client
# and backends in namespaces; status, a drill, a crash and a restart under
# live connections and pings, keepalived beside it (tests/bench/demo.py).
demo: all
	VIPD_BIN=$(abspath $(BUILD)/vipd) VIPCTL_BIN=$(abspath $(BUILD)/vipctl) $(PYTHON) tests/bench/demo.py \
		--json $(BUILD)/demo.json

# Active/active: router, three nodes with FRR and vipd, backends, a client
# with long-lived connections; a node drained, one killed, one added back
# (tests/bench/demo_aa.py).
demo-aa: all
	VIPD_BIN=$(abspath $(BUILD)/vipd) $(PYTHON) tests/bench/demo_aa.py \
		--json $(BUILD)/demo-aa.json

# The soak (tests/soak/README.md): an ASan build, then SOAK_MINUTES of
# random overlapping faults with invariants checked the whole time; exit 0
# when every one held. SOAK_SEED replays a schedule, SOAK_PATCH plants a bug
# in a scratch copy of the tree (tests/soak/planted/).
SOAK_MINUTES ?= 10
SOAK_SEED ?=
SOAK_PATCH ?=
soak:
	$(PYTHON) tests/soak/soak.py --minutes $(SOAK_MINUTES) --json $(BUILD)/soak.json \
		$(if $(SOAK_SEED),--seed $(SOAK_SEED)) $(if $(SOAK_PATCH),--patch $(abspath $(SOAK_PATCH)))

# Every benchmark, each also alone as bench-NAME; figures go to
# $(BUILD)/bench-NAME.json. Defaults: 5 runs of each implementation in
# alternation, 30 s idle windows, 10 000 and 100 000 synced flows (about an
# hour in all). A quick look: make bench BENCH_RUNS=1 BENCH_IDLE_S=10
# BENCH_SYNC_SIZES=10000.
BENCH_RUNS ?= 5
BENCH_IDLE_S ?= 30
BENCH_CHECK_RUNS ?= $(BENCH_RUNS)
BENCH_SYNC_SIZES ?= 10000,100000
BENCH_ENV = VIPD_BIN=$(abspath $(BUILD)/vipd) VIPCTL_BIN=$(abspath $(BUILD)/vipctl)
bench: bench-failover bench-scale bench-checks bench-balancer bench-sync bench-bfd-cpu

# The peers the benchmarks compare with (keepalived, conntrackd, haproxy) come
# from Debian; install whatever is missing first.
bench-deps:
	sh contrib/install-deps.sh

bench-failover: all bench-deps
	$(BENCH_ENV) $(PYTHON) tests/bench/failover.py \
		--runs $(BENCH_RUNS) \
		--impls vipd,vipd-rfc,keepalived,vipd-bfd10,vipd-bfd50 \
		--json $(BUILD)/bench-failover.json

bench-scale: all bench-deps
	$(BENCH_ENV) $(PYTHON) tests/bench/scale.py \
		--runs $(BENCH_RUNS) --idle-s $(BENCH_IDLE_S) --json $(BUILD)/bench-scale.json

bench-checks: all bench-deps
	$(BENCH_ENV) $(PYTHON) tests/bench/checks.py \
		--runs $(BENCH_CHECK_RUNS) --duration $(BENCH_IDLE_S) --json $(BUILD)/bench-checks.json

# New TCP connections/s and UDP packets/s through one node: plain routing,
# vipd NAT, vipd DR, HAProxy; ratios over plain (tests/bench/balancer.py).
bench-balancer: all bench-deps
	$(BENCH_ENV) $(PYTHON) tests/bench/balancer.py \
		--runs $(BENCH_RUNS) --json $(BUILD)/bench-balancer.json

# Conntrack replication rate, memory and takeover stall (tests/bench/sync.py).
bench-bfd-cpu: all bench-deps
	$(BENCH_ENV) $(PYTHON) tests/bench/bfd_cpu.py --json $(BUILD)/bench-bfd-cpu.json

# Active/active: three vipd nodes behind FRR's ECMP, 1000 long-lived flows
# through leave, join, crash and a backend removed (tests/bench/aa.py).
bench-aa: all bench-deps
	$(BENCH_ENV) $(PYTHON) tests/bench/aa.py --json $(BUILD)/bench-aa.json

bench-sync: all bench-deps
	$(BENCH_ENV) $(PYTHON) tests/bench/sync.py \
		--runs $(BENCH_RUNS) --sizes $(BENCH_SYNC_SIZES) --impls vipd,conntrackd \
		--json $(BUILD)/bench-sync.json

# tests/bench/README.md's tables from the build/bench-*.json present.
bench-tables:
	$(PYTHON) tests/bench/tables.py --build $(BUILD)

install: all install-man
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/vipd
	install -m 0755 $(BUILD)/vipd $(BUILD)/vipctl $(DESTDIR)$(SBINDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/vipd/vipd.conf || \
		install -m 0644 etc/vipd.conf $(DESTDIR)$(SYSCONFDIR)/vipd/vipd.conf
	install -D -m 0644 contrib/iproute2/rt_protos.d/vipd.conf \
		$(DESTDIR)$(SYSCONFDIR)/iproute2/rt_protos.d/vipd.conf

# Man pages need no build: tests/system/test_docs.py installs them alone.
install-man:
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man5
	install -m 0644 man/vipd.8 man/vipctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/vipd.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 man/vipd.conf.5 $(DESTDIR)$(MANDIR)/man5/

# The Debian package (contrib/debian) from the tree as committed plus the
# uncommitted changes of tracked files (git stash create), exported with
# git archive (no .git) into a temporary directory; the .deb lands in
# $(BUILD)/. The package's own test step is skipped (make check runs them).
deb:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tree=$$(git stash create); \
	mkdir "$$tmp/vipd"; git archive --format=tar $${tree:-HEAD} | tar -x -C "$$tmp/vipd"; \
	cp -r contrib/debian "$$tmp/vipd/debian"; \
	(cd "$$tmp/vipd" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b); \
	mkdir -p $(BUILD); cp "$$tmp"/*.deb "$$tmp"/*.changes "$$tmp"/*.buildinfo $(BUILD)/; \
	ls $(BUILD)/vipd_*.deb

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJS:.o=.d) $(VIPD_OBJS:.o=.d) \
	$(BUILD)/daemon/vipctl.d \
	$(patsubst %.c,$(BUILD)/%.d,$(UNIT_SRCS))

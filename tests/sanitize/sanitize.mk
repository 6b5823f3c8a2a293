# SPDX-License-Identifier: GPL-2.0-or-later
# Layer check-sanitize: the userspace built with AddressSanitizer and
# UndefinedBehaviorSanitizer (float-cast-overflow too; no recovery, the
# first finding fails; leaks fail too) into $(B)/sanitize, then the libp1,
# reader, p1ctl and exporter cmocka suites and the exporter's end-to-end
# scripts run on those binaries.  First the whole userspace compiles at -O0
# (into $(B)/O0): -Werror=format-truncation sees other things there.
#
# Every tests/exporter/test-*.sh runs here (a new one too) but these:
#   test-alloc       valgrind cannot run ASan binaries
#   test-run         make run builds and runs the plain exporter
#   test-prometheus, test-dashboard, test-scaling
#                    they test Prometheus, Grafana's queries and the rules
#                    against a plain /metrics, which every script here
#                    scrapes already; ~90 s of servers starting and waiting
#                    for scrape rounds would find nothing new
SAN_B := $(B)/sanitize
SAN_SAN := -fsanitize=address,undefined,float-cast-overflow
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer $(SAN_SAN) \
	-fno-sanitize-recover=all
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=23 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=24
SAN_EXPORTER_SKIP := test-alloc test-run test-prometheus test-dashboard \
	test-scaling
SAN_EXPORTER_TESTS = $(filter-out $(SAN_EXPORTER_SKIP),$(patsubst %.sh,%,\
	$(notdir $(sort $(wildcard $(TOP)/tests/exporter/test-*.sh)))))
SAN_UNIT_BINS = $(patsubst $(B)/%,$(SAN_B)/%,$(LIBP1_UT_BINS) \
	$(RD_T_BIN) $(P1CTL_UT_BINS) $(P1X_UNIT) $(P1X_UNIT_MQTT))

.PHONY: check-sanitize
check-sanitize:
	$(MAKE) --no-print-directory B=$(B)/O0 CFLAGS="-O0 -g" $(ALL_TARGETS)
	$(MAKE) --no-print-directory B=$(SAN_B) CFLAGS="$(SAN_CFLAGS)" \
		LDFLAGS="$(SAN_SAN)" p1-exporter p1-emulate p1ctl \
		$(SAN_UNIT_BINS)
	@set -e; for t in $(SAN_UNIT_BINS); do \
		echo "--- $${t##*/} (ASan+UBSan)"; \
		$(SAN_ENV) P1_TEST_QUICK=1 $$t >$$t.log 2>&1 || \
			{ cat $$t.log; exit 1; }; done
	$(SAN_ENV) B=$(SAN_B) $(TOP)/tests/exporter/run.sh \
		$(SAN_EXPORTER_TESTS)

CHECK_TARGETS += check-sanitize

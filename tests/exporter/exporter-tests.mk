# SPDX-License-Identifier: GPL-2.0-or-later
# p1-exporter tests.
#   check-exporter             cmocka unit tests, then end-to-end scripts:
#                              emulator, replay, TCP drops, no allocation
#                              per telegram (valgrind), serial (pty),
#                              malformed HTTP, TLS and basic auth, make
#                              run (its packages, P1_RUN_ARGS), MQTT and
#                              Home Assistant discovery (real mosquitto
#                              brokers, test-mqtt.sh), DSMR-reader push (a
#                              stand-in of its API), raw telegram TCP
#                              server, capture files, hostile
#                              telegrams (UTF-8, huge and negative numbers,
#                              control bytes for p1ctl decode), a
#                              thousand meters in one exporter (test-many)
#   check-exporter-prometheus  a real Prometheus server scrapes it; two
#                              exporters, recording rules, federation and
#                              remote_write (test-scaling)
#   bench-exporter             memory, scrape rate, CPU (make bench)

P1X_T_DIR := $(TOP)/tests/exporter
P1X_T_OUT := $(B)/tests/exporter
P1X_UNIT := $(P1X_T_OUT)/unit_exporter
# Included before userspace/exporter/exporter.mk: spell out its paths.
P1X_UNIT_OBJS := $(patsubst $(TOP)/userspace/exporter/%.c,$(B)/obj/exporter/%.o,\
	$(filter-out %/main.c %/emu_tool.c %/static_p11stub.c %/static_mqtt.c \
	%/static_dsmrreader.c,$(wildcard \
	$(TOP)/userspace/exporter/*.c $(TOP)/userspace/exporter/*/*.c))) \
	$(patsubst $(TOP)/userspace/exporter/%.S,$(B)/obj/exporter/%.o,\
	$(wildcard $(TOP)/userspace/exporter/*/*.S))
P1X_T_BINS := $(B)/p1-exporter $(B)/p1-emulate

$(P1X_T_OUT)/unit_exporter.o: $(P1X_T_DIR)/unit_exporter.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1X_CFLAGS) -MMD -MP -c -o $@ $<

$(P1X_UNIT): $(P1X_T_OUT)/unit_exporter.o $(P1X_UNIT_OBJS) $(B)/lib/libp1.a \
		$(B)/libp1common.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(P1X_LIBS) \
		$(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka)

# The same tests linked with only the objects they reach, none of which
# uses libmicrohttpd: check-i386 builds and runs this one for i386, where
# Debian 12 has no libmicrohttpd-dev:i386 installable next to the amd64
# one.  A test reaching another object fails this link: add it here.
P1X_UNIT_PURE := $(P1X_T_OUT)/unit_exporter-pure
P1X_UNIT_PURE_OBJS := $(addprefix $(B)/obj/exporter/,sbuf.o options.o \
	sources/source.o evloop.o log.o sinks/spool.o)
$(P1X_UNIT_PURE): $(P1X_T_OUT)/unit_exporter.o $(P1X_UNIT_PURE_OBJS) \
		$(B)/lib/libp1.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka) \
		$(P1_CRYPTO_LIBS) -lm

# The MQTT settings (sinks/mqtt_conf.c) alone, with OpenSSL.
P1X_UNIT_MQTT := $(P1X_T_OUT)/unit_mqtt
$(P1X_T_OUT)/unit_mqtt.o: $(P1X_T_DIR)/unit_mqtt.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1X_CFLAGS) -MMD -MP -c -o $@ $<

$(P1X_UNIT_MQTT): $(P1X_T_OUT)/unit_mqtt.o $(addprefix $(B)/obj/exporter/,\
		sinks/mqtt_conf.o options.o log.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ \
		$(or $(shell $(PKG_CONFIG) --libs libssl libcrypto 2>/dev/null),-lssl -lcrypto) \
		$(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka) -lm

.PHONY: check-exporter check-exporter-prometheus check-web bench-exporter
check-exporter: $(P1X_UNIT) $(P1X_UNIT_MQTT) $(P1X_T_BINS) $(B)/p1ctl
	$(P1X_UNIT)
	$(P1X_UNIT_MQTT)
	B=$(B) $(P1X_T_DIR)/run.sh test-basic test-replay test-tcp test-alloc \
		test-serial test-http test-tls test-run test-mqtt test-mqtt-ha \
		test-dsmrreader test-tgserver test-capture test-hostile test-encrypted \
		test-many

check-exporter-prometheus: $(P1X_T_BINS)
	B=$(B) $(P1X_T_DIR)/run.sh test-prometheus test-dashboard test-scaling

# The web side a person sees: the event stream and the live page in
# headless Chromium (screenshots in $(B)/tests/web/).
check-web: $(P1X_T_BINS)
	B=$(B) $(P1X_T_DIR)/run.sh test-events test-page

-include $(P1X_T_OUT)/unit_exporter.d $(P1X_T_OUT)/unit_mqtt.d

CHECK_TARGETS += check-exporter check-exporter-prometheus check-web

bench-exporter: $(P1X_T_BINS)
	B=$(B) $(P1X_T_DIR)/bench.sh

BENCH_TARGETS += bench-exporter

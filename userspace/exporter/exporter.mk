# SPDX-License-Identifier: GPL-2.0-or-later
# p1-exporter: the Prometheus exporter daemon, and p1-emulate, the
# emulated-meter tool (capture files for tests and benchmarks).
#   $(B)/p1-exporter, $(B)/p1-emulate          dynamically linked
#   $(B)/static/p1-exporter, .../p1-emulate    -static (make p1-exporter-static),
#                                              for the busybox qemu guests
#   make run                                   exporter on the emulated meter
#
# Links libp1 ($(B)/lib/libp1.a, from userspace/lib/lib.mk, which holds the
# framer too) and libp1common ($(B)/libp1common.a, userspace/common).

#
# Layout: the core (event loop, options, log, meters, privileges) here;
# sources/ (where telegrams come from), sinks/ (where they go besides the
# web side: the sink hooks and each sink), web/ (HTTP, /metrics, the JSON
# API, TLS and auth).  Each file includes the others by name alone.

P1X_DIR := $(TOP)/userspace/exporter
P1X_SUBDIRS := sources sinks web
P1X_TOOL_SRCS := $(P1X_DIR)/sources/emu_tool.c
P1X_STUB_SRCS := $(P1X_DIR)/web/static_p11stub.c \
	$(P1X_DIR)/sinks/static_mqtt.c \
	$(P1X_DIR)/sinks/static_dsmrreader.c
P1X_SRCS := $(filter-out $(P1X_TOOL_SRCS) $(P1X_STUB_SRCS),$(wildcard \
	$(P1X_DIR)/*.c $(addprefix $(P1X_DIR)/,$(addsuffix /*.c,$(P1X_SUBDIRS)))))
# Assembler files carry data built into the binary (the live page).
P1X_ASM_SRCS := $(wildcard $(addprefix $(P1X_DIR)/,$(addsuffix /*.S,$(P1X_SUBDIRS))))
P1X_OBJS := $(patsubst $(P1X_DIR)/%.c,$(B)/obj/exporter/%.o,$(P1X_SRCS)) \
	$(patsubst $(P1X_DIR)/%.S,$(B)/obj/exporter/%.o,$(P1X_ASM_SRCS))
P1X_TOOL_OBJS := $(B)/obj/exporter/sources/emu_tool.o
P1X_LIBP1 := $(B)/lib/libp1.a
P1X_COMMON := $(B)/libp1common.a
P1X_PKGS := libmicrohttpd yaml-0.1 libcurl
P1X_CFLAGS := -I$(P1X_DIR) -I$(TOP)/userspace/lib $(addprefix -I$(P1X_DIR)/,$(P1X_SUBDIRS)) \
	-I$(TOP)/userspace/common \
	$(shell $(PKG_CONFIG) --cflags $(P1X_PKGS) libnl-genl-3.0 2>/dev/null)
P1X_LIBS := $(or $(shell $(PKG_CONFIG) --libs $(P1X_PKGS) 2>/dev/null),-lmicrohttpd -lyaml -lcurl) \
	$(or $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 2>/dev/null),-lnl-genl-3 -lnl-3) \
	$(or $(shell $(PKG_CONFIG) --libs libmosquitto 2>/dev/null),-lmosquitto) \
	$(or $(shell $(PKG_CONFIG) --libs libssl libcrypto 2>/dev/null),-lssl -lcrypto) \
	-lcrypt -lanl -lm
# Debian ships libmicrohttpd.a and libgnutls.a but no static p11-kit: the
# static exporter links stand-ins that fail PKCS#11 (static_p11stub.c).
# Nor a static libmosquitto: the static exporter (for the busybox guests)
# has no MQTT (sinks/static_mqtt.c refuses --mqtt.url).
P1X_MQTT_OBJS := $(patsubst $(P1X_DIR)/%.c,$(B)/obj/exporter/%.o,\
	$(wildcard $(P1X_DIR)/sinks/mqtt_*.c))
# Nor static GSSAPI and LDAP libraries, which Debian's libcurl.a needs: no
# DSMR-reader push either (sinks/static_dsmrreader.c refuses
# --dsmrreader.url).
P1X_CURL_OBJS := $(B)/obj/exporter/sinks/dsmrreader.o \
	$(B)/obj/exporter/sinks/curl_loop.o
# On arm64, Debian's libgnutls.a and libcrypto.a both carry OpenSSL's
# (CRYPTOGAMS) aes_v8_* routines: the same code and interface, so the
# static link (test guests only, never packaged) takes gnutls's copy.
P1X_STATIC_LDFLAGS := -Wl,--allow-multiple-definition
P1X_STATIC_LIBS := -lmicrohttpd -lgnutls -lhogweed -lnettle -lgmp -ltasn1 \
	-lidn2 -lunistring -lyaml -lnl-genl-3 -lnl-3 $(P1_CRYPTO_STATIC_LIBS) \
	-lcrypt -lanl -lpthread -lm

$(B)/obj/exporter/%.o: $(P1X_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1X_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/exporter/%.o: $(P1X_DIR)/%.S
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DP1X_PAGE='"$(P1X_DIR)/web/page/index.html"' -c -o $@ $<
$(B)/obj/exporter/web/page_html.o: $(P1X_DIR)/web/page/index.html

$(B)/p1-exporter: $(P1X_OBJS) $(P1X_LIBP1) $(P1X_COMMON)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(P1X_OBJS) $(P1X_LIBP1) \
		$(P1X_COMMON) $(P1X_LIBS)

$(B)/p1-emulate: $(P1X_TOOL_OBJS) $(P1X_LIBP1)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(P1X_TOOL_OBJS) $(P1X_LIBP1) \
		$(P1_CRYPTO_LIBS) -lm

$(B)/static/p1-exporter: $(P1X_OBJS) $(B)/obj/exporter/web/static_p11stub.o \
		$(B)/obj/exporter/sinks/static_mqtt.o \
		$(B)/obj/exporter/sinks/static_dsmrreader.o $(P1X_LIBP1) $(P1X_COMMON)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(P1X_STATIC_LDFLAGS) -static -o $@ \
		$(filter-out $(P1X_MQTT_OBJS) $(P1X_CURL_OBJS),$(P1X_OBJS)) \
		$(B)/obj/exporter/web/static_p11stub.o \
		$(B)/obj/exporter/sinks/static_mqtt.o \
		$(B)/obj/exporter/sinks/static_dsmrreader.o $(P1X_LIBP1) \
		$(P1X_COMMON) $(P1X_STATIC_LIBS) 2>$@.log || \
		{ cat $@.log; rm -f $@; exit 1; }
	@# glibc's NSS warnings: --user takes numeric ids in static guests.
	@grep -v -e 'statically linked applications requires at runtime' -e ': in function' $@.log || true
	@rm -f $@.log

$(B)/static/p1-emulate: $(P1X_TOOL_OBJS) $(P1X_LIBP1)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $(P1X_TOOL_OBJS) \
		$(P1X_LIBP1) $(P1_CRYPTO_STATIC_LIBS) -lm 2>$@.log || \
		{ cat $@.log; rm -f $@; exit 1; }
	@# glibc's warnings about dlopen in static programs (OpenSSL's)
	@grep -v -e 'statically linked applications requires at runtime' -e ': in function' $@.log || true
	@rm -f $@.log

.PHONY: p1-exporter p1-emulate p1-exporter-static run
p1-exporter: $(B)/p1-exporter
p1-emulate: $(B)/p1-emulate
p1-exporter-static: $(B)/static/p1-exporter $(B)/static/p1-emulate

# make run: the exporter on the built-in emulated DSMR 5 meter.  Installs
# only the build packages (tests/deps.sh run).  P1_RUN_ARGS adds flags after
# --emulate, e.g. P1_RUN_ARGS='--emulate=emucs' (a second, Belgian meter) or
# P1_RUN_ARGS='--emulate.noise=0'.  P1_RUN_MQTT=mqtt://BROKER also publishes
# to that broker, with Home Assistant discovery (docs/home-assistant.md).
P1_RUN_ADDR ?= :9357
P1_RUN_MQTT ?=
run:
	@$(TOP)/tests/deps.sh run
	@$(MAKE) --no-print-directory $(B)/p1-exporter
	@port=$$(echo '$(P1_RUN_ADDR)' | sed 's/.*://'); \
	echo; \
	echo "p1-exporter on an emulated meter (Ctrl-C stops):"; \
	echo "  metrics  http://localhost:$$port/metrics"; \
	echo "  meters   http://localhost:$$port/api/v1/meters"; \
	if [ -n '$(P1_RUN_MQTT)' ]; then \
		echo "  MQTT     $(P1_RUN_MQTT), topics p1/#, Home Assistant discovery"; \
	else \
		echo "  MQTT     make run P1_RUN_MQTT=mqtt://BROKER (Home Assistant: docs/home-assistant.md)"; \
	fi; \
	echo; \
	exec $(B)/p1-exporter --web.listen-address='$(P1_RUN_ADDR)' \
		--emulate $(P1_RUN_ARGS) \
		$(if $(P1_RUN_MQTT),--mqtt.url='$(P1_RUN_MQTT)' --mqtt.homeassistant)

# Built by default once libp1 (userspace/lib) is in the tree.
ifneq ($(wildcard $(TOP)/userspace/lib/lib.mk),)
ALL_TARGETS += p1-exporter p1-emulate
endif

-include $(P1X_OBJS:.o=.d) $(B)/obj/exporter/sources/emu_tool.d \
	$(B)/obj/exporter/web/static_p11stub.d \
	$(B)/obj/exporter/sinks/static_mqtt.d \
	$(B)/obj/exporter/sinks/static_dsmrreader.d

# SPDX-License-Identifier: LGPL-2.1-or-later
# libp1: static and shared library, pkg-config file.
#
# Other fragments link $(B)/lib/libp1.a (write the path out: fragments
# included before this one see LIBP1_* empty in prerequisite lists).
# `make install-lib PREFIX=/usr/local DESTDIR=...` installs the library,
# include/p1/p1.h, reader.h, p1_framer.h and libp1.pc.

LIBP1_DIR := $(TOP)/userspace/lib
LIBP1_SOVER := 0
LIBP1_SRCS := $(wildcard $(LIBP1_DIR)/*.c)
LIBP1_OBJS := $(patsubst $(LIBP1_DIR)/%.c,$(B)/lib/%.o,$(LIBP1_SRCS)) \
	$(B)/lib/p1_framer.o
LIBP1_A := $(B)/lib/libp1.a
LIBP1_SO := $(B)/lib/libp1.so.$(LIBP1_SOVER)
LIBP1_PC := $(B)/lib/libp1.pc
PREFIX ?= /usr/local
# -fPIC for both: the archive may be linked into shared objects too.
LIBP1_CFLAGS = $(CFLAGS) $(P1_CFLAGS) -fPIC -MMD -MP

$(B)/lib/%.o: $(LIBP1_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(LIBP1_CFLAGS) -c $< -o $@

$(B)/lib/p1_framer.o: $(TOP)/kernel/p1_framer.c
	@mkdir -p $(@D)
	$(CC) $(LIBP1_CFLAGS) -c $< -o $@

$(LIBP1_A): $(LIBP1_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBP1_SO): $(LIBP1_OBJS) $(LIBP1_DIR)/libp1.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libp1.so.$(LIBP1_SOVER) \
		-Wl,--version-script=$(LIBP1_DIR)/libp1.map -Wl,-z,defs \
		-o $@ $(LIBP1_OBJS) $(P1_CRYPTO_LIBS) -lm
	ln -sf libp1.so.$(LIBP1_SOVER) $(B)/lib/libp1.so

$(LIBP1_PC): $(LIBP1_DIR)/libp1.pc.in $(TOP)/VERSION
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

.PHONY: libp1 install-lib
libp1: $(LIBP1_A) $(LIBP1_SO) $(LIBP1_PC)

install-lib: libp1
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/p1
	install -m 644 $(LIBP1_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBP1_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libp1.so.$(LIBP1_SOVER) $(DESTDIR)$(PREFIX)/lib/libp1.so
	install -m 644 $(LIBP1_PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 $(TOP)/include/p1/p1.h $(TOP)/include/p1/reader.h \
		$(TOP)/include/p1/dlms.h \
		$(DESTDIR)$(PREFIX)/include/p1/
	install -m 644 $(TOP)/kernel/p1_framer.h $(DESTDIR)$(PREFIX)/include/p1/

ALL_TARGETS += libp1
-include $(LIBP1_OBJS:.o=.d)

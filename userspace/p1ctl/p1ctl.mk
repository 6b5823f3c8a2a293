# SPDX-License-Identifier: GPL-2.0-or-later
# p1ctl: command-line tool for n_p1 (list, watch, attach, read, decode).
#   $(B)/p1ctl          dynamically linked (libnl-3 via pkg-config)
#   $(B)/static/p1ctl   static (make p1ctl-static), for the qemu guests
#
# cmd_decode.c (libp1's decoder) is linked in when it exists, with libp1
# ($(LIBP1_A) from userspace/lib/lib.mk) and $(P1CTL_EXTRA_LIBS).

P1CTL_DIR := $(TOP)/userspace/p1ctl
P1CTL_SRCS := $(wildcard $(P1CTL_DIR)/*.c)
P1CTL_OBJS := $(patsubst $(P1CTL_DIR)/%.c,$(B)/obj/p1ctl/%.o,$(P1CTL_SRCS))
# Everything but main(): what the unit tests link against.
P1CTL_LIB_OBJS := $(filter-out $(B)/obj/p1ctl/main.o $(B)/obj/p1ctl/cmd_decode.o \
	$(B)/obj/p1ctl/json%.o,$(P1CTL_OBJS))
P1CTL_LIBP1 := $(if $(wildcard $(P1CTL_DIR)/cmd_decode.c),\
	$(firstword $(LIBP1_A) $(B)/lib/libp1.a))
P1CTL_DEPS := $(P1CTL_OBJS) $(P1CTL_LIBP1) $(P1COMMON_A)

$(B)/obj/p1ctl/%.o: $(P1CTL_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1COMMON_CFLAGS) -I$(P1CTL_DIR) -I$(TOP)/userspace/lib \
		-MMD -MP -c -o $@ $<

$(B)/p1ctl: $(P1CTL_DEPS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(P1CTL_OBJS) $(P1CTL_LIBP1) \
		$(P1CTL_EXTRA_LIBS) $(P1COMMON_A) $(P1NL_LIBS) $(P1_CRYPTO_LIBS) -lm

$(B)/static/p1ctl: $(P1CTL_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $(P1CTL_OBJS) \
		$(P1CTL_LIBP1) $(P1CTL_EXTRA_LIBS) $(P1COMMON_A) \
		$(P1NL_STATIC_LIBS) $(P1_CRYPTO_STATIC_LIBS) -lm

.PHONY: p1ctl p1ctl-static
p1ctl: $(B)/p1ctl
p1ctl-static: $(B)/static/p1ctl

ALL_TARGETS += p1ctl

-include $(P1CTL_OBJS:.o=.d)

# The unit tests live in tests/unit/p1ctl/; include them here in case the
# top-level Makefile does not reach that deep (the fragment guards itself).
-include $(TOP)/tests/unit/p1ctl/p1ctl.mk

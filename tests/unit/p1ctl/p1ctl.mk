# SPDX-License-Identifier: GPL-2.0-or-later
# Layer: cmocka unit tests of p1ctl and libp1common that need no module:
# /proc/tty/ldiscs parsing, termios composition (and applying it to a
# pty), netlink message parsing with malformed attributes, option parsing
# and the stable output formats.
#
# It needs the variables of userspace/p1ctl/p1ctl.mk, which includes it;
# included before that (by a top-level wildcard), it does nothing.
ifdef P1CTL_DIR
ifndef P1CTL_UNIT_MK
P1CTL_UNIT_MK := 1

P1CTL_UT_DIR := $(TOP)/tests/unit/p1ctl
P1CTL_UT_NAMES := test_p1tty test_p1nl test_cli
P1CTL_UT_BINS := $(addprefix $(B)/tests/p1ctl/,$(P1CTL_UT_NAMES))
P1CTL_UT_CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
P1CTL_UT_CMOCKA_LIBS := $(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka)

$(B)/tests/p1ctl/%.o: $(P1CTL_UT_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1COMMON_CFLAGS) $(P1CTL_UT_CMOCKA_CFLAGS) \
		-I$(P1CTL_DIR) -DSAMPLE_DIR='"$(P1CTL_UT_DIR)"' \
		-MMD -MP -c -o $@ $<

$(P1CTL_UT_BINS): $(B)/tests/p1ctl/%: $(B)/tests/p1ctl/%.o $(P1CTL_LIB_OBJS) $(P1COMMON_A) \
		$(B)/lib/libp1.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(P1CTL_LIB_OBJS) $(B)/lib/libp1.a $(P1COMMON_A) \
		$(P1NL_LIBS) $(P1CTL_UT_CMOCKA_LIBS) $(P1_CRYPTO_LIBS) -lm

# Under valgrind when it is installed (tests/deps.sh installs it): the
# parsers must not read out of bounds or leak on any input.
P1CTL_UT_RUN := $(if $(shell command -v valgrind 2>/dev/null),\
	valgrind -q --leak-check=full --error-exitcode=9)

.PHONY: check-p1ctl
check-p1ctl: $(P1CTL_UT_BINS)
	@set -e; for t in $(P1CTL_UT_BINS); do \
		echo "--- $${t##*/}"; $(P1CTL_UT_RUN) $$t; done

CHECK_TARGETS += check-p1ctl

-include $(P1CTL_UT_BINS:=.d)
endif
endif

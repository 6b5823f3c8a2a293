# SPDX-License-Identifier: GPL-2.0-or-later
# libp1common.a: internal helpers shared by p1ctl and the exporter
# (p1nl: netlink client of the "p1" family; p1tty: attaching n_p1 to a tty;
# p1names: text names of counters and states).  Not installed.
#
# Users add $(P1COMMON_CFLAGS) to their compile flags and link
# $(P1COMMON_A) $(P1NL_LIBS) (or $(P1NL_STATIC_LIBS) with -static).

P1NL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0 2>/dev/null)
P1NL_LIBS := $(or $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 2>/dev/null),-lnl-genl-3 -lnl-3)
P1NL_STATIC_LIBS := $(or $(shell $(PKG_CONFIG) --static --libs libnl-genl-3.0 2>/dev/null),-lnl-genl-3 -lnl-3 -lpthread)

P1COMMON_DIR := $(TOP)/userspace/common
P1COMMON_A := $(B)/libp1common.a
P1COMMON_CFLAGS := -I$(P1COMMON_DIR) $(P1NL_CFLAGS)
P1COMMON_SRCS := $(wildcard $(P1COMMON_DIR)/*.c)
P1COMMON_OBJS := $(patsubst $(P1COMMON_DIR)/%.c,$(B)/obj/common/%.o,$(P1COMMON_SRCS))

$(B)/obj/common/%.o: $(P1COMMON_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1COMMON_CFLAGS) -MMD -MP -c -o $@ $<

$(P1COMMON_A): $(P1COMMON_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

.PHONY: p1common
p1common: $(P1COMMON_A)

-include $(P1COMMON_OBJS:.o=.d)

# SPDX-License-Identifier: GPL-2.0-or-later
# Layer check-reader: libp1's reader (include/p1/reader.h) through its
# public API: cmocka suite per source kind (capture files, stdin pipe, pty
# pair, loopback TCP with hangups, emulator), again under valgrind (no
# leaks, no bad reads), and the headers used from C++ (g++ -pedantic).

RD_T_DIR := $(TOP)/tests/reader
RD_T_OUT := $(B)/tests/reader
RD_T_BIN := $(RD_T_OUT)/test_reader
RD_T_CXX := $(RD_T_OUT)/cxx_check
RD_T_CMOCKA := $(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka)
CXX ?= g++

# (-MMD: rebuilt when a header it includes changes, not only libp1.a;
# a stale one reads libp1's structs with their old layout)
$(RD_T_BIN): $(RD_T_DIR)/test_reader.c $(B)/lib/libp1.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) -DCORPUS_DIR='"$(TOP)/tests/corpus"' \
		-MMD -MP -MF $@.d -MT $@ \
		-o $@ $< $(B)/lib/libp1.a $(RD_T_CMOCKA) $(P1_CRYPTO_LIBS) -lutil -lm
-include $(RD_T_BIN).d

$(RD_T_CXX): $(RD_T_DIR)/cxx_check.cc $(TOP)/include/p1/reader.h \
		$(TOP)/include/p1/p1.h $(B)/lib/libp1.so.0
	@mkdir -p $(@D)
	$(CXX) -std=c++11 -O2 -Wall -Wextra -Werror -pedantic \
		-I$(TOP)/include -o $@ $< -L$(B)/lib -lp1 \
		-Wl,-rpath,$(B)/lib

RD_T_VALGRIND := $(if $(shell command -v valgrind 2>/dev/null),\
	env P1_TEST_SLOW=30 valgrind -q --error-exitcode=9 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect)

.PHONY: check-reader
check-reader: $(RD_T_BIN) $(RD_T_CXX)
	@echo "--- test_reader"
	$(RD_T_BIN)
	@echo "--- cxx_check (the API from C++)"
	$(RD_T_CXX) >/dev/null
	@if [ -n "$(RD_T_VALGRIND)" ]; then \
		echo "--- valgrind test_reader"; \
		$(RD_T_VALGRIND) $(RD_T_BIN) >$(RD_T_OUT)/valgrind.log 2>&1 || \
		{ cat $(RD_T_OUT)/valgrind.log; exit 1; }; fi

CHECK_TARGETS += check-reader

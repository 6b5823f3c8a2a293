# SPDX-License-Identifier: GPL-2.0-or-later
# Layer check-unit: the libp1 cmocka suites over tests/corpus, the
# p1ctl decode driver on a byte stream (JSON checked by python3), and the
# suites again under valgrind when it is installed.
#
# This fragment is included before userspace/lib/lib.mk: paths into
# $(B)/lib are written out.

LIBP1_UT_DIR := $(TOP)/tests/unit
LIBP1_UT_OUT := $(B)/tests/libp1
LIBP1_UT_NAMES := test_families test_edge test_values test_time test_json test_fmt \
	test_json_fast test_code test_reuse \
	test_framer test_dlms test_framer_scan
# test_framer_scan once more with the framer's portable word-at-a-time scan
# (the kernel's, arm64's and i386's) and the slicing-by-8 CRC only (CPUs
# without carry-less multiplication).
# test_reuse once more with the parser's portable paths (big-endian hosts:
# no word-at-a-time reading, no SSE2 compare of the previous telegram).
LIBP1_UT_BINS := $(addprefix $(LIBP1_UT_OUT)/,$(LIBP1_UT_NAMES) \
	test_framer_scan_portable test_reuse_portable)
LIBP1_UT_CFLAGS = $(CFLAGS) $(P1_CFLAGS) -I$(TOP)/userspace/lib \
	-DCORPUS_DIR='"$(TOP)/tests/corpus"' -MMD -MP
LIBP1_UT_LIBS := $(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka)
LIBP1_UT_DECODE := $(LIBP1_UT_OUT)/p1-decode

$(LIBP1_UT_OUT)/%.o: $(LIBP1_UT_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(LIBP1_UT_CFLAGS) -c $< -o $@

$(addprefix $(LIBP1_UT_OUT)/,$(LIBP1_UT_NAMES)): $(LIBP1_UT_OUT)/%: $(LIBP1_UT_OUT)/%.o \
		$(LIBP1_UT_OUT)/corpus.o $(B)/lib/libp1.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBP1_UT_LIBS) $(P1_CRYPTO_LIBS) -lm

# test_fmt counts p1i_fmt_g15's snprintf fallbacks
$(LIBP1_UT_OUT)/test_fmt: LDFLAGS += -Wl,--wrap=snprintf

LIBP1_UT_PORTABLE := -DP1_FRAMER_PORTABLE -DP1_CRC16_NO_CLMUL
$(LIBP1_UT_OUT)/portable-p1_framer.o: $(TOP)/kernel/p1_framer.c
	@mkdir -p $(@D)
	$(CC) $(LIBP1_UT_CFLAGS) $(LIBP1_UT_PORTABLE) -c $< -o $@
$(LIBP1_UT_OUT)/portable-p1_crc16.o: $(TOP)/userspace/lib/p1_crc16.c
	@mkdir -p $(@D)
	$(CC) $(LIBP1_UT_CFLAGS) $(LIBP1_UT_PORTABLE) -c $< -o $@
# The objects before libp1.a: the archive's own framer and CRC stay out.
$(LIBP1_UT_OUT)/test_framer_scan_portable: \
		$(LIBP1_UT_OUT)/test_framer_scan.o $(LIBP1_UT_OUT)/corpus.o \
		$(LIBP1_UT_OUT)/portable-p1_framer.o \
		$(LIBP1_UT_OUT)/portable-p1_crc16.o $(B)/lib/libp1.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBP1_UT_LIBS) $(P1_CRYPTO_LIBS) -lm

$(LIBP1_UT_OUT)/portable-p1_parse.o: $(TOP)/userspace/lib/p1_parse.c
	@mkdir -p $(@D)
	$(CC) $(LIBP1_UT_CFLAGS) -DP1_PARSE_PORTABLE -c $< -o $@
$(LIBP1_UT_OUT)/test_reuse_portable: $(LIBP1_UT_OUT)/test_reuse.o \
		$(LIBP1_UT_OUT)/corpus.o $(LIBP1_UT_OUT)/portable-p1_parse.o \
		$(B)/lib/libp1.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBP1_UT_LIBS) $(P1_CRYPTO_LIBS) -lm

# cmd_decode.c without p1ctl's main(): the decoder's own test driver.
$(LIBP1_UT_OUT)/cmd_decode.o: $(TOP)/userspace/p1ctl/cmd_decode.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1COMMON_CFLAGS) \
		-I$(TOP)/userspace/p1ctl -I$(TOP)/userspace/lib -MMD -MP -c $< -o $@

$(LIBP1_UT_DECODE): $(LIBP1_UT_OUT)/decode_main.o \
		$(LIBP1_UT_OUT)/cmd_decode.o $(B)/lib/libp1.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(P1_CRYPTO_LIBS) -lm

# The same decoder built for i386 (gcc -m32): a 32-bit build must give
# byte-identical output on the whole corpus.  gcc-multilib (which conflicts
# with the arm64 cross compiler) is not installed, so the kernel's x86 asm/
# headers (one set for 32 and 64 bits) come from $(P1_I386_INC).
LIBP1_UT_DECODE32 := $(LIBP1_UT_OUT)/p1-decode-i386
P1_I386_INC := $(B)/i386-include
P1_I386_CFLAGS := -m32 -idirafter $(P1_I386_INC)
$(P1_I386_INC)/asm:
	@mkdir -p $(@D)
	ln -sfn /usr/include/x86_64-linux-gnu/asm $@
$(LIBP1_UT_DECODE32): $(wildcard $(TOP)/userspace/lib/*.[ch]) \
		$(TOP)/kernel/p1_framer.c $(TOP)/kernel/p1_framer.h \
		$(TOP)/include/p1/p1.h $(TOP)/userspace/p1ctl/cmd_decode.c \
		$(TOP)/userspace/common/p1gmtime.h \
		$(LIBP1_UT_DIR)/decode_main.c | $(P1_I386_INC)/asm
	@mkdir -p $(@D)
	$(CC) $(P1_I386_CFLAGS) $(CFLAGS) $(P1_CFLAGS) $(P1COMMON_CFLAGS) \
		-I$(TOP)/userspace/lib -I$(TOP)/userspace/p1ctl \
		-o $@ $(filter %.c,$^) $(P1_CRYPTO_LIBS) -lm

LIBP1_UT_VALGRIND := $(if $(shell command -v valgrind 2>/dev/null),\
	env P1_TEST_QUICK=1 valgrind -q --error-exitcode=9 --leak-check=full)

.PHONY: check-unit check-unit-build
check-unit-build: $(LIBP1_UT_BINS) $(LIBP1_UT_DECODE) $(LIBP1_UT_DECODE32)

check-unit: check-unit-build
	@set -e; for t in $(LIBP1_UT_BINS); do \
		echo "--- $${t##*/}"; $$t; done
	@echo "--- encrypted vectors (python3-cryptography) match the corpus"
	python3 $(TOP)/tests/corpus/dlms_gen.py --check
	@echo "--- the OBIS code table is what p1_obis_table.py generates"
	python3 $(TOP)/userspace/lib/p1_obis_table.py | \
		clang-format --assume-filename=$(TOP)/userspace/lib/p1_obis_table.c | \
		cmp - $(TOP)/userspace/lib/p1_obis_table.c
	@echo "--- decode (p1-decode on tests/corpus, JSON checked)"
	python3 $(LIBP1_UT_DIR)/decode_test.py $(LIBP1_UT_DECODE) \
		$(TOP)/tests/corpus $(LIBP1_UT_DECODE32)
	@if [ -n "$(LIBP1_UT_VALGRIND)" ]; then \
		for t in $(LIBP1_UT_BINS); do \
			echo "--- valgrind $${t##*/}"; \
			$(LIBP1_UT_VALGRIND) $$t >/dev/null 2>&1 || \
			{ $(LIBP1_UT_VALGRIND) $$t; exit 1; }; done; fi

-include $(wildcard $(LIBP1_UT_OUT)/*.d)
CHECK_TARGETS += check-unit

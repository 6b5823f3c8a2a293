# SPDX-License-Identifier: GPL-2.0-or-later
# Layer check-arm64-user: the framer's NEON scan and the PMULL CRC (arm64
# userspace: Raspberry Pi 3, 4 and 5 with a 64-bit OS) run for real, under
# qemu-aarch64-static (qemu-user, whose default CPU has NEON and PMULL):
#  1. the framer and CRC cmocka suites (test_framer, test_framer_scan,
#     test_framer_scan_portable, test_dlms; test_code: libp1's OBIS code
#     table through its portable word-at-a-time path; test_reuse: the
#     P1_PARSE_REUSE compare without SSE2) built with the
#     aarch64 cross compiler into $(B)/arm64-user by the ordinary rules (a
#     sub-make, like cross-user), dynamically linked against Debian's
#     arm64 cmocka and libcrypto (multiarch; qemu finds
#     /lib/ld-linux-aarch64.so.1) and run;
#     test_framer_scan with P1_TEST_EXPECT_CLMUL: PMULL must be there;
#  2. the disassembly: the arm64 framer's scan compares 16 bytes at a time
#     (cmeq v.16b) and the portable one does not; the CRC has pmull;
#  3. the static arm64 p1ctl's "p1ctl decode" through
#     tests/unit/decode_test.py, its output byte for byte equal to the amd64
#     p1ctl's on the whole corpus (like check-unit's i386 decoder).
# make bench-arm64-user prints the scan's MB/s under qemu, NEON against the
# portable word scan (an indication only: qemu translates the code).
#
# Included before tests/unit/unit.mk and userspace/p1ctl/p1ctl.mk: their
# paths are written out here.
ARM64U_CC := aarch64-linux-gnu-gcc
ARM64U_QEMU := qemu-aarch64-static
ARM64U_PKGDIR := /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
ARM64U_B := $(B)/arm64-user
ARM64U_SUITES := test_framer test_framer_scan test_framer_scan_portable test_dlms \
	test_code test_json_fast test_fmt test_json test_reuse
ARM64U_UT := $(ARM64U_B)/tests/libp1
ARM64U_P1CTL := $(ARM64U_B)/static/p1ctl
ARM64U_OBJDUMP := aarch64-linux-gnu-objdump -d --no-show-raw-insn

.PHONY: check-arm64-user bench-arm64-user arm64-user-build
arm64-user-build:
	+PKG_CONFIG_LIBDIR=$(ARM64U_PKGDIR) $(MAKE) --no-print-directory \
		B=$(ARM64U_B) CC=$(ARM64U_CC) \
		$(addprefix $(ARM64U_UT)/,$(ARM64U_SUITES)) $(ARM64U_P1CTL)

check-arm64-user: arm64-user-build $(B)/p1ctl
	@command -v $(ARM64U_QEMU) >/dev/null || \
		{ echo "check-arm64-user: no $(ARM64U_QEMU) (tests/deps.sh)"; exit 1; }
	@set -e; for t in $(ARM64U_SUITES); do \
		echo "--- arm64 $$t (qemu-aarch64)"; \
		if [ $$t = test_framer_scan ]; then \
			P1_TEST_EXPECT_CLMUL=1 $(ARM64U_QEMU) $(ARM64U_UT)/$$t; \
		elif [ $$t = test_reuse ]; then \
			P1_TEST_QUICK=1 $(ARM64U_QEMU) $(ARM64U_UT)/$$t; \
		else $(ARM64U_QEMU) $(ARM64U_UT)/$$t; fi; done
	@set -e; d() { $(ARM64U_OBJDUMP) "$$1" >$(ARM64U_UT)/objdump.s || \
		{ echo none; return; }; grep -c "$$2" $(ARM64U_UT)/objdump.s || true; }; \
	n=$$(d $(ARM64U_B)/lib/p1_framer.o 'cmeq.*v[0-9]*\.16b'); \
	p=$$(d $(ARM64U_UT)/portable-p1_framer.o 'cmeq.*v[0-9]*\.16b'); \
	c=$$(d $(ARM64U_B)/lib/p1_crc16.o 'pmull'); \
	echo "--- arm64 code: framer $$n cmeq .16b (portable $$p), crc $$c pmull"; \
	test "$$n" -ge 3 && test "$$p" = 0 && test "$$c" -ge 2
	@echo "--- arm64 p1ctl decode (static, qemu-aarch64) against amd64 on tests/corpus"
	python3 $(TOP)/tests/unit/decode_test.py \
		"$(ARM64U_QEMU) $(ARM64U_P1CTL) decode" $(TOP)/tests/corpus \
		"$(B)/p1ctl decode"

# The bench as arm64 programs: the framer's NEON scan and its portable
# word scan (P1_FRAMER_PORTABLE: what arm64 had before), each with the
# slicing-by-8 CRC (Raspberry Pi 3 and 4: no PMULL) and, for NEON, the
# PMULL one (Pi 5; qemu's CPU has it).  Under qemu: an indication only.
ARM64U_BENCH := $(ARM64U_B)/bench/bench_libp1
ARM64U_BENCHES := $(ARM64U_BENCH) $(ARM64U_BENCH)-neon-slice8 \
	$(ARM64U_BENCH)-portable-slice8
$(ARM64U_BENCH)-neon-slice8: $(TOP)/tests/bench/bench_libp1.c arm64-user-build
	@mkdir -p $(@D)
	$(ARM64U_CC) $(CFLAGS) $(P1_CFLAGS) -I$(TOP)/userspace/lib -o $@ $< \
		$(ARM64U_UT)/portable-p1_crc16.o $(ARM64U_B)/lib/libp1.a \
		-L/usr/lib/aarch64-linux-gnu -lcrypto -lm
$(ARM64U_BENCH)-portable-slice8: $(TOP)/tests/bench/bench_libp1.c arm64-user-build
	@mkdir -p $(@D)
	$(ARM64U_CC) $(CFLAGS) $(P1_CFLAGS) -DP1_FRAMER_PORTABLE \
		-I$(TOP)/userspace/lib -o $@ $< $(ARM64U_UT)/portable-p1_framer.o \
		$(ARM64U_UT)/portable-p1_crc16.o $(ARM64U_B)/lib/libp1.a \
		-L/usr/lib/aarch64-linux-gnu -lcrypto -lm

bench-arm64-user: $(ARM64U_BENCH)-neon-slice8 $(ARM64U_BENCH)-portable-slice8
	+PKG_CONFIG_LIBDIR=$(ARM64U_PKGDIR) $(MAKE) --no-print-directory \
		B=$(ARM64U_B) CC=$(ARM64U_CC) $(ARM64U_BENCH)
	@set -e; for b in $(ARM64U_BENCHES); do \
		echo "--- $${b##*/} (arm64 under qemu-aarch64: an indication only)"; \
		$(ARM64U_QEMU) $$b $(TOP)/tests/corpus | grep -A1 '^framer'; done

CHECK_TARGETS += check-arm64-user
BENCH_TARGETS += bench-arm64-user

# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer targets (clang, ASan + UBSan) for the framer, libp1's
# parser + JSON writer and the encrypted-frame path (framer + AES-GCM
# decryption + parser), seeded with tests/corpus.
#
#   make check-fuzz   smoke: each target for $(FUZZ_SMOKE) s (a layer of
#                     make check)
#   make fuzz         long runs: each target for $(FUZZ_TIME) s or, with
#                     FUZZ_RUNS=N, N executions; prints the exec counts
#
# Working corpora grow under $(B)/fuzz/work-*; crashes land in
# $(B)/fuzz/artifacts/ and fail the run.

FUZZ_DIR := $(TOP)/tests/fuzz
FUZZ_OUT := $(B)/fuzz
FUZZ_CC ?= clang
FUZZ_SMOKE ?= 15
FUZZ_TIME ?= 600
FUZZ_RUNS ?=
FUZZ_MAX_LEN ?= 8192
FUZZ_FLAGS := -g -O2 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes \
	-I$(TOP)/include -I$(TOP)/kernel -I$(TOP)/userspace/lib \
	-DP1_VERSION='"$(VERSION)"'
# The parser and framer only: the reader and emulator are not fuzz targets.
# (filter-out patterns take one % each: the p1_rd_*.c files by wildcard)
FUZZ_LIBP1_SRCS = $(filter-out %/p1_reader.c %/p1_emu.c \
	$(wildcard $(TOP)/userspace/lib/p1_rd_*.c),\
	$(wildcard $(TOP)/userspace/lib/*.c)) $(TOP)/kernel/p1_framer.c
FUZZ_HDRS = $(TOP)/include/p1/p1.h $(TOP)/include/p1/dlms.h \
	$(TOP)/kernel/p1_framer.h \
	$(wildcard $(TOP)/userspace/lib/*.h) $(FUZZ_DIR)/json_check.h
FUZZ_NAMES := fuzz_parse fuzz_framer fuzz_dlms
# libp1's p1_dlms.c (in FUZZ_LIBP1_SRCS) uses OpenSSL.
FUZZ_LIBS = $(P1_CRYPTO_LIBS)

$(FUZZ_OUT)/fuzz_parse: $(FUZZ_DIR)/fuzz_parse.c $(FUZZ_DIR)/json_check.c \
		$(FUZZ_LIBP1_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIBS)

$(FUZZ_OUT)/fuzz_dlms: $(FUZZ_DIR)/fuzz_dlms.c $(FUZZ_LIBP1_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIBS)

$(FUZZ_OUT)/fuzz_framer: $(FUZZ_DIR)/fuzz_framer.c $(TOP)/kernel/p1_framer.c \
		$(TOP)/userspace/lib/p1_crc16.c $(TOP)/kernel/p1_framer.h \
		$(TOP)/userspace/lib/p1_crc16.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^)

# A seed after the header $(1): a frame with 19 bytes lost in it (it runs
# into the next one, whose start a rejection finds again), then a frame
# and a telegram.
FUZZ_CUT_SEED = f() { printf "$$1"; c=$(TOP)/tests/corpus; \
	head -c 200 $$c/lu-smarty.dlms; tail -c +220 $$c/lu-smarty.dlms; \
	cat $$c/at-plain.dlms $$c/lu-smarty.txt; }; f

# Seeds: the corpus as is for the parser; for the framer with its 4-byte
# header (limit, CRC mode, chunk size, flags) in front.
$(FUZZ_OUT)/seeds-fuzz_parse: $(wildcard $(TOP)/tests/corpus/*.txt) \
		$(TOP)/tests/corpus/stream.bin
	@rm -rf $@ && mkdir -p $@
	cp $^ $@/

$(FUZZ_OUT)/seeds-fuzz_framer: $(wildcard $(TOP)/tests/corpus/*.txt) \
		$(wildcard $(TOP)/tests/corpus/*.dlms) \
		$(TOP)/tests/corpus/stream.bin $(TOP)/tests/corpus/dlms-stream.bin
	@rm -rf $@ && mkdir -p $@
	@for f in $^; do \
		b=$${f##*/}; \
		{ printf '\377\000\100\000'; cat $$f; } > $@/$$b; \
		{ printf '\020\001\007\001'; cat $$f; } > $@/small-$$b; \
	done
	@$(FUZZ_CUT_SEED) '\377\000\100\000' > $@/cut-frames.bin

# fuzz_dlms: mode byte 0 (stream) before the frames and streams, mode 1
# (roundtrip, chunk 7) before the plaintext telegrams.
$(FUZZ_OUT)/seeds-fuzz_dlms: $(wildcard $(TOP)/tests/corpus/*.dlms) \
		$(TOP)/tests/corpus/dlms-stream.bin \
		$(TOP)/tests/corpus/lu-smarty.txt $(TOP)/tests/corpus/at-plain.txt
	@rm -rf $@ && mkdir -p $@
	@for f in $^; do \
		b=$${f##*/}; \
		case $$b in \
		*.txt) { printf '\001\006\001\000'; cat $$f; } > $@/$$b ;; \
		*) { printf '\000'; cat $$f; } > $@/$$b ;; \
		esac; \
	done
	@$(FUZZ_CUT_SEED) '\000' > $@/cut-frames.bin

# $(1): target, $(2): libFuzzer limit options
define FUZZ_RUN
	@mkdir -p $(FUZZ_OUT)/work-$(1) $(FUZZ_OUT)/artifacts
	@echo "--- $(1) $(2)"
	@cd $(FUZZ_OUT) && ./$(1) -dict=$(FUZZ_DIR)/p1.dict -max_len=$(FUZZ_MAX_LEN) \
		-artifact_prefix=$(FUZZ_OUT)/artifacts/$(1)- -print_final_stats=1 \
		$(2) work-$(1) seeds-$(1) > $(FUZZ_OUT)/$(1).log 2>&1 || \
		{ tail -60 $(FUZZ_OUT)/$(1).log; exit 1; }
	@grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^Done' \
		$(FUZZ_OUT)/$(1).log | tr '\n' ' '; echo
endef

.PHONY: check-fuzz fuzz fuzz-build
fuzz-build: $(addprefix $(FUZZ_OUT)/,$(FUZZ_NAMES) \
	$(addprefix seeds-,$(FUZZ_NAMES)))

check-fuzz: fuzz-build
	$(call FUZZ_RUN,fuzz_parse,-max_total_time=$(FUZZ_SMOKE))
	$(call FUZZ_RUN,fuzz_framer,-max_total_time=$(FUZZ_SMOKE))
	$(call FUZZ_RUN,fuzz_dlms,-max_total_time=$(FUZZ_SMOKE))

fuzz-long: fuzz-build
	$(call FUZZ_RUN,fuzz_parse,$(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_TIME)))
	$(call FUZZ_RUN,fuzz_framer,$(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_TIME)))
	$(call FUZZ_RUN,fuzz_dlms,$(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_TIME)))

FUZZ_TARGETS += fuzz-long
CHECK_TARGETS += check-fuzz

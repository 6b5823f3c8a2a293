# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: libp1 and framer figures (printed, never asserted, except
# that parsing must not allocate).
#   - CPU time per telegram: DSMR 5 (913 B), DSMR 5 with a text message,
#     Belgian eMUCs with 13 months of peaks, DSMR 2.2; an emulated meter's
#     stream parsed, and written as JSON without and with the writer's
#     objects cache;
#   - instructions per telegram and per framed byte (callgrind);
#   - heap allocations while parsing (malloc interposed and counted);
#   - bench-decode: `p1ctl decode` end to end (text and --json) on a DSMR 5
#     telegram x 20,000, beside the npm p1-reader package doing the same
#     work, and the ratio (tests/bench/decode.sh).

LIBP1_BENCH := $(B)/bench/bench_libp1
LIBP1_BENCH_CG = valgrind --tool=callgrind --collect-atstart=no \
	--callgrind-out-file=/dev/null

$(LIBP1_BENCH): $(TOP)/tests/bench/bench_libp1.c $(B)/lib/libp1.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) -I$(TOP)/userspace/lib -o $@ $< \
		$(B)/lib/libp1.a $(P1_CRYPTO_LIBS) -lm

# $(1): case, $(2): runs, $(3): label, $(4): unit
define LIBP1_BENCH_CALLGRIND
	@set -e; out=$$($(LIBP1_BENCH_CG) $(LIBP1_BENCH) --callgrind $(1) $(2) \
		$(TOP)/tests/corpus 2>$(B)/bench/cg.err); \
	ir=$$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' $(B)/bench/cg.err); \
	awk -v ir=$$ir -v n=$(2) -v b=$$out 'BEGIN { \
		printf "  %-34s %8.0f instructions/telegram  (%.2f/byte)\n", \
		"$(3)", ir / n, ir / n / b }' $(if $(4),| sed 's/telegram /telegram /')
endef

.PHONY: bench-libp1
bench-libp1: $(LIBP1_BENCH)
	$(LIBP1_BENCH) $(TOP)/tests/corpus
	@if command -v valgrind >/dev/null; then \
		echo "callgrind (instructions, exact on any machine):"; \
	else echo "callgrind: valgrind not installed, skipped"; exit 0; fi
	$(call LIBP1_BENCH_CALLGRIND,parse-nl-dsmr50-typical.txt,1000,parse DSMR 5 typical)
	$(call LIBP1_BENCH_CALLGRIND,crc-nl-dsmr50-typical.txt,1000,parse + CRC DSMR 5 typical)
	$(call LIBP1_BENCH_CALLGRIND,parse-nl-dsmr50.txt,1000,parse DSMR 5 + text)
	$(call LIBP1_BENCH_CALLGRIND,parse-be-emucs.txt,1000,parse BE eMUCs)
	$(call LIBP1_BENCH_CALLGRIND,json-nl-dsmr50-typical.txt,200,JSON DSMR 5 typical)
	$(call LIBP1_BENCH_CALLGRIND,emu-parse,640,parse emulated DSMR 5 stream)
	$(call LIBP1_BENCH_CALLGRIND,emu-reuse,640,parse emulated with REUSE)
	$(call LIBP1_BENCH_CALLGRIND,emu-json,640,parse + JSON emulated stream)
	$(call LIBP1_BENCH_CALLGRIND,emu-json-prev,640,reuse + JSON via previous)
	@set -e; out=$$($(LIBP1_BENCH_CG) $(LIBP1_BENCH) --callgrind framer 3 \
		$(TOP)/tests/corpus 2>$(B)/bench/cg.err); \
	ir=$$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' $(B)/bench/cg.err); \
	awk -v ir=$$ir -v b=$$out 'BEGIN { printf \
		"  %-34s %8.2f instructions/byte\n", "framer (CRC included)", ir / b }'

BENCH_TARGETS += bench-libp1

.PHONY: bench-decode
bench-decode: $(B)/p1ctl $(B)/p1-emulate
	B=$(B) $(TOP)/tests/bench/decode.sh

BENCH_TARGETS += bench-decode

# Encrypted (DLMS, AES-128-GCM) beside plaintext decoding.
DLMS_BENCH := $(B)/bench/bench_dlms
$(DLMS_BENCH): $(TOP)/tests/bench/bench_dlms.c $(B)/lib/libp1.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) -o $@ $< $(B)/lib/libp1.a $(P1_CRYPTO_LIBS)

.PHONY: bench-dlms
bench-dlms: $(DLMS_BENCH)
	$(DLMS_BENCH) $(TOP)/tests/corpus

BENCH_TARGETS += bench-dlms

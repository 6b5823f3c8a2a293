# SPDX-License-Identifier: LGPL-2.1-or-later
# Layer check-examples: the reader examples (examples/*.c), built the way a
# user builds them (against the shared libp1 and its header only) and run
# on the emulator and on a capture from tests/corpus.

EX_DIR := $(TOP)/examples
EX_OUT := $(B)/examples
EX_NAMES := p1-power p1-csv
EX_BINS := $(addprefix $(EX_OUT)/,$(EX_NAMES))

$(EX_OUT)/%: $(EX_DIR)/%.c $(TOP)/include/p1/reader.h $(TOP)/include/p1/p1.h \
		$(B)/lib/libp1.so.0
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -std=c11 -Wall -Wextra -Werror -I$(TOP)/include -o $@ $< \
		-L$(B)/lib -lp1 -Wl,-rpath,$(B)/lib

.PHONY: check-examples examples
examples: $(EX_BINS)
check-examples: $(EX_BINS)
	@EX_OUT=$(EX_OUT) CORPUS=$(TOP)/tests/corpus $(EX_DIR)/run.sh

ALL_TARGETS += examples
CHECK_TARGETS += check-examples

# Layer check-libp1-deb: the libp1-0 / libp1-dev packages (make deb) used
# on their own (examples/check-deb.sh).
.PHONY: check-libp1-deb
check-libp1-deb: deb
	@$(EX_DIR)/check-deb.sh $(TOP) $(B)/deb
CHECK_TARGETS += check-libp1-deb

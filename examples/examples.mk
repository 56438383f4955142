# SPDX-License-Identifier: MIT
# examples.mk: the sample business application examples/ledger (included by the Makefile).
#   make examples   build/<variant>/examples/bin/{ledger,ledgerctl}, the package source
#                   directories in examples/packages/ and, once `ferry package build` exists,
#                   the archives in examples/pkgs/.
EX_OUT      := $(BUILD)/examples
LEDGER_DIR  := examples/ledger
LEDGER_PKGS := sqlite3 libpq jansson libmicrohttpd libcurl
LEDGER_LIBS  = $(SANFLAGS) $(shell pkg-config --libs $(LEDGER_PKGS) 2>/dev/null) -lpthread

LEDGER_COMMON := util config db db_sqlite db_pg schema model faults
LEDGER_SERVE  := $(LEDGER_COMMON) server api ledger_main
LEDGER_CTL    := $(LEDGER_COMMON) ctl_main ctl_configsync ctl_dvt ctl_generate ctl_dump
ledger_objs    = $(patsubst %,$(BUILD)/$(LEDGER_DIR)/src/%.o,$(1))

EXAMPLES_BIN := $(EX_OUT)/bin/ledger $(EX_OUT)/bin/ledgerctl

$(EX_OUT)/bin/ledger: $(call ledger_objs,$(LEDGER_SERVE))
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LEDGER_LIBS)

$(EX_OUT)/bin/ledgerctl: $(call ledger_objs,$(LEDGER_CTL))
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(LEDGER_LIBS)

LEDGER_PKG_INPUTS := $(shell find $(LEDGER_DIR)/packages $(LEDGER_DIR)/sql $(LEDGER_DIR)/models/vendor -type f 2>/dev/null) \
	$(LEDGER_DIR)/stage-packages.sh

# Package source directories (manifest.json without payload + payload files).
$(EX_OUT)/packages/.stamp: $(EXAMPLES_BIN) $(LEDGER_PKG_INPUTS)
	@bash $(LEDGER_DIR)/stage-packages.sh $(EX_OUT)
	@touch $@

# Archives, when this ferry can build them (skipped with a note until then).
$(EX_OUT)/pkgs/.stamp: $(EX_OUT)/packages/.stamp $(BUILD)/ferry $(LEDGER_DIR)/make-packages.sh
	@FERRY=$(BUILD)/ferry bash $(LEDGER_DIR)/make-packages.sh $(EX_OUT)

examples: $(EXAMPLES_BIN) $(EX_OUT)/packages/.stamp $(EX_OUT)/pkgs/.stamp
all: examples

-include examples/mediawiki.mk

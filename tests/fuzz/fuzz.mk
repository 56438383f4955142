# SPDX-License-Identifier: MIT
# fuzz.mk: libFuzzer targets over the package intake and manifest parsing (included by the Makefile).
#   make fuzz            build with clang -fsanitize=fuzzer,address, run FUZZ_SECONDS (60) per target
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_CFLAGS   = $(filter-out -Wno-format-truncation,$(WARN)) -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer $(PKG_CFLAGS)
FUZZ_LIB_SRC := $(LIB_SRC)

$(FUZZ_BUILD)/fuzz_intake: tests/fuzz/fuzz_intake.c $(FUZZ_LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) tests/fuzz/fuzz_intake.c $(FUZZ_LIB_SRC) -o $@ $(PKG_LIBS) -lm -lpthread

$(FUZZ_BUILD)/fuzz_manifest: tests/fuzz/fuzz_manifest.c $(FUZZ_LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) tests/fuzz/fuzz_manifest.c $(FUZZ_LIB_SRC) -o $@ $(PKG_LIBS) -lm -lpthread

fuzz: deps $(FUZZ_BUILD)/fuzz_intake $(FUZZ_BUILD)/fuzz_manifest
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

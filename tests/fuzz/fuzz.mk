# SPDX-License-Identifier: MIT
# fuzz.mk: fuzz targets (included by the Makefile): package intake, manifest.json,
# release catalogs, and what ferryd reads of a request (target, route, JSON body).
#   make fuzz            libFuzzer builds (clang -fsanitize=fuzzer,address,undefined) run
#                        FUZZ_SECONDS (60) each from the committed seeds (tests/fuzz/seeds);
#                        a crash is copied to tests/fuzz/regressions/<target>/ and fails
#   make test            replays every seed and regression through each target built
#                        without libFuzzer, under ASan+UBSan (tests/e2e/t0009-fuzz-corpus.sh)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := intake manifest catalog http
FUZZ_BUILD   := build/fuzz
FUZZ_CFLAGS   = $(WARN) -O1 -g -fno-omit-frame-pointer $(PKG_CFLAGS)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_D_OBJ   := $(filter-out $(FUZZ_BUILD)/daemon/main.o,$(D_SRC:%.c=$(FUZZ_BUILD)/%.o))
D_LIB_OBJ     = $(filter-out $(BUILD)/daemon/main.o,$(D_OBJ))

# libFuzzer builds: the library (and ferryd's objects, for http) instrumented once.
$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	@clang $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Idaemon -c $< -o $@

$(FUZZ_BUILD)/libferry.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_http: $(FUZZ_BUILD)/tests/fuzz/fuzz_http.o $(FUZZ_D_OBJ) $(FUZZ_BUILD)/libferry.a
	clang $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ $(PKG_LIBS) -lm -lpthread

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libferry.a
	clang $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ $(PKG_LIBS) -lm -lpthread

fuzz: deps $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Replays in the test build: each target with replay.c's main, no libFuzzer.
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)

$(BUILD)/fuzz/replay_http: tests/fuzz/fuzz_http.c tests/fuzz/replay.c $(D_LIB_OBJ) $(LIBFERRY)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Idaemon $(ALL_CFLAGS) tests/fuzz/fuzz_http.c tests/fuzz/replay.c $(D_LIB_OBJ) \
		$(LIBFERRY) -o $@ $(LDLIBS_ALL)

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIBFERRY)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $< tests/fuzz/replay.c $(LIBFERRY) -o $@ $(LDLIBS_ALL)

all-tests: $(FUZZ_REPLAY)

# The instrumented objects of the targets are kept (not intermediate files to remove).
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o)

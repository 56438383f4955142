# SPDX-License-Identifier: MIT
# ferry: build, test, run, bench. Plain GNU make with pkg-config; incremental.
#   make              build libferry, ferry (and ferryd, examples when present)
#   make test         deps, ASan+UBSan build, unit and end-to-end tests
#                     (LONG=1: the long mode, e.g. 30 random kills per operation)
#   make run          a sample project on the embedded default store
#   make bench        benchmarks against references (see bench/README.md)
#   make install      PREFIX=/usr/local DESTDIR=: binaries, data, man pages, completion,
#                     the config and the unit (docs/INSTALL.md); make uninstall
#   make deb          the Debian package (dpkg-buildpackage -us -uc -b, ../ferry_*.deb)

CC      ?= cc
PKGS    := sqlite3 jansson libsodium libarchive libmicrohttpd libcurl libgit2 libpq zlib \
           libsystemd inih libcrypto
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
           -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# Installation directories (GNU names). Nothing compiled in points at the source tree:
# ferry finds its data beside its binary (<prefix>/bin/../share/ferry; a build from the
# tree has build/share/ferry, a link to the tree), else in $(FERRY_DATADIR).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
FERRY_SHAREDIR ?= $(DATADIR)/ferry
FERRY_DATADIR ?= $(FERRY_SHAREDIR)
CPPFLAGS += -Iinclude -Ilib -MMD -MP -DFERRY_DATADIR=\"$(FERRY_DATADIR)\"
# Tests (not installed) read fixtures of the tree.
TEST_CPPFLAGS := -DFERRY_SRCDIR=\"$(CURDIR)\"
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Compiled against but not linked: libferry loads them with dlopen on first use
# (include/ferry/base/dlib.h), so that a command that does not need one does not map and
# relocate it and its own dependencies at every start. Tests and tools that call them
# directly link them (LDLIBS_TEST).
DLOPEN_PKGS := libcurl libgit2 libpq libcrypto libarchive
PKG_LIBS   = $(shell pkg-config --libs $(filter-out $(DLOPEN_PKGS),$(PKGS)) 2>/dev/null)
DLOPEN_LIBS = $(shell pkg-config --libs $(DLOPEN_PKGS) 2>/dev/null)

SAN ?= 0
LONG ?= 0
ifeq ($(SAN),1)
BUILD   ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS  := -O1 -g
# The test build obeys test hooks (FERRY_CRASH_AT); a release build does not. Its last
# resort for data (unit tests open settings without a data-dir) is the tree: a test
# build is a development build, never installed as it is (docs/INSTALL.md).
CPPFLAGS += -DFERRY_TEST_HOOKS
FERRY_DATADIR := $(CURDIR)
else
BUILD   ?= build/release
SANFLAGS :=
endif

# Debug information names files relative to the tree, not by the checkout's path.
ALL_CFLAGS = $(WARN) $(CFLAGS) -ffile-prefix-map=$(CURDIR)=. $(SANFLAGS) $(PKG_CFLAGS)
LDLIBS_ALL = $(LDFLAGS) $(SANFLAGS) $(PKG_LIBS) -lm -lpthread
LDLIBS_TEST = $(LDLIBS_ALL) $(DLOPEN_LIBS)

LIB_SRC  := $(wildcard lib/*/*.c)
CLI_SRC  := $(wildcard cli/*.c)
D_SRC    := $(wildcard daemon/*.c)
UT_SRC   := $(wildcard tests/unit/test_*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
D_OBJ    := $(D_SRC:%.c=$(BUILD)/%.o)
UT_BIN   := $(UT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
LIBFERRY := $(BUILD)/libferry.a

BINS := $(BUILD)/ferry $(if $(D_SRC),$(BUILD)/ferryd) build/share/ferry

.PHONY: all deps test unit e2e run bench clean check-banned check-layers examples fuzz \
	install uninstall man completion deb openapi
all: $(BINS)

# A build from the tree finds its data like an installed one: build/<flavour>/ferry
# looks in build/share/ferry, a link to the tree (relative: the checkout may move).
build/share/ferry:
	@mkdir -p build/share
	@ln -sfn ../.. $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIBFERRY): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ferry: $(CLI_OBJ) $(LIBFERRY)
	$(CC) -o $@ $(CLI_OBJ) $(LIBFERRY) $(LDLIBS_ALL)

$(BUILD)/ferryd: $(D_OBJ) $(LIBFERRY)
	$(CC) -o $@ $(D_OBJ) $(LIBFERRY) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(LIBFERRY)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(ALL_CFLAGS) $< -o $@ $(LIBFERRY) $(LDLIBS_TEST) -lcmocka

# Test tools (sinks, fixtures, generators): one .c each, linked like the tests.
$(BUILD)/tools/%: tests/tools/%.c $(LIBFERRY)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(ALL_CFLAGS) $< -o $@ $(LIBFERRY) $(LDLIBS_TEST)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
-include examples/examples.mk
-include tests/fuzz/fuzz.mk
-include install.mk

deps:
	@bash scripts/deps.sh

check-banned:
	@bash scripts/check-banned.sh

# Layers of lib/ point down and no files call each other in a circle (docs/ARCHITECTURE.md).
check-layers: all
	@bash scripts/check-layers.sh $(BUILD)

# The test build: ASan + UBSan, then unit tests (cmocka, TAP) and end-to-end tests
# (shell scripts driving the real binaries), all run by prove.
test: deps check-banned
	$(MAKE) SAN=1 all-tests
	@bash scripts/check-layers.sh build/asan
	@FERRY_TEST_LONG=$(LONG) bash tests/run.sh build/asan

all-tests: $(BINS) $(UT_BIN) $(TOOL_BIN) $(if $(EXAMPLES_BIN),examples) man completion

unit: all-tests
	@FERRY_TEST_LONG=$(LONG) bash tests/run.sh $(BUILD) unit

e2e: all-tests
	@FERRY_TEST_LONG=$(LONG) bash tests/run.sh $(BUILD) e2e

run: deps
	$(MAKE) all
	@bash scripts/run.sh build/release

bench: deps
	$(MAKE) all
	@bash bench/run.sh build/release

clean:
	rm -rf build

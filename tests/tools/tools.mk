# tools.mk: helper programs the tests start (real servers on real ports).
TOOLS_BIN := $(BUILD)/tools/httpfixture

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $< -o $@ $(LDLIBS_ALL)

all-tests: $(TOOLS_BIN)

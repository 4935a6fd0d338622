# tests/crash/rules.mk - writers killed with SIGKILL at random points
# (tests/crash/test_crash.c, driving tests/helpers/kvp_writer.c), and
# stopped at every write step and page boundary (tests/crash/test_fault.c,
# driving tests/helpers/kvp_oneop.c with the fault_shim.so preload). The
# helpers are built into $(BUILD)/tests/ by the top-level helper rule.
#
# KVP_CRASH_ROUNDS sets the rounds of the mixed test (the batch and
# in-place tests run half as many): 600 by default (about 9 s on two
# cores, the fault tests included), fewer under the sanitizers and
# valgrind, where every writer start costs far more; under valgrind
# KVP_CRASH_SLOW also stretches the time before the kill, so that the
# writer gets some operations done, and KVP_FAULT_QUICK=1 has the fault
# tests try one cut per write step, from the clean pool only.

CRASH_SRC := $(filter-out tests/crash/fault_shim.c,$(wildcard tests/crash/*.c))
CRASH_OBJ := $(CRASH_SRC:%.c=$(BUILD)/%.o)
CRASH_TEST := $(BUILD)/tests/crash_tests
CRASH_SHIM := $(BUILD)/tests/fault_shim.so
TESTS += $(CRASH_TEST)
TEST_HELPERS += $(CRASH_SHIM)

ifneq ($(findstring valgrind,$(CHECK_WRAPPER)),)
override EXTRA_ENV += KVP_CRASH_ROUNDS=4 KVP_CRASH_SLOW=50 KVP_FAULT_QUICK=1
else ifneq ($(SANITIZE),)
override EXTRA_ENV += KVP_CRASH_ROUNDS=100
endif

$(CRASH_TEST): $(CRASH_OBJ) $(TEST_COMMON_OBJ) $(LIB_LINKS) | \
		$(BUILD)/tests/kvp_writer $(BUILD)/tests/kvp_oneop $(CRASH_SHIM)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		$(CORE_LIBS) -lcriterion

# Preloaded into the helper only: no libkvpcore, and no sanitizer (an ASan
# runtime in a preload aborts the program it is loaded into).
CRASH_NO_SAN = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(1))
$(CRASH_SHIM): tests/crash/fault_shim.c
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(call CRASH_NO_SAN,$(TEST_CFLAGS)) -shared -MMD -MP -MF $@.d \
		$(call CRASH_NO_SAN,$(ALL_LDFLAGS)) -o $@ $< -ldl

# tests/crash/rules.mk - writers killed with SIGKILL at random points
# (tests/crash/test_crash.c), driving tests/helpers/kvp_writer.c (built
# into $(BUILD)/tests/kvp_writer by the top-level helper rule).
#
# KVP_CRASH_ROUNDS sets the rounds of the mixed test (the batch and
# in-place tests run half as many): 600 by default (about 20 s on two
# cores), fewer under the sanitizers and valgrind, where every writer
# start costs far more; under valgrind KVP_CRASH_SLOW also stretches the
# time before the kill, so that the writer gets some operations done.

CRASH_SRC := $(wildcard tests/crash/*.c)
CRASH_OBJ := $(CRASH_SRC:%.c=$(BUILD)/%.o)
CRASH_TEST := $(BUILD)/tests/crash_tests
TESTS += $(CRASH_TEST)

ifneq ($(findstring valgrind,$(CHECK_WRAPPER)),)
override EXTRA_ENV += KVP_CRASH_ROUNDS=4 KVP_CRASH_SLOW=50
else ifneq ($(SANITIZE),)
override EXTRA_ENV += KVP_CRASH_ROUNDS=100
endif

$(CRASH_TEST): $(CRASH_OBJ) $(TEST_COMMON_OBJ) $(LIB_LINKS) | \
		$(BUILD)/tests/kvp_writer
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		$(CORE_LIBS) -lcriterion

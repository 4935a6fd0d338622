# tests/pam/rules.mk - pam_kvp.so driven through the real libpam.
#
#   build/tests/pam_tests          the suites under pam_wrapper: a script
#                                  (run_pam_tests.sh) that sets the preload
#                                  and execs pam_tests.bin beside it
#   build/tests/pam_confdir_tests  the same harness without any preload:
#                                  pam_start_confdir() and syslog(3) read
#                                  from a private /dev/log
# Both find the module as $KVP_TEST_HELPERS/../pam_kvp.so (or
# $KVP_PAM_MODULE) and tests/helpers' lock_holder in $KVP_TEST_HELPERS.

PAM_HARNESS_SRC := tests/pam/pam_harness.c tests/pam/pam_logs.c \
	tests/pam/pam_procs.c tests/pam/pam_records.c tests/pam/pam_setuid.c
PAM_HARNESS_OBJ := $(PAM_HARNESS_SRC:%.c=$(BUILD)/%.o)
PAM_CONFDIR_SRC := $(wildcard tests/pam/test_confdir*.c)
PAM_SUITE_SRC := $(filter-out $(PAM_CONFDIR_SRC),\
	$(wildcard tests/pam/test_*.c))

PAM_TEST := $(BUILD)/tests/pam_tests
PAM_TEST_BIN := $(BUILD)/tests/pam_tests.bin
PAM_CONFDIR_TEST := $(BUILD)/tests/pam_confdir_tests
PAM_TEST_LIBS := -L$(BUILD) -lkvpcore $(CORE_LIBS) -lpamtest -lpam \
	-lcriterion -ldl

TESTS += $(PAM_TEST) $(PAM_CONFDIR_TEST)
TEST_DEPS_GROUPS += pam

$(PAM_TEST_BIN): $(PAM_SUITE_SRC:%.c=$(BUILD)/%.o) $(PAM_HARNESS_OBJ) \
		$(TEST_COMMON_OBJ) $(LIB_LINKS) | $(PAM_MODULE)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(PAM_TEST_LIBS)

$(PAM_TEST): tests/pam/run_pam_tests.sh $(PAM_TEST_BIN)
	install -m 0755 $< $@

$(PAM_CONFDIR_TEST): $(PAM_CONFDIR_SRC:%.c=$(BUILD)/%.o) $(PAM_HARNESS_OBJ) \
		$(TEST_COMMON_OBJ) $(LIB_LINKS) | $(PAM_MODULE)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(PAM_TEST_LIBS)

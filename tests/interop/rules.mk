# tests/interop/rules.mk - libkvpcore against the real hv_kvp_daemon
# (Debian's hyperv-daemons), run with the hv_shim.so preload in a private
# mount namespace (see tests/interop/hv_daemon.c). Needs root.
#
#   build/tests/interop_tests   the Criterion suites (make check runs it)
#   build/tests/hv_shim.so      the daemon's LD_PRELOAD shim, found through
#                               $KVP_TEST_HELPERS

INTEROP_TEST := $(BUILD)/tests/interop_tests
INTEROP_SHIM := $(BUILD)/tests/hv_shim.so
INTEROP_SRC := $(wildcard tests/interop/test_*.c) tests/interop/hv_daemon.c \
	tests/interop/hv_host.c tests/interop/hv_wire_check.c \
	tests/interop/hv_workers.c tests/interop/conc_check.c

TESTS += $(INTEROP_TEST)
TEST_HELPERS += $(INTEROP_SHIM)
TEST_DEPS_GROUPS += interop

$(INTEROP_TEST): $(INTEROP_SRC:%.c=$(BUILD)/%.o) $(TEST_COMMON_OBJ) \
		$(LIB_LINKS) | $(INTEROP_SHIM)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		$(CORE_LIBS) -lcriterion -lpthread

# Loaded into the daemon only: no libkvpcore, and no sanitizer (an ASan
# runtime in a preload of an uninstrumented program aborts it).
NO_SAN = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(1))
$(INTEROP_SHIM): tests/interop/hv_shim.c
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(call NO_SAN,$(TEST_CFLAGS)) -shared -MMD -MP -MF $@.d \
		$(call NO_SAN,$(ALL_LDFLAGS)) -o $@ $< -ldl

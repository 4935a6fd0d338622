# tests/cloudinit/rules.mk - libkvpcore and kvpctl against cloud-init's real
# Hyper-V KVP reporting handler (Debian's cloud-init package, run by
# /usr/bin/python3 through tests/cloudinit/cloudinit_driver.py).
#
# The tests find the driver in $KVP_SRCDIR/tests/cloudinit; KVP_SRCDIR
# defaults to this source tree, compiled in, so a fresh clone needs
# nothing else. The race test runs KVP_CLOUDINIT_ROUNDS rounds of six
# kvpctl commands (default 100); every kvpctl start costs about a second
# under valgrind and the pool's growth makes later ones slow under ASan,
# so check-valgrind runs 3 and check-asan 50.

CLOUDINIT_SRC := $(wildcard tests/cloudinit/*.c)
CLOUDINIT_OBJ := $(CLOUDINIT_SRC:%.c=$(BUILD)/%.o)
CLOUDINIT_TEST := $(BUILD)/tests/cloudinit_tests
TESTS += $(CLOUDINIT_TEST)
TEST_DEPS_GROUPS += cloudinit

$(CLOUDINIT_OBJ): TEST_CFLAGS += -DKVP_SRCDIR='"$(CURDIR)"'

ifneq ($(findstring valgrind,$(CHECK_WRAPPER)),)
override EXTRA_ENV += KVP_CLOUDINIT_ROUNDS=3
else ifneq ($(SANITIZE),)
override EXTRA_ENV += KVP_CLOUDINIT_ROUNDS=50
endif

$(CLOUDINIT_TEST): $(CLOUDINIT_OBJ) $(TEST_COMMON_OBJ) $(LIB_LINKS)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		$(CORE_LIBS) -lcriterion -lpthread

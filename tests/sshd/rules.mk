# tests/sshd/rules.mk - pam_kvp.so inside a real OpenSSH login: sshd on
# 127.0.0.1 with UsePAM yes, its PAM stack from a private service dir
# (pam_wrapper), its users from nss_wrapper, the real ssh client (and
# sshpass) logging in. Needs root; the one path outside its temporary
# directories is /run/sshd (sshd's privsep chroot, created if missing).
#
#   build/tests/sshd_tests   the Criterion suites (make check runs it)
#
# The module is $KVP_TEST_HELPERS/../pam_kvp.so (or $KVP_PAM_MODULE).
# sshd, ssh, sshpass and ssh-keygen start through /bin/sh, so valgrind
# (check-valgrind skips */sh) does not trace them. Under check-asan the
# module is ASan-built and sshd is not: the harness preloads the test's
# own libasan into sshd (see sshd_harness.h).

SSHD_SRC := $(wildcard tests/sshd/*.c)
SSHD_TEST := $(BUILD)/tests/sshd_tests
TESTS += $(SSHD_TEST)
TEST_DEPS_GROUPS += sshd

$(SSHD_TEST): $(SSHD_SRC:%.c=$(BUILD)/%.o) $(TEST_COMMON_OBJ) \
		$(LIB_LINKS) | $(PAM_MODULE)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		$(CORE_LIBS) -lcriterion

# pam_kvp - one non-recursive build for libkvpcore, kvpctl, the PAM module
# and their tests.
#
#   make              build everything into $(BUILD)/
#   make check        install missing Debian packages, build, run all tests
#   make check-asan   the unit and front-end tests under ASan+UBSan
#   make check-valgrind   the same under valgrind (leaks and bad accesses fail)
#   make demo         record a login through a PAM stack into a temporary pool
#   make bench        the benchmarks in bench/ (not tests)
#   make install, uninstall, man, check-install, deb, check-deb:
#                     see the packaging section at the end

BUILD ?= build

# The project's version, the one place it is written: the library, the
# module's DIAG agent ("pam_kvp/<VERSION>"), kvpctl, the man pages and the
# pkg-config file take it from here (debian/changelog must agree: make
# check-deb compares them).
VERSION := 0.1.0

# Quiet build lines ("  CC core/src/pool/lock.c"); make V=1 shows the full
# commands.
V ?= 0
ifeq ($(V),1)
Q :=
quiet =
else
Q := @
quiet = @printf '  %-4s %s\n' '$(1)' '$(2)'
endif
CC ?= cc
SANITIZE ?=

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
OPT ?= -O2
ifneq ($(SANITIZE),)
OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
endif
CFLAGS ?= -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(CFLAGS) \
	-Icore/include -DKVP_VERSION='"$(VERSION)"'
ALL_LDFLAGS := -Wl,-z,relro -Wl,-z,now -Wl,--as-needed $(LDFLAGS)
ifneq ($(SANITIZE),)
ALL_LDFLAGS += -fsanitize=address,undefined
endif

PKGS_CORE := jansson libconfig nettle zlib
CORE_CFLAGS := $(shell pkg-config --cflags $(PKGS_CORE) 2>/dev/null)
CORE_LIBS := $(shell pkg-config --libs $(PKGS_CORE) 2>/dev/null)
# What libkvpcore.so links: nettle and zlib are opened on first use
# (core/src/util/libs.h), by the sonames of the libraries compiled against.
LIB_LIBS := $(shell pkg-config --libs jansson libconfig 2>/dev/null)
soname_of = $(shell objdump -p "$$($(CC) -print-file-name=$(1))" 2>/dev/null | \
	awk '$$1 == "SONAME" {print $$2}')
NETTLE_SONAME := $(call soname_of,libnettle.so)
ZLIB_SONAME := $(call soname_of,libz.so)
LIBS_DEFS := $(if $(NETTLE_SONAME),-DKVP_NETTLE_SONAME='"$(NETTLE_SONAME)"') \
	$(if $(ZLIB_SONAME),-DKVP_ZLIB_SONAME='"$(ZLIB_SONAME)"')

# --- libkvpcore ------------------------------------------------------------
LIB_SONAME := libkvpcore.so.1
LIB_REAL := $(BUILD)/libkvpcore.so.1.0.0
LIB_LINKS := $(BUILD)/$(LIB_SONAME) $(BUILD)/libkvpcore.so
LIB_SRC := $(wildcard core/src/*/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
# The same objects as an archive, for the unit tests only: they test
# internal functions (core/src/*/*.h) that the .so does not export.
LIB_INTERNAL := $(BUILD)/libkvpcore_internal.a

# --- kvpctl ----------------------------------------------------------------
KVPCTL := $(BUILD)/kvpctl
KVPCTL_SRC := $(wildcard core/kvpctl/*.c)
# kvpctl sees only the library's public API; the one internal source it
# shares, the UTF-8 decoder (self-contained), is linked in as an object.
KVPCTL_OBJ := $(KVPCTL_SRC:%.c=$(BUILD)/%.o) $(BUILD)/core/src/util/utf8.o
# kvpctl events shows payloads as JSON (jansson), binary ones in base64
# (nettle).
KVPCTL_LIBS := $(shell pkg-config --libs jansson nettle 2>/dev/null)

# --- pam_kvp.so ------------------------------------------------------------
PAM_MODULE := $(BUILD)/pam_kvp.so
PAM_SRC := $(wildcard pam_kvp/*.c)
PAM_OBJ := $(PAM_SRC:%.c=$(BUILD)/%.o)

# --- tests -----------------------------------------------------------------
TEST_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Werror \
	-Wno-missing-field-initializers $(HARDEN) $(CFLAGS) -Icore/include \
	-Itests/common -DKVP_VERSION='"$(VERSION)"'
TEST_COMMON_SRC := $(wildcard tests/common/*.c)
TEST_COMMON_OBJ := $(TEST_COMMON_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_TEST := $(BUILD)/tests/unit_tests
E2E_SRC := $(wildcard tests/e2e/*.c)
E2E_TEST := $(BUILD)/tests/e2e_tests
TESTS := $(UNIT_TEST) $(E2E_TEST)
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,\
	$(wildcard tests/helpers/*.c))

BENCH := $(BUILD)/bench/store_bench
PAM_BENCH := $(BUILD)/bench/pam_bench
# A module that does nothing, for pam_bench's libpam row.
PAM_NOOP := $(BUILD)/bench/pam_noop.so

# Each suite that needs more than the rules here (its own binaries, shims,
# packages) brings a rules.mk that appends to TESTS / TEST_HELPERS /
# TEST_DEPS_GROUPS.
TEST_DEPS_GROUPS := build test
include $(sort $(wildcard tests/*/rules.mk))

RUN_ENV = LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) KVPCTL=$(CURDIR)/$(KVPCTL) \
	KVP_TEST_HELPERS=$(CURDIR)/$(BUILD)/tests $(EXTRA_ENV)
CRITERION_FLAGS ?= --jobs=2

.PHONY: all deps test-deps check check-run check-asan check-valgrind demo \
	bench clean
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build-all

.PHONY: build-all build-tests
build-all: $(LIB_REAL) $(LIB_LINKS) $(KVPCTL) $(PAM_MODULE)

build-tests: $(TESTS) $(TEST_HELPERS)

deps:
	@sh .ci/install-deps build

test-deps:
	@sh .ci/install-deps $(TEST_DEPS_GROUPS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/core/src/%.o: core/src/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -Icore/src -fvisibility=hidden $(LIBS_DEFS) -MMD -MP -c $< -o $@

$(LIB_REAL): $(LIB_OBJ) core/libkvpcore.map
	$(call quiet,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=core/libkvpcore.map $(ALL_LDFLAGS) \
		-o $@ $(LIB_OBJ) $(LIB_LIBS)

$(LIB_INTERNAL): $(LIB_OBJ)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/$(LIB_SONAME) $(BUILD)/libkvpcore.so: $(LIB_REAL)
	$(call quiet,LN,$@)
	$(Q)ln -sf $(notdir $(LIB_REAL)) $@

$(KVPCTL): $(KVPCTL_OBJ) $(LIB_LINKS)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(KVPCTL_OBJ) -L$(BUILD) -lkvpcore \
		$(KVPCTL_LIBS)

$(BUILD)/pam_kvp/%.o: pam_kvp/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

# Only pam_sm_* leave the module (version script); --no-undefined catches
# a missing library at build time rather than at a login. -z nodelete:
# libpam dlcloses its modules at every pam_end; kept loaded, the module and
# its libraries are not mapped and paged in again for the next handle, and
# what it keeps for the process (parsed settings, boot_id, the VM id, an
# atfork handler) stays valid.
$(PAM_MODULE): $(PAM_OBJ) pam_kvp/pam_kvp.map $(LIB_LINKS)
	$(call quiet,LD,$@)
	$(Q)$(CC) -shared -Wl,--version-script=pam_kvp/pam_kvp.map \
		-Wl,--no-undefined -Wl,-z,nodelete $(ALL_LDFLAGS) -o $@ $(PAM_OBJ) \
		-L$(BUILD) -lkvpcore -lpam

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

# The unit tests link the library's objects statically (LIB_INTERNAL) and
# see its internal headers; every other suite tests the shipped .so.
$(UNIT_SRC:%.c=$(BUILD)/%.o): TEST_CFLAGS += -Icore/src

# The man page pam_kvp.conf(5) is checked against the settings table.
$(BUILD)/tests/unit/test_config_man.o: TEST_CFLAGS += -DKVP_SRCDIR='"$(CURDIR)"'

$(UNIT_TEST): $(UNIT_SRC:%.c=$(BUILD)/%.o) $(TEST_COMMON_OBJ) $(LIB_INTERNAL)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_INTERNAL) \
		$(CORE_LIBS) -lcriterion -lpthread

$(E2E_TEST): $(E2E_SRC:%.c=$(BUILD)/%.o) $(TEST_COMMON_OBJ) $(LIB_LINKS)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		$(CORE_LIBS) -lcriterion

$(BUILD)/tests/%: $(BUILD)/tests/helpers/%.o $(LIB_LINKS)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore

$(BENCH): $(BUILD)/bench/store_bench.o $(LIB_LINKS)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore

$(PAM_BENCH): $(BUILD)/bench/pam_bench.o $(PAM_NOOP)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -lpam

$(PAM_NOOP): $(BUILD)/bench/pam_noop.o
	$(call quiet,LD,$@)
	$(Q)$(CC) -shared -Wl,-z,nodelete $(ALL_LDFLAGS) -o $@ $^ -lpam

$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# --- running the tests -----------------------------------------------------
check: test-deps
	@$(MAKE) --no-print-directory check-run

check-run: build-all $(TESTS) $(TEST_HELPERS)
	@set -e; for t in $(TESTS); do \
		echo "== $$t"; \
		$(RUN_ENV) $(CHECK_WRAPPER) $$t $(CRITERION_FLAGS); \
	done

check-asan: test-deps
	@sh .ci/install-deps asan
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 \
		EXTRA_ENV="ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1" \
		check-run

VG_LOGS := $(BUILD)/valgrind
check-valgrind: test-deps
	@sh .ci/install-deps valgrind
	@$(MAKE) --no-print-directory build-all $(TESTS) $(TEST_HELPERS)
	@rm -rf $(VG_LOGS) && mkdir -p $(VG_LOGS)
	@$(MAKE) --no-print-directory CRITERION_FLAGS="--jobs=1" \
		CHECK_WRAPPER="valgrind -q --trace-children=yes \
		--trace-children-skip='*/sh,*/bash' --leak-check=full \
		--errors-for-leak-kinds=definite --error-exitcode=99 \
		--log-file=$(CURDIR)/$(VG_LOGS)/vg.%p.log" check-run
	@sh .ci/valgrind-verdict $(VG_LOGS)

demo: all
	@sh tests/demo.sh $(BUILD)

bench: all $(BENCH) $(PAM_BENCH)
	@sh .ci/install-deps bench
	$(RUN_ENV) $(BENCH)
	@$(RUN_ENV) PAM_SECURITY_DIR=/lib/$(shell $(CC) -print-multiarch)/security \
		sh bench/syscalls.sh $(BENCH) $(PAM_BENCH) $(CURDIR)/$(PAM_MODULE)
	$(RUN_ENV) PAM_SECURITY_DIR=/lib/$(shell $(CC) -print-multiarch)/security \
		$(PAM_BENCH) $(CURDIR)/$(PAM_MODULE)

clean:
	rm -rf build build-asan build-clang

# The checked-in .clang-format over every C file of ours; CI fails on drift.
FORMAT_SRC = $(shell find core pam_kvp tests bench -name '*.[ch]' | sort)
.PHONY: format format-check
format:
	@sh .ci/install-deps format
	@clang-format -i $(FORMAT_SRC)

format-check:
	@sh .ci/install-deps format
	@clang-format --dry-run --Werror $(FORMAT_SRC) && \
		echo "format-check: $(words $(FORMAT_SRC)) files match .clang-format"

# === install, man pages, Debian packages ===================================
#   make man            man/*.scd -> $(BUILD)/man/*.{3,5,8} (scdoc)
#   make install        DESTDIR, PREFIX (/usr), LIBDIR (/usr/lib/<multiarch>),
#                       SECUREDIR (<libdir>/security), SYSCONFDIR (/etc),
#                       SBINDIR, INCLUDEDIR, MANDIR, PKGCONFIGDIR, PAMCONFIGDIR,
#                       TMPFILESDIR ($(PREFIX)/lib/tmpfiles.d)
#   make uninstall      remove what install put there, except a
#                       pam_kvp.conf that differs from the shipped one
#   make check-install  install into a temporary DESTDIR and test the result
#   make deb            Debian packages into $(DEB_DIR)/ (dpkg-buildpackage)
#   make check-deb      deb, lintian, then install the packages into a
#                       debootstrap'd bookworm chroot and log in through PAM
# The module finds pam_kvp.conf only in /etc/security (or through config=),
# and libpam finds pam_kvp.so by bare name only in its own module directory
# (/usr/lib/<multiarch>/security on Debian 12, merged /usr).
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
PREFIX ?= /usr
LIBDIR ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
SECUREDIR ?= $(LIBDIR)/security
SBINDIR ?= $(PREFIX)/sbin
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
PAMCONFIGDIR ?= $(DATADIR)/pam-configs
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR ?= /etc
INSTALL ?= install
DEB_DIR ?= build-deb

MAN_PAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(wildcard man/*.scd))
PUBLIC_HEADERS := $(wildcard core/include/kvp/*.h)
CONF_DEST = $(DESTDIR)$(SYSCONFDIR)/security/pam_kvp.conf
# A .pc path under the prefix is written relative to it.
pc_path = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
# The date in the man pages: the build's, else the last commit's.
MAN_EPOCH = $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct \
	2>/dev/null),$(shell date +%s))

.PHONY: man build-man install install-files uninstall check-install deb \
	check-deb clean-packaging

man:
	@sh .ci/install-deps docs
	@$(MAKE) --no-print-directory build-man

build-man: $(MAN_PAGES)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	$(call quiet,MAN,$@)
	$(Q)sed 's/@VERSION@/$(VERSION)/g' $< | \
		SOURCE_DATE_EPOCH=$(MAN_EPOCH) scdoc >$@.tmp
	mv $@.tmp $@

install:
	@sh .ci/install-deps build docs
	@$(MAKE) --no-print-directory install-files

# install-files is what debian/rules calls: no package installs.
install-files: build-all build-man
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SECUREDIR) \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(INCLUDEDIR)/kvp \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(PAMCONFIGDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/security $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0644 $(LIB_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sfn $(notdir $(LIB_REAL)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sfn $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libkvpcore.so
	$(INSTALL) -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/kvp/
	{ echo 'prefix=$(PREFIX)'; \
	  echo 'libdir=$(call pc_path,$(LIBDIR))'; \
	  echo 'includedir=$(call pc_path,$(INCLUDEDIR))'; echo; \
	  echo 'Name: libkvpcore'; \
	  echo 'Description: Hyper-V KVP pool files with the semantics of the reference store'; \
	  echo 'Version: $(VERSION)'; \
	  echo 'Libs: -L$${libdir} -lkvpcore'; \
	  echo 'Libs.private: $(strip $(LIB_LIBS))'; \
	  echo 'Cflags: -I$${includedir}'; \
	} >$(DESTDIR)$(PKGCONFIGDIR)/libkvpcore.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/libkvpcore.pc
	$(INSTALL) -m 0644 $(PAM_MODULE) $(DESTDIR)$(SECUREDIR)/
	$(INSTALL) -m 0755 $(KVPCTL) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 conf/pam-configs/kvp $(DESTDIR)$(PAMCONFIGDIR)/kvp
	$(INSTALL) -m 0644 conf/tmpfiles.d/pam_kvp.conf $(DESTDIR)$(TMPFILESDIR)/
	@if [ -e $(CONF_DEST) ]; then \
		echo "install: kept the existing $(CONF_DEST)"; \
	else \
		echo "$(INSTALL) -m 0644 conf/pam_kvp.conf $(CONF_DEST)"; \
		$(INSTALL) -m 0644 conf/pam_kvp.conf $(CONF_DEST); \
	fi
	for page in $(MAN_PAGES); do \
		$(INSTALL) -m 0644 $$page \
			$(DESTDIR)$(MANDIR)/man$${page##*.}/ || exit 1; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; \
		echo "install: enable pam_kvp for the common-* stacks with:" \
			"pam-auth-update --enable kvp"; fi

# An enabled pam-auth-update profile is disabled first (real root only),
# so no stack is left naming a module that is gone.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -e $(PAMCONFIGDIR)/kvp ] && \
	    command -v pam-auth-update >/dev/null; then \
		echo "pam-auth-update --package --remove kvp"; \
		pam-auth-update --package --remove kvp; fi
	rm -f $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_REAL)) \
		$(DESTDIR)$(LIBDIR)/$(LIB_SONAME) \
		$(DESTDIR)$(LIBDIR)/libkvpcore.so \
		$(DESTDIR)$(PKGCONFIGDIR)/libkvpcore.pc \
		$(DESTDIR)$(SECUREDIR)/pam_kvp.so $(DESTDIR)$(SBINDIR)/kvpctl \
		$(DESTDIR)$(PAMCONFIGDIR)/kvp $(DESTDIR)$(TMPFILESDIR)/pam_kvp.conf \
		$(patsubst core/include/%,$(DESTDIR)$(INCLUDEDIR)/%,$(PUBLIC_HEADERS)) \
		$(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	[ ! -d $(DESTDIR)$(INCLUDEDIR)/kvp ] || \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(INCLUDEDIR)/kvp
	@if cmp -s conf/pam_kvp.conf $(CONF_DEST); then \
		echo "rm -f $(CONF_DEST)"; rm -f $(CONF_DEST); \
	elif [ -e $(CONF_DEST) ]; then \
		echo "uninstall: kept $(CONF_DEST): it differs from the" \
			"shipped default"; fi
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

check-install:
	@sh .ci/install-deps build docs install
	@$(MAKE) --no-print-directory build-all build-man
	@MAKE="$(MAKE)" BUILD="$(BUILD)" sh tests/install/check_install.sh

deb:
	@sh .ci/install-deps build docs deb
	@sh tests/install/build_deb.sh $(DEB_DIR)

check-deb: deb
	@VERSION=$(VERSION) sh tests/install/check_deb.sh $(DEB_DIR)

clean: clean-packaging
clean-packaging:
	rm -rf $(DEB_DIR)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# pam_kvp - one non-recursive build for libkvpcore, kvpctl, the PAM module
# and their tests.
#
#   make              build everything into $(BUILD)/
#   make check        install missing Debian packages, build, run all tests
#   make check-asan   the unit and front-end tests under ASan+UBSan
#   make check-valgrind   the same under valgrind (leaks and bad accesses fail)
#   make demo         record a login through a PAM stack into a temporary pool
#   make bench        the benchmarks in bench/ (not tests)

BUILD ?= build
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
	-Icore/include
ALL_LDFLAGS := -Wl,-z,relro -Wl,-z,now -Wl,--as-needed $(LDFLAGS)
ifneq ($(SANITIZE),)
ALL_LDFLAGS += -fsanitize=address,undefined
endif

PKGS_CORE := jansson
CORE_CFLAGS := $(shell pkg-config --cflags $(PKGS_CORE) 2>/dev/null)
CORE_LIBS := $(shell pkg-config --libs $(PKGS_CORE) 2>/dev/null)

# --- libkvpcore ------------------------------------------------------------
LIB_SONAME := libkvpcore.so.1
LIB_REAL := $(BUILD)/libkvpcore.so.1.0.0
LIB_LINKS := $(BUILD)/$(LIB_SONAME) $(BUILD)/libkvpcore.so
LIB_SRC := $(wildcard core/src/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)

# --- kvpctl ----------------------------------------------------------------
KVPCTL := $(BUILD)/kvpctl
KVPCTL_SRC := $(wildcard core/kvpctl/*.c)
KVPCTL_OBJ := $(KVPCTL_SRC:%.c=$(BUILD)/%.o)

# --- tests -----------------------------------------------------------------
TEST_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Wextra -Werror \
	-Wno-missing-field-initializers $(HARDEN) $(CFLAGS) -Icore/include \
	-Itests/common
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

RUN_ENV = LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) KVPCTL=$(CURDIR)/$(KVPCTL) \
	KVP_TEST_HELPERS=$(CURDIR)/$(BUILD)/tests $(EXTRA_ENV)
CRITERION_FLAGS ?= --jobs=2

.PHONY: all deps test-deps check check-run check-asan check-valgrind demo \
	bench clean
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build-all

.PHONY: build-all
build-all: $(LIB_REAL) $(LIB_LINKS) $(KVPCTL)

deps:
	@sh .ci/install-deps build

test-deps:
	@sh .ci/install-deps build test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/core/src/%.o: core/src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CORE_CFLAGS) -fvisibility=hidden -MMD -MP -c $< -o $@

$(LIB_REAL): $(LIB_OBJ) core/libkvpcore.map
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=core/libkvpcore.map $(ALL_LDFLAGS) \
		-o $@ $(LIB_OBJ) $(CORE_LIBS)

$(BUILD)/$(LIB_SONAME) $(BUILD)/libkvpcore.so: $(LIB_REAL)
	ln -sf $(notdir $(LIB_REAL)) $@

$(KVPCTL): $(KVPCTL_OBJ) $(LIB_LINKS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(KVPCTL_OBJ) -L$(BUILD) -lkvpcore

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(UNIT_TEST): $(UNIT_SRC:%.c=$(BUILD)/%.o) $(TEST_COMMON_OBJ) $(LIB_LINKS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		$(CORE_LIBS) -lcriterion -lpthread

$(E2E_TEST): $(E2E_SRC:%.c=$(BUILD)/%.o) $(TEST_COMMON_OBJ) $(LIB_LINKS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore \
		-lcriterion

$(BUILD)/tests/%: $(BUILD)/tests/helpers/%.o $(LIB_LINKS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore

$(BENCH): $(BUILD)/bench/store_bench.o $(LIB_LINKS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD) -lkvpcore

$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

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
		EXTRA_ENV="ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1" \
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

bench: all $(BENCH)
	@sh .ci/install-deps bench
	$(RUN_ENV) $(BENCH)

clean:
	rm -rf build build-asan build-clang

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

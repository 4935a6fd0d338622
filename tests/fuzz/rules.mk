# tests/fuzz/rules.mk - libFuzzer targets for the pool reader and the
# config loader, and the Criterion suite that replays their corpus and
# every input they ever crashed on.
#
#   build/tests/fuzz_regressions   Criterion (in TESTS): replays
#                                  tests/fuzz/{regressions,corpus}/*/ through
#                                  the harnesses, against the library's
#                                  objects (libkvpcore_internal.a: the pool
#                                  harness asks the library's own
#                                  event_key_classify which records are ours)
#   build/fuzz/fuzz_pool_reader    libFuzzer targets: clang with
#   build/fuzz/fuzz_config         -fsanitize=fuzzer,address,undefined, the
#                                  library's sources compiled in
#   make fuzz         each target FUZZ_TIME s (default 60) on a copy of the
#                     corpus in build/fuzz/corpus (the repository's corpus
#                     is never written); crashes go to build/fuzz/artifacts
#   make fuzz-smoke   the same for 20 s each (CI)
# A crash found: minimise it (fuzz_X -minimize_crash=1 -runs=10000 FILE),
# put it in tests/fuzz/regressions/<pool|config>/, then fix the bug.

FUZZ_HARNESS_SRC := tests/fuzz/fuzz_pool_harness.c tests/fuzz/fuzz_pool_write.c \
	tests/fuzz/fuzz_config_harness.c tests/fuzz/fuzz_util.c

# --- the regression suite (part of make check) ------------------------------
FUZZ_REG_TEST := $(BUILD)/tests/fuzz_regressions
FUZZ_REG_OBJ := $(patsubst %.c,$(BUILD)/%.o,\
	tests/fuzz/test_fuzz_regressions.c $(FUZZ_HARNESS_SRC))
TESTS += $(FUZZ_REG_TEST)

$(BUILD)/tests/fuzz/test_fuzz_regressions.o: \
	TEST_CFLAGS += -DKVP_SRCDIR='"$(CURDIR)"'

$(FUZZ_REG_OBJ): TEST_CFLAGS += -Icore/src

$(FUZZ_REG_TEST): $(FUZZ_REG_OBJ) $(LIB_INTERNAL)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_INTERNAL) \
		$(CORE_LIBS) -lcriterion

# --- the libFuzzer targets ---------------------------------------------------
FUZZ_CC ?= clang
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	$(WARN) -Icore/include -Icore/src $(CORE_CFLAGS) $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -DKVP_VERSION='"$(VERSION)"'
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_OUT)/obj/%.o)
FUZZ_POOL_OBJ := $(patsubst %,$(FUZZ_OUT)/obj/tests/fuzz/%.o,\
	fuzz_pool_reader fuzz_pool_harness fuzz_pool_write fuzz_util)
FUZZ_CONFIG_OBJ := $(patsubst %,$(FUZZ_OUT)/obj/tests/fuzz/%.o,\
	fuzz_config fuzz_config_harness fuzz_util)
FUZZERS := $(FUZZ_OUT)/fuzz_pool_reader $(FUZZ_OUT)/fuzz_config

FUZZ_TIME ?= 60
FUZZ_RUNS ?= 50000000
# pool: up to 12 records and a torn tail; config: far beyond a real file.
FUZZ_MAX_LEN_pool := 32768
FUZZ_MAX_LEN_config := 8192
FUZZ_FLAGS ?= -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

# The library's sources include each other by layer ("pool/record.h").
$(FUZZ_LIB_OBJ): FUZZ_CFLAGS += -Icore/src

$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_OUT)/fuzz_pool_reader: $(FUZZ_POOL_OBJ) $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(CORE_LIBS)

$(FUZZ_OUT)/fuzz_config: $(FUZZ_CONFIG_OBJ) $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(CORE_LIBS)

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build:
	@sh .ci/install-deps build fuzz
	@$(MAKE) --no-print-directory $(FUZZERS)

# fuzz_<target>:<corpus> pairs; each run starts from a fresh copy of the
# seed corpus and the regressions.
fuzz: fuzz-build
	@set -e; for t in pool_reader:pool config:config; do \
		name=$${t%%:*}; kind=$${t##*:}; \
		corpus=$(FUZZ_OUT)/corpus/$$kind; \
		rm -rf $$corpus && mkdir -p $$corpus $(FUZZ_OUT)/artifacts; \
		cp tests/fuzz/corpus/$$kind/* $$corpus/; \
		for f in tests/fuzz/regressions/$$kind/*; do \
			[ -f "$$f" ] && cp "$$f" $$corpus/ || true; \
		done; \
		case $$kind in pool) len=$(FUZZ_MAX_LEN_pool) ;; \
			*) len=$(FUZZ_MAX_LEN_config) ;; esac; \
		echo "== fuzz_$$name: $(FUZZ_TIME) s on $$corpus"; \
		$(FUZZ_OUT)/fuzz_$$name $(FUZZ_FLAGS) \
			-max_total_time=$(FUZZ_TIME) -runs=$(FUZZ_RUNS) \
			-max_len=$$len -dict=tests/fuzz/$$kind.dict \
			-artifact_prefix=$(FUZZ_OUT)/artifacts/$$kind- \
			$$corpus; \
	done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=20

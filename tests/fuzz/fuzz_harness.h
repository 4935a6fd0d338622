/* fuzz_harness.h - the fuzz harnesses of libkvpcore, shared by the
 * libFuzzer targets (fuzz_pool_reader.c, fuzz_config.c, built with clang
 * into build/fuzz/) and the Criterion suite that replays every file of
 * tests/fuzz/regressions/ and tests/fuzz/corpus/ (test_fuzz_regressions.c),
 * so a crash found once stays a test.
 *
 * A harness takes one input, runs it through the library's public API
 * and checks what the API promises; a broken promise prints what was
 * wrong and abort()s (a crash to libFuzzer and to Criterion alike). It
 * returns 0. Files go to one private directory, made on first use on
 * tmpfs (/dev/shm) when there is one, and removed at exit.
 */
#ifndef KVP_FUZZ_HARNESS_H
#define KVP_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* The input as a guest pool file: every read path (dump, entries, read,
 * len, event list, JSON), then insert, delete and an event write on a
 * copy, each checked against the input's bytes. */
int fuzz_pool_one(const uint8_t *data, size_t size);

/* The input as pam_kvp.conf: load (with and without a service), check,
 * and the loaded settings formatted and loaded back unchanged; each line
 * of the input as a module argument. */
int fuzz_config_one(const uint8_t *data, size_t size);

/* Shared by both (fuzz_util.c). */
#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);     \
	} while (0)

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...) __attribute__((noreturn, format(printf, 4, 5)));
/* The private directory, and "<dir>/<name>" in a static buffer per slot
 * (slot < 4). */
const char *fuzz_dir(void);
const char *fuzz_path(int slot, const char *name);
void fuzz_write_file(const char *path, const void *data, size_t len);
/* Whole file, malloc'd (never NULL; a missing file aborts). */
unsigned char *fuzz_read_file(const char *path, size_t *len);

#endif

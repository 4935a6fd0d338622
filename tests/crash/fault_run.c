/* fault_run.c - pool file images for the fault-injection tests, and one
 * run of tests/helpers/kvp_oneop with fault_shim.so preloaded (fault.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "test_util.h"

extern char **environ;

void fimage_set(struct fimage *img, const void *raw, size_t len)
{
	img->raw = malloc(len + 1);
	cr_assert_not_null(img->raw);
	if (len)
		memcpy(img->raw, raw, len);
	img->len = len;
	img->count = len / RS;
	img->torn = len % RS;
}

void fimage_read(struct fimage *img, const char *path)
{
	size_t len = 0;
	unsigned char *raw = tu_read_file(path, &len);

	fimage_set(img, raw, len);
	free(raw);
}

void fimage_copy(struct fimage *dst, const struct fimage *src)
{
	fimage_set(dst, src->raw, src->len);
}

void fimage_free(struct fimage *img)
{
	free(img->raw);
	memset(img, 0, sizeof(*img));
}

bool fimage_eq(const struct fimage *a, const struct fimage *b)
{
	return a->len == b->len && memcmp(a->raw, b->raw, a->len) == 0;
}

void fimage_trim(struct fimage *img)
{
	img->len = img->count * RS;
	img->torn = 0;
}

void fimage_drop_tombstones(struct fimage *img)
{
	fimage_trim(img);
	for (size_t i = 0; i < img->count;) {
		if (img->raw[i * RS] != '\0') {
			i++;
			continue;
		}
		if (i != img->count - 1) /* the last record moves here */
			memcpy(img->raw + i * RS,
			       img->raw + (img->count - 1) * RS, RS);
		img->count--;
	}
	img->len = img->count * RS;
}

void fimage_cat(struct fimage *out, const struct fimage *a,
		const unsigned char *recs, size_t n)
{
	out->raw = malloc((a->count + n) * RS + 1);
	cr_assert_not_null(out->raw);
	memcpy(out->raw, a->raw, a->count * RS);
	if (n)
		memcpy(out->raw + a->count * RS, recs, n * RS);
	out->count = a->count + n;
	out->len = out->count * RS;
	out->torn = 0;
}

bool frec_eq(const unsigned char *a, const unsigned char *b)
{
	return memcmp(a, b, RS) == 0;
}

size_t frec_key_len(const unsigned char *rec)
{
	return strnlen((const char *)rec, KVP_KEY_FIELD_SIZE);
}

bool frec_key_is(const unsigned char *rec, const char *key, size_t len)
{
	return len && frec_key_len(rec) == len && memcmp(rec, key, len) == 0;
}

bool frec_same(const unsigned char *a, const unsigned char *b)
{
	return a == b || (a && b && frec_eq(a, b));
}

size_t fimage_count(const struct fimage *img, const unsigned char *rec)
{
	size_t n = 0;

	for (size_t i = 0; i < img->count; i++)
		n += frec_eq(frec(img, i), rec);
	return n;
}

size_t fimage_first(const struct fimage *img, const unsigned char *rec)
{
	for (size_t i = 0; i < img->count; i++)
		if (frec_eq(frec(img, i), rec))
			return i;
	return SIZE_MAX;
}

const unsigned char *fimage_read_of(const struct fimage *img,
				    const unsigned char *key)
{
	for (size_t i = img->count; i-- > 0;)
		if (frec_key_is(frec(img, i), (const char *)key,
				frec_key_len(key)))
			return frec(img, i);
	return NULL;
}

bool fcase_touches(const struct fcase *c, const unsigned char *rec)
{
	size_t plen = c->prefix ? strlen(c->prefix) : 0;

	if (plen && frec_key_len(rec) > plen &&
	    memcmp(rec, c->prefix, plen) == 0 && rec[plen] == '|')
		return true;
	for (size_t i = 0; c->touched[i]; i++)
		if (frec_key_is(rec, c->touched[i], strlen(c->touched[i])))
			return true;
	return false;
}

const unsigned char *fcase_new_record(const struct fcase *c,
				      const struct fimage *q)
{
	if (c->op != F_INSERT)
		return NULL;
	return fimage_read_of(q, (const unsigned char *)c->touched[0]);
}

const char *frec_text(const unsigned char *rec, char *buf, size_t size)
{
	snprintf(buf, size, "key '%.40s' value '%.24s...'", (const char *)rec,
		 (const char *)rec + KVP_KEY_FIELD_SIZE);
	return buf;
}

size_t fault_page(void)
{
	long n = sysconf(_SC_PAGESIZE);

	return n > 0 ? (size_t)n : 4096;
}

bool fslot_split(size_t slot, size_t *split)
{
	size_t off = slot * RS, next = (off / FAULT_PAGE + 1) * FAULT_PAGE;

	*split = next - off;
	return *split < RS;
}

long fstep_cuts(const struct fstep *s)
{
	long long first, last;

	if (s->truncate)
		return 2;
	first = s->off / (long long)FAULT_PAGE + 1;
	last = (s->off + (long long)s->len - 1) / (long long)FAULT_PAGE;
	return 2 + (last >= first ? (long)(last - first + 1) : 0);
}

static void parse_log(const char *path, long at, struct fstep **steps,
		      size_t *n, long long *cut_bytes)
{
	size_t len = 0, start = 0;
	unsigned char *text = tu_read_file(path, &len);

	*steps = NULL;
	*n = 0;
	*cut_bytes = -1;
	for (size_t i = 0; text && i < len; i++) {
		long num;
		long long a, b;
		char *line = (char *)text + start;

		if (text[i] != '\n')
			continue;
		text[i] = '\0';
		start = i + 1;
		if (sscanf(line, "%ld cut %lld", &num, &a) == 2) {
			cr_assert_eq(num, at, "shim cut step %ld, not %ld", num,
				     at);
			*cut_bytes = a;
			continue;
		}
		*steps = realloc(*steps, (*n + 1) * sizeof(**steps));
		cr_assert_not_null(*steps);
		if (sscanf(line, "%ld pwrite %lld %lld", &num, &a, &b) == 3)
			(*steps)[*n] = (struct fstep){false, a, (size_t)b};
		else if (sscanf(line, "%ld ftruncate %lld", &num, &a) == 2)
			(*steps)[*n] = (struct fstep){true, a, 0};
		else
			cr_assert_fail("fault_shim log: bad line '%s'", line);
		cr_assert_eq((size_t)num, *n + 1, "fault_shim log: step %ld",
			     num);
		(*n)++;
	}
	free(text);
}

/* environ, with the shim's variables set (and ASan told that a preload
 * before its runtime is expected). */
static char **fault_env(const char *path, const char *log, long at, long cut)
{
	size_t n = 0, k = 0;
	char **env;
	const char *asan = getenv("ASAN_OPTIONS");

	while (environ[n])
		n++;
	env = calloc(n + 8, sizeof(*env));
	cr_assert_not_null(env);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
		    strncmp(environ[i], "ASAN_OPTIONS=", 13) != 0 &&
		    strncmp(environ[i], "FAULT_", 6) != 0)
			env[k++] = strdup(environ[i]);
	cr_assert(asprintf(&env[k++], "LD_PRELOAD=%s/fault_shim.so",
			   getenv("KVP_TEST_HELPERS")) > 0);
	cr_assert(asprintf(&env[k++],
			   "ASAN_OPTIONS=%s%sverify_asan_link_order=0",
			   asan ? asan : "", asan && *asan ? ":" : "") > 0);
	cr_assert(asprintf(&env[k++], "FAULT_FILE=%s", path) > 0);
	cr_assert(asprintf(&env[k++], "FAULT_LOG=%s", log) > 0);
	cr_assert(asprintf(&env[k++], "FAULT_AT=%ld", at) > 0);
	cr_assert(asprintf(&env[k++], "FAULT_CUT=%ld", cut) > 0);
	cr_assert(asprintf(&env[k++], "FAULT_SEED=%d", 7) > 0);
	return env;
}

int fault_run(const struct fcase *c, const char *dir, const char *path, long at,
	      long cut, struct fstep **steps, size_t *n, long long *cut_bytes)
{
	char *helper = tu_helper("kvp_oneop");
	char *log = tu_path(dir, "fault.log");
	char *argv[20] = {helper, (char *)dir};
	char **env;
	int status = 0;
	size_t a = 2;
	pid_t pid;

	for (size_t i = 0; c->args[i]; i++)
		argv[a++] = (char *)c->args[i];
	unlink(log);
	env = fault_env(path, log, at, cut);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		execve(helper, argv, env);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
	cr_assert(WIFEXITED(status), "kvp_oneop %s died (status 0x%x)",
		  c->args[0], status);
	parse_log(log, at, steps, n, cut_bytes);
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
	free(helper);
	free(log);
	return WEXITSTATUS(status);
}

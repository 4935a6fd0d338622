/* test_util.c - see test_util.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

char *tu_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = NULL;

	if (!base || !*base)
		base = "/tmp";
	cr_assert(asprintf(&tmpl, "%s/kvp-test.XXXXXX", base) > 0);
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(chmod(tmpl, 0755), 0);
	return tmpl;
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void tu_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_path(const char *dir, const char *name)
{
	char *p = NULL;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

unsigned char *tu_read_file(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0)
		return NULL;
	cr_assert_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(buf);
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
		cr_assert(n > 0, "short read of %s", path);
		done += (size_t)n;
	}
	close(fd);
	*len = done;
	return buf;
}

static void write_fd(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		cr_assert(n > 0, "write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void tu_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	write_fd(fd, data, len);
	close(fd);
}

void tu_append_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	write_fd(fd, data, len);
	close(fd);
}

off_t tu_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

void tu_record(unsigned char rec[KVP_RECORD_SIZE], const char *key,
	       const char *value)
{
	memset(rec, 0, KVP_RECORD_SIZE);
	memcpy(rec, key, strnlen(key, KVP_KEY_FIELD_SIZE));
	memcpy(rec + KVP_KEY_FIELD_SIZE, value,
	       strnlen(value, KVP_VALUE_FIELD_SIZE));
}

kvp_store *tu_store(const char *dir, kvp_mode mode)
{
	kvp_store *s = NULL;

	cr_assert_eq(kvp_store_new(&s, KVP_POOL_GUEST, dir, mode), 0, "%s",
		     kvp_error_last()->message);
	return s;
}

char *tu_repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert_not_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

int tu_run_as_nobody(int (*fn)(void *), void *arg)
{
	struct passwd *pw = getpwnam("nobody");
	pid_t pid;
	int status;

	cr_assert_not_null(pw, "no user nobody");
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 ||
		    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
			_exit(126);
		_exit(fn(arg));
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child did not exit normally");
	return WEXITSTATUS(status);
}

char *tu_helper(const char *name)
{
	const char *dir = getenv("KVP_TEST_HELPERS");

	cr_assert_not_null(dir, "KVP_TEST_HELPERS is not set (run via make)");
	return tu_path(dir, name);
}

void tu_record_n(unsigned char rec[KVP_RECORD_SIZE], const void *key,
		 size_t key_len, const void *value, size_t value_len)
{
	cr_assert(key_len <= KVP_KEY_FIELD_SIZE);
	cr_assert(value_len <= KVP_VALUE_FIELD_SIZE);
	memset(rec, 0, KVP_RECORD_SIZE);
	if (key_len)
		memcpy(rec, key, key_len);
	if (value_len)
		memcpy(rec + KVP_KEY_FIELD_SIZE, value, value_len);
}

unsigned char *tu_records(const char *const *kv, size_t *len)
{
	size_t n = 0;
	unsigned char *buf;

	while (kv[2 * n]) {
		cr_assert_not_null(kv[2 * n + 1], "key without a value");
		n++;
	}
	buf = malloc(n * KVP_RECORD_SIZE + 1);
	cr_assert_not_null(buf);
	for (size_t i = 0; i < n; i++)
		tu_record(buf + i * KVP_RECORD_SIZE, kv[2 * i], kv[2 * i + 1]);
	*len = n * KVP_RECORD_SIZE;
	return buf;
}

void tu_plant(const char *path, const char *const *kv)
{
	size_t len;
	unsigned char *buf = tu_records(kv, &len);

	tu_write_file(path, buf, len);
	free(buf);
}

void tu_assert_file_is(const char *path, const void *data, size_t len)
{
	size_t got_len;
	unsigned char *got = tu_read_file(path, &got_len);

	if (!data) {
		cr_assert_null(got, "%s exists but should not", path);
		return;
	}
	cr_assert_not_null(got, "%s is missing", path);
	cr_assert_eq(got_len, len, "%s: %zu bytes, expected %zu", path, got_len,
		     len);
	for (size_t i = 0; i < len; i++) {
		if (got[i] != ((const unsigned char *)data)[i]) {
			free(got);
			cr_assert_fail("%s: first difference at byte %zu "
				       "(record %zu, offset %zu)",
				       path, i, i / KVP_RECORD_SIZE,
				       i % KVP_RECORD_SIZE);
		}
	}
	free(got);
}

void tu_assert_records(const char *path, const char *const *kv)
{
	size_t len;
	unsigned char *buf = tu_records(kv, &len);

	tu_assert_file_is(path, buf, len);
	free(buf);
}

void tu_pool_setup(struct tu_pool *p, kvp_mode mode)
{
	p->dir = tu_mkdtemp();
	p->store = tu_store(p->dir, mode);
	p->path = tu_path(p->dir, ".kvp_pool_1");
	cr_assert_str_eq(kvp_store_path(p->store), p->path);
}

void tu_pool_teardown(struct tu_pool *p)
{
	kvp_store_free(p->store);
	tu_rmtree(p->dir);
	free(p->dir);
	free(p->path);
	memset(p, 0, sizeof(*p));
}

void tu_set_mtime(const char *path, long long sec)
{
	struct timespec ts[2] = {{.tv_sec = (time_t)sec},
				 {.tv_sec = (time_t)sec}};

	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0, "utimensat %s: %s",
		     path, strerror(errno));
}

long long tu_boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[512];
	long long bt = -1;

	cr_assert_not_null(f, "/proc/stat: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "btime ", 6) == 0)
			bt = atoll(line + 6);
	fclose(f);
	cr_assert(bt > 0, "no btime in /proc/stat");
	return bt;
}

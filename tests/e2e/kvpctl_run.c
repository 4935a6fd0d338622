/* kvpctl_run.c - see kvpctl_run.h: posix_spawn with both output pipes
 * drained through poll (so neither can fill up and stall the child), a
 * bounded wait, and the assertions the e2e suites share. The child starts
 * with no signal blocked and SIGINT, SIGTERM and SIGPIPE at their
 * defaults, whatever the test runner's worker has. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvpctl_run.h"
#include "test_util.h"

#define RUN_LIMIT_MS 120000

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct sink {
	int fd;
	char *buf;
	size_t len, cap;
};

/* Read what is there; 0 at EOF (fd closed), 1 otherwise. */
static int drain(struct sink *s)
{
	char chunk[4096];
	ssize_t n = read(s->fd, chunk, sizeof(chunk));

	if (n < 0 && errno == EINTR)
		return 1;
	cr_assert(n >= 0, "read from kvpctl: %s", strerror(errno));
	if (n == 0) {
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->len + (size_t)n + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
		cr_assert_not_null(s->buf);
	}
	memcpy(s->buf + s->len, chunk, (size_t)n);
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
	return 1;
}

static void spawn(pid_t *pid, const char *stdin_path, const char *stdout_path,
		  int out_w, int err_w, const char *const *args)
{
	const char *prog = getenv("KVPCTL");
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	size_t n = 0;
	char **argv;
	int r;

	cr_assert_not_null(prog, "KVPCTL is not set (run the tests via make)");
	while (args[n])
		n++;
	argv = calloc(n + 2, sizeof(*argv));
	cr_assert_not_null(argv);
	argv[0] = (char *)prog;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, stdin_path, O_RDONLY, 0);
	if (stdout_path)
		posix_spawn_file_actions_addopen(
		    &fa, 1, stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	else
		posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	r = posix_spawn(pid, prog, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	cr_assert_eq(r, 0, "posix_spawn %s: %s", prog, strerror(r));
}

static int exit_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void kr_runv(struct kr_result *r, const char *stdout_path,
	     const char *const *args)
{
	kr_runv_stdin(r, "/dev/null", stdout_path, args);
}

void kr_runv_stdin(struct kr_result *r, const char *stdin_path,
		   const char *stdout_path, const char *const *args)
{
	int out_pipe[2], err_pipe[2], status;
	struct sink out = {0}, err = {0};
	long long start = now_ms();
	pid_t pid;

	memset(r, 0, sizeof(*r));
	cr_assert_eq(pipe2(out_pipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err_pipe, O_CLOEXEC), 0);
	spawn(&pid, stdin_path, stdout_path, out_pipe[1], err_pipe[1], args);
	close(out_pipe[1]);
	close(err_pipe[1]);
	out.fd = out_pipe[0];
	err.fd = err_pipe[0];

	while (out.fd >= 0 || err.fd >= 0) {
		struct pollfd p[2] = {{out.fd, POLLIN, 0}, {err.fd, POLLIN, 0}};
		long long left = RUN_LIMIT_MS - (now_ms() - start);
		int n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			cr_assert_fail("kvpctl ran for over %d ms",
				       RUN_LIMIT_MS);
		}
		n = poll(p, 2, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		cr_assert(n >= 0, "poll: %s", strerror(errno));
		if (out.fd >= 0 && p[0].revents)
			drain(&out);
		if (err.fd >= 0 && p[1].revents)
			drain(&err);
	}
	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
	r->elapsed_ms = now_ms() - start;
	r->status = exit_status(status);
	r->out = out.buf ? out.buf : strdup("");
	r->out_len = out.len;
	r->err = err.buf ? err.buf : strdup("");
	r->err_len = err.len;
}

void kr_start(struct kr_child *c, const char *const *args)
{
	int out_pipe[2], err_pipe[2];

	memset(c, 0, sizeof(*c));
	cr_assert_eq(pipe2(out_pipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err_pipe, O_CLOEXEC), 0);
	spawn(&c->pid, "/dev/null", NULL, out_pipe[1], err_pipe[1], args);
	close(out_pipe[1]);
	close(err_pipe[1]);
	c->out_fd = out_pipe[0];
	c->err_fd = err_pipe[0];
	c->out = strdup("");
	c->err = strdup("");
	cr_assert(c->out && c->err);
}

/* Wait at most `ms` for output and collect it; false when both pipes are
 * closed. */
static bool collect(struct kr_child *c, int ms)
{
	struct sink out = {c->out_fd, c->out, c->out_len, c->out_len + 1};
	struct sink err = {c->err_fd, c->err, c->err_len, c->err_len + 1};
	struct pollfd p[2] = {{c->out_fd, POLLIN, 0}, {c->err_fd, POLLIN, 0}};
	int n;

	if (c->out_fd < 0 && c->err_fd < 0)
		return false;
	n = poll(p, 2, ms);
	cr_assert(n >= 0 || errno == EINTR, "poll: %s", strerror(errno));
	if (n > 0 && c->out_fd >= 0 && p[0].revents)
		drain(&out);
	if (n > 0 && c->err_fd >= 0 && p[1].revents)
		drain(&err);
	c->out_fd = out.fd;
	c->out = out.buf;
	c->out_len = out.len;
	c->err_fd = err.fd;
	c->err = err.buf;
	c->err_len = err.len;
	return true;
}

size_t kr_count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

bool kr_wait_output(struct kr_child *c, const char *needle, size_t count,
		    int ms)
{
	long long end = now_ms() + ms;

	while (kr_count(c->out, needle) < count) {
		long long left = end - now_ms();
		if (left <= 0 || !collect(c, (int)left))
			return kr_count(c->out, needle) >= count;
	}
	return true;
}

int kr_stop(struct kr_child *c, int sig, int ms)
{
	long long end = now_ms() + ms;
	int status;
	pid_t r;

	cr_assert_eq(kill(c->pid, sig), 0);
	while (now_ms() < end && collect(c, (int)(end - now_ms())))
		;
	while ((r = waitpid(c->pid, &status, WNOHANG)) == 0 && now_ms() < end)
		usleep(10000);
	if (r == 0) {
		kill(c->pid, SIGKILL);
		r = waitpid(c->pid, &status, 0);
		cr_assert_fail("kvpctl still ran %d ms after signal %d", ms,
			       sig);
	}
	cr_assert_eq(r, c->pid, "waitpid: %s", strerror(errno));
	c->pid = 0;
	return exit_status(status);
}

void kr_child_free(struct kr_child *c)
{
	if (!c->out)
		return; /* never started */
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	free(c->out);
	free(c->err);
	memset(c, 0, sizeof(*c));
}

void kr_free(struct kr_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void kr_assert_status(const struct kr_result *r, int status)
{
	cr_assert_eq(r->status, status,
		     "exit status %d, expected %d\nstdout: %s\nstderr: %s",
		     r->status, status, r->out, r->err);
}

void kr_assert_one_error_line(const struct kr_result *r,
			      const char *const *parts)
{
	const char *nl = memchr(r->err, '\n', r->err_len);

	cr_assert_eq(strncmp(r->err, "kvpctl: ", 8), 0,
		     "stderr does not start with 'kvpctl: ': %s", r->err);
	cr_assert(nl && (size_t)(nl - r->err) + 1 == r->err_len,
		  "stderr is not exactly one line: %s", r->err);
	for (size_t i = 0; parts[i]; i++)
		cr_assert_not_null(strstr(r->err, parts[i]),
				   "stderr lacks '%s': %s", parts[i], r->err);
}

bool kr_has_byte(const char *buf, size_t len, unsigned char c)
{
	return memchr(buf, c, len) != NULL;
}

void kr_ok(const char *const *args)
{
	struct kr_result r;

	kr_runv(&r, NULL, args);
	kr_assert_status(&r, 0);
	cr_assert_str_empty(r.err, "stderr: %s", r.err);
	kr_free(&r);
}

char *kr_output(const char *const *args)
{
	struct kr_result r;
	char *out;

	kr_runv(&r, NULL, args);
	kr_assert_status(&r, 0);
	out = r.out;
	r.out = NULL;
	kr_free(&r);
	return out;
}

void kr_plant(const char *key, const char *value)
{
	unsigned char rec[KVP_RECORD_SIZE];

	tu_record(rec, key, value);
	tu_append_file(kr_pool, rec, sizeof(rec));
}

void kr_assert_output(char *out, const char *expected)
{
	cr_assert_str_eq(out, expected);
	free(out);
}

char *kr_dir, *kr_pool;

void kr_setup(void)
{
	kr_dir = tu_mkdtemp();
	kr_pool = tu_path(kr_dir, ".kvp_pool_1");
}

void kr_teardown(void)
{
	tu_rmtree(kr_dir);
	free(kr_dir);
	free(kr_pool);
	kr_dir = kr_pool = NULL;
}

char *kr_fmt(const char *format, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, format);
	n = vasprintf(&s, format, ap);
	va_end(ap);
	cr_assert(n >= 0);
	return s;
}

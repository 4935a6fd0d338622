/* kvpctl_run.h - run the kvpctl binary ($KVPCTL) as a child process and
 * capture its stdout, stderr and exit status, for the end-to-end tests;
 * or leave it running (kr_start) and read its output as it comes. */
#ifndef KVP_KVPCTL_RUN_H
#define KVP_KVPCTL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct kr_result {
	int status; /* exit code; 128 + N when killed by signal N */
	char *out;  /* NUL-terminated; out_len excludes the NUL */
	size_t out_len;
	char *err;
	size_t err_len;
	long long elapsed_ms;
};

/* Run $KVPCTL with `args` (NULL-terminated, without argv[0]), stdin from
 * /dev/null and stdout to a pipe, or to the file `stdout_path` when not
 * NULL. Aborts the test when it cannot run or takes over 120 s. */
void kr_runv(struct kr_result *r, const char *stdout_path,
	     const char *const *args);
/* The same with stdin from the file `stdin_path`. */
void kr_runv_stdin(struct kr_result *r, const char *stdin_path,
		   const char *stdout_path, const char *const *args);
void kr_free(struct kr_result *r);

/* kr_run(&r, "list", "--json"); kr_run_in(&r, dir, "len") adds --dir. */
#define kr_run(r, ...)                                                         \
	kr_runv((r), NULL, (const char *const[]){__VA_ARGS__, NULL})
#define kr_run_in(r, dir, ...)                                                 \
	kr_runv((r), NULL,                                                     \
		(const char *const[]){"--dir", (dir), __VA_ARGS__, NULL})

/* A kvpctl left running (events --follow): stdout and stderr collected
 * as they come, every wait bounded. */
struct kr_child {
	pid_t pid;
	int out_fd, err_fd;
	char *out, *err; /* NUL-terminated, never NULL after kr_start */
	size_t out_len, err_len;
};

/* Start $KVPCTL with `args` (NULL-terminated, without argv[0]). */
void kr_start(struct kr_child *c, const char *const *args);
/* Collect output until stdout holds `needle` `count` times (counted from
 * the start), or `ms` pass; true when it does. */
bool kr_wait_output(struct kr_child *c, const char *needle, size_t count,
		    int ms);
/* Send `sig`, collect the rest of the output, reap the child (SIGKILL if
 * it is still running after `ms`); its status as in kr_result. */
int kr_stop(struct kr_child *c, int sig, int ms);
void kr_child_free(struct kr_child *c);
#define kr_start_in(c, dir, ...)                                               \
	kr_start((c), (const char *const[]){"--dir", (dir), __VA_ARGS__, NULL})

/* Times `needle` occurs in `s`. */
size_t kr_count(const char *s, const char *needle);

/* Assert the exit status, showing stdout and stderr when it differs. */
void kr_assert_status(const struct kr_result *r, int status);
/* Assert stderr is exactly one line starting "kvpctl: " that contains
 * every string of the NULL-terminated `parts`. */
void kr_assert_one_error_line(const struct kr_result *r,
			      const char *const *parts);
#define kr_assert_error(r, ...)                                                \
	kr_assert_one_error_line((r), (const char *const[]){__VA_ARGS__, NULL})

/* The suites' fixture (.init/.fini): a fresh pool directory and the path
 * of its guest pool file, which is not created. */
extern char *kr_dir, *kr_pool;
void kr_setup(void);
void kr_teardown(void);

/* Run a command that must exit 0 with nothing on stderr. */
void kr_ok(const char *const *args);
/* The stdout of a command that must exit 0 (malloc'd). */
char *kr_output(const char *const *args);

/* The same with "--dir kr_dir" in front. */
#define KR_OK(...)                                                             \
	kr_ok((const char *const[]){"--dir", kr_dir, __VA_ARGS__, NULL})
#define KR_OUT(...)                                                            \
	kr_output((const char *const[]){"--dir", kr_dir, __VA_ARGS__, NULL})
#define KR_RUN(r, ...) kr_run_in((r), kr_dir, __VA_ARGS__)

/* Assert `out` (then freed) equals `expected`. */
void kr_assert_output(char *out, const char *expected);

/* Append one raw record (tu_record) to kr_pool. */
void kr_plant(const char *key, const char *value);

/* asprintf that aborts the test on failure. */
char *kr_fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* True when buf[0..len) holds byte `c`. */
bool kr_has_byte(const char *buf, size_t len, unsigned char c);

#endif

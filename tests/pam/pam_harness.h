/* pam_harness.h - pam_kvp.so driven through the real libpam: private
 * service files, a config file per test, PAM transactions run with
 * libpamtest on a handle we start ourselves (so PAM_RHOST, PAM_TTY and
 * PAM_RUSER can be set first), the module's syslog lines captured, and the
 * records read back with libkvpcore and parsed with jansson.
 *
 * Two ways to reach libpam, chosen per process:
 *  - pam_wrapper (LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1, set by
 *    tests/pam/run_pam_tests.sh before Criterion starts):
 * PAM_WRAPPER_SERVICE_DIR is set by ph_init() in each worker, so pam_wrapper
 * copies this test's service files at the first pam_start(); pam_syslog() lines
 * go to stderr, which ph_init() sends to a file.
 *  - no preload: pam_start_confdir() with the service directory; the
 *    worker gets a private mount namespace whose /dev/log is a socket of
 *    ours, so syslog(3) lines (with libpam's "pam_kvp(svc:type): "
 *    prefix) land in the same file.
 * Either way ph_log_count() counts the syslog lines of the test so far.
 */
#ifndef PAM_KVP_PAM_HARNESS_H
#define PAM_KVP_PAM_HARNESS_H

#include <jansson.h>
#include <libpamtest.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kvp/kvp.h"

#define PH_USER	    "alice"
#define PH_PASSWORD "Quokka-Zebra-8841-secret" /* never in any record */

/* The test's files, all under one temporary directory. */
struct ph {
	char *root;	/* removed at ph_fini() */
	char *svc_dir;	/* service files */
	char *pool_dir; /* pool_dir of the default config */
	char *pool;	/* pool_dir/.kvp_pool_1 */
	char *conf;	/* the config file {KVP} passes as config= */
	char *key_file; /* hash_key_file of the default config */
	char *passdb;	/* pam_matrix: "user:password:service" lines */
	char *log;	/* captured syslog lines */
	char *sysroot;	/* KVP_TEST_SYSROOT: the VM id's files */
	bool wrapper;	/* pam_wrapper (else pam_start_confdir) */
};
extern struct ph ph;

/* .init / .fini of every suite. ph_init() writes the service "other"
 * (pam_deny), a passdb with PH_USER:PH_PASSWORD for every service used
 * here, the default config (ph_config("")), and a fake system root whose
 * product_uuid is PH_SMBIOS on a Gen2 VM (ph_sysroot(PH_SMBIOS, true)),
 * so the records' VM id is PH_SMBIOS whatever machine runs the tests. */
void ph_init(void);
void ph_fini(void);

#define PH_SMBIOS "550e8400-e29b-41d4-a716-446655440000"
/* Rewrite the fake system root: product_uuid holding `smbios` (NULL: no
 * such file), /sys/firmware/efi when `efi` (else a Gen1 VM). Before the
 * first PAM call of the process: the module reads the id once. */
void ph_sysroot(const char *smbios, bool efi);

/* A service file. In `text`, {KVP} becomes "<pam_kvp.so> config=<conf>",
 * {KVP_BARE} the module's path alone, {PERMIT}, {DENY}, {MATRIX} the
 * absolute paths of pam_permit, pam_deny and pam_matrix (with passdb=),
 * {CONF}, {POOL} and {ROOT} the test's paths. Every service must be
 * written before the first PAM call (pam_wrapper copies them once). */
void ph_service(const char *name, const char *text);
/* "<fac> CONTROL {KVP} ARGS" then "<fac> required {PERMIT}" for all four
 * facilities (auth, account, session, password). */
void ph_service_all(const char *name, const char *control, const char *args);

/* The config file {KVP} names: pool_dir and hash_key_file of this test,
 * invalid_user = "plain" (PH_USER is no account here) unless the text
 * sets it, then the printf-formatted text (libconfig refuses a setting given
 * twice: ph_config_in for another pool_dir). ph_config_raw: exactly `text`. */
void ph_config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ph_config_in(const char *pool_dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ph_config_raw(const char *path, const char *text);

/* Items set on the handle before the first call; NULL: left unset.
 * set_user: PAM_USER is set to `user` (which may be NULL) as well. */
struct ph_items {
	const char *rhost, *tty, *ruser;
	bool set_user;
	const char *user;
};

/* Answers to PAM_PROMPT_ECHO_OFF prompts, in order (NULL-terminated;
 * default: PH_PASSWORD). The array must outlive the transaction. */
void ph_answers(const char *const *answers);

/* One transaction: start a handle for `service` and `user` (NULL allowed),
 * set the items, run `cases` through libpamtest (which ends the handle
 * unless the last case is PAMTEST_KEEPHANDLE). */
enum pamtest_err ph_run(const char *service, const char *user,
			const struct ph_items *items,
			struct pam_testcase *cases, size_t n);
#define PH_RUN(svc, user, items, cases)                                        \
	ph_run(svc, user, items, cases, sizeof(cases) / sizeof((cases)[0]))
/* Run `cases` on a handle kept by an earlier PAMTEST_KEEPHANDLE. */
enum pamtest_err ph_run_on(pam_handle_t *pamh, struct pam_testcase *cases,
			   size_t n);

/* Under pam_wrapper: remove this process's copy of the service files
 * (workers and children exit without pam_wrapper's destructor). */
void ph_pam_done(void);

/* One PAM call of `op` in a fresh transaction as PH_USER; its result. */
int ph_call(const char *service, enum pamtest_ops op);
/* Open, wait `ms`, close, on one handle; both results. */
void ph_session(const char *service, const struct ph_items *items, int ms,
		int *open_rv, int *close_rv);

/* Run fn(arg) in a forked child and return its exit status; the child is
 * killed and the test fails if it runs past `limit_ms`. With as_nobody,
 * the child drops to the user nobody first (root ignores permissions).
 * fn should not fail a cr_assert (the child is not the test). */
int ph_child(int (*fn)(void *), void *arg, bool as_nobody, int limit_ms);

/* Time in ms (CLOCK_MONOTONIC); extra slack for valgrind (several
 * seconds), else `ms`. */
long long ph_now_ms(void);
int ph_slack_ms(int ms);

/* ---- records ---- */

struct ph_rec {
	char *key;
	char *raw; /* the value's bytes */
	size_t raw_len;
	json_t *value; /* parsed: a JSON object */
};
struct ph_recs {
	struct ph_rec *r;
	size_t n;
};

/* The agent of the module's DIAG records, and the VM id it writes when
 * it cannot read the machine's (as on this test machine, unless the test
 * sets KVP_TEST_SYSROOT). */
#define PH_AGENT    "pam_kvp/" KVP_VERSION
#define PH_NIL_UUID "00000000-0000-0000-0000-000000000000"

/* Our records (kvp_event_list with `prefix`, NULL: PAM_KVP; both formats)
 * in the pool `pool` of `dir`, oldest first. Each is checked: key within
 * Safe's 254 bytes, value within `mode`'s limit (a DIAG one within 1022
 * bytes in either mode), valid JSON object with "v":1; a legacy key holds
 * the value's event, a DIAG key passes ph_check_diag(); and the host's
 * reader (kvp_diag_read) decodes every DIAG record of ours. ph_recs: the
 * default pool of the test, Safe limits. */
void ph_recs_in(const char *dir, kvp_pool pool, const char *prefix,
		kvp_mode mode, struct ph_recs *out);
void ph_recs(struct ph_recs *out);
void ph_recs_free(struct ph_recs *recs);
/* A DIAG key of ours agrees with its value `v`: agent PH_AGENT; a UUID
 * vm_id, the nil UUID exactly when "vm_id_unavailable":true; kind, name
 * "pam:<service>:<what>" and result as the value's event maps to
 * (auth_fail: auth with fail; session_open: start; session_close with a
 * duration_s: finish, the duration to 6 digits); event_id the value's
 * session, when it has one; timestamp its time; encoding none; chunk 0. */
void ph_check_diag(const char *key, const json_t *v);
/* Field n (0-based, '|'-separated) of a key, malloc'd. */
char *ph_field(const char *key, int n);

/* Number of our records in the default pool. */
size_t ph_count(void);
/* The one record of `event` in the default pool (asserts there is exactly
 * one); a new reference, json_decref() it. */
json_t *ph_one(const char *event);
/* A string member, or NULL when absent (asserts it is a string if any). */
const char *ph_str(const json_t *obj, const char *name);
/* Whether `needle` occurs anywhere in the file's bytes. */
bool ph_file_has(const char *path, const char *needle, size_t len);

/* ---- the syslog lines ---- */

/* Everything captured so far (malloc'd, NUL-terminated). */
char *ph_log_text(void);
/* Number of syslog lines so far. */
size_t ph_log_count(void);
/* The one syslog line so far (asserts there is exactly one); malloc'd.
 * Failures name the caller's file and line. */
#define ph_log_one() ph_log_one_at(__FILE__, __LINE__)
char *ph_log_one_at(const char *file, int line);
/* Assert exactly one line, and that it contains each of the NULL-
 * terminated strings. */
#define ph_log_expect(...) ph_log_expect_at(__FILE__, __LINE__, __VA_ARGS__)
void ph_log_expect_at(const char *file, int line, const char *first, ...)
    __attribute__((sentinel));
void ph_log_clear(void);

/* ---- a private mount namespace for the failure tests ---- */

/* Enter a private mount namespace (once per worker). */
void ph_private_mounts(void);
/* A tmpfs of `kib` KiB at `dir` (made if missing); ph_fini unmounts it. */
void ph_tmpfs(const char *dir, int kib);
void ph_remount_ro(const char *dir);

/* ---- another process holding the pool's locks ---- */

/* Start tests/helpers/lock_holder KIND MODE PATH SECONDS (KIND: both,
 * flock, posix, ofd; MODE: read, write) and wait (bounded) until it holds
 * the lock; ph_stop() kills and reaps it. */
pid_t ph_lock_holder(const char *kind, const char *mode, const char *path,
		     const char *seconds);
void ph_stop(pid_t pid);

/* ---- a PAM call in a setuid-like process (pam_setuid.c) ---- */

enum ph_who {
	PH_ROOT,   /* root in every uid: sshd, login, cron */
	PH_SETUID, /* real uid and gids nobody, effective and saved uid 0:
		    * su, passwd, chsh as the user runs them */
	PH_NOBODY, /* nobody in every id */
};
enum ph_sigchld {
	PH_SIGCHLD_DEFAULT,
	PH_SIGCHLD_COUNT,  /* a handler that counts */
	PH_SIGCHLD_REAP,   /* ... and reaps with waitpid(-1) */
	PH_SIGCHLD_IGNORE, /* SIG_IGN: children reap themselves */
};
struct ph_pam_result {
	int rv;	      /* pam_open_session's result */
	long long ms; /* its duration */
	int sigchld;  /* SIGCHLDs the process got meanwhile (COUNT, REAP) */
};

/* Fork a process that, in a process group of its own (a job, as a shell
 * starts su), with that SIGCHLD disposition, after joining `cgroup` (a
 * cgroup directory, or NULL), as `who`, runs pam_open_session through
 * `service` as PH_USER; it is not waited for. ph_pam_finish() waits for
 * it (bounded; it must exit 0) and returns the PAM result, and the rest
 * into `out` (may be NULL). ph_fini() kills what a failed test left. */
pid_t ph_pam_process(const char *service, enum ph_who who,
		     enum ph_sigchld sigchld, const char *cgroup);
int ph_pam_finish(pid_t pid, int limit_ms, struct ph_pam_result *out);
void ph_setuid_fini(void);

/* The pid owning a flock(2) lock on `path` (from /proc/locks), 0 if none;
 * ph_wait_flock_owner waits (bounded) until there is one, and kills it
 * at ph_fini() if it outlives the test. */
pid_t ph_flock_owner(const char *path);
pid_t ph_wait_flock_owner(const char *path);
/* The state letter of /proc/PID/stat ('T' stopped, 'Z' zombie), or 0;
 * wait (bounded) for 'T'. */
char ph_proc_state(pid_t pid);
void ph_wait_stopped(pid_t pid);
/* The line `name` ("Uid:", "Gid:") of /proc/PID/status, tabs and the
 * newline as spaces: "Uid: 0 0 0 0 ". malloc'd. */
char *ph_status_line(pid_t pid, const char *name);
/* A blocking write lock on fd as the pool's other writers take it:
 * flock(LOCK_EX) (cloud-init) or, with posix, fcntl(F_SETLKW) on the
 * whole file (hv_kvp_daemon); given up after `ms`. Granted? */
bool ph_lock_within(int fd, bool posix, int ms);

#endif

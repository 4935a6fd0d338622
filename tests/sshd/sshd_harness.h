/* sshd_harness.h - a real OpenSSH sshd on 127.0.0.1 whose PAM stack loads
 * pam_kvp.so, and the real ssh client logging in to it.
 *
 * Per test (Criterion runs each test in a worker of its own), under one
 * temporary directory: host and user keys made by ssh-keygen, an
 * sshd_config (UsePAM yes, StrictModes no, a free port), a private PAM
 * service directory read through pam_wrapper (`sshd`: pam_matrix for the
 * password, pam_kvp as in conf/pam.d/sshd; `other`: pam_deny), a fake
 * passwd/group for nss_wrapper (root, the real `sshd` privsep user, the
 * test user with its home here), pam_kvp.conf with pool_dir here, and a
 * fake system root for the VM id (KVP_TEST_SYSROOT in sshd's
 * environment: product_uuid SH_SMBIOS on a Gen1 VM, so the records'
 * vm_id is SH_VM_ID, byte-swapped as azure-init does). sshd
 * runs as root, `-D -e`, its log in the directory; it is stopped and
 * reaped, with every process it forked, at teardown.
 *
 * The only path outside the directory: /run/sshd, sshd's privsep chroot,
 * which is created (0755) when missing. Needs root.
 *
 * Under check-asan the module is ASan-instrumented and sshd is not: the
 * test process's own libasan is preloaded into sshd first, with leak
 * detection off (LeakSanitizer's exit-time scan is killed by the seccomp
 * sandbox of sshd's pre-auth child) and every ASan/UBSan report written
 * to the directory, where sh_teardown() fails the test on any.
 */
#ifndef KVP_SSHD_HARNESS_H
#define KVP_SSHD_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SH_USER		  "kvpuser"
#define SH_UID		  4242
#define SH_PASSWORD	  "Otter-Lamp-5531-secret" /* pam_matrix's */
#define SH_WRONG_PASSWORD "Heron-Wrong-2207-guess"
#define SH_SMBIOS	  "550e8400-e29b-41d4-a716-446655440000"
#define SH_VM_ID	  "00840e55-9be2-d441-a716-446655440000"
#define SH_AGENT	  "pam_kvp/" KVP_VERSION

/* Every event the stack can record (libconfig list items). */
#define SH_ALL_EVENTS                                                          \
	"\"auth\", \"auth_fail\", \"account\", \"session_open\", "             \
	"\"session_close\""

struct sh {
	char *root;	/* the temporary directory, removed at teardown */
	char *pool_dir; /* pam_kvp's pool_dir */
	char *log;	/* sshd's stderr (LogLevel DEBUG) */
	char *key;	/* the test user's private key */
	char *config;	/* sshd_config */
	char *authorized_keys;
	char *svc_dir; /* PAM service files (PAM_WRAPPER_SERVICE_DIR) */
	char *module;  /* pam_kvp.so, absolute */
	int port;
	bool asan; /* sshd runs with this process's libasan preloaded */
};
extern struct sh sh;

/* Set up everything and start sshd. `events`: the text of pam_kvp.conf's
 * events list (e.g. SH_ALL_EVENTS), or NULL to leave the setting out (the
 * documented default). */
void sh_setup(const char *events);
/* Stop sshd and everything it forked, remove the directory (and
 * pam_wrapper's copies of our service files); then fail the test if
 * sshd's processes left sanitizer reports or pam_kvp logged an error
 * ("... event not recorded", on sshd's stderr through pam_wrapper). */
void sh_teardown(void);

/* What a client run gave. */
struct sh_run {
	int status; /* exit code, or 128 + signal */
	char *out;
	char *err;
};
void sh_run_free(struct sh_run *r);

/* ssh -i <key> SH_USER@127.0.0.1 `command` (publickey only, BatchMode). */
void sh_ssh_key(const char *command, struct sh_run *r);
/* The same through sshpass with `password` (password only, one prompt). */
void sh_ssh_password(const char *password, const char *command,
		     struct sh_run *r);
/* A key login left running, for overlapping sessions: start it, then
 * finish it (bounded) into `r`. */
struct sh_bg;
struct sh_bg *sh_ssh_key_start(const char *command);
void sh_ssh_finish(struct sh_bg *bg, struct sh_run *r);

/* Our records in the pool (kvp_event_list: oldest first), each value
 * parsed and checked against DESIGN.md section 5's shape (JSON object,
 * "v":1) and its key against the value: a legacy key's event and service
 * "sshd"; a DIAG key's agent SH_AGENT, vm_id SH_VM_ID, kind, name
 * "pam:sshd:<what>" and result as the event maps to, event_id the
 * value's session (when it has one), timestamp its time, encoding none,
 * chunk 0, a finish's duration its duration_s to six digits. */
struct sh_recs {
	size_t n;
	char **keys;
	json_t **v;
};
void sh_recs(struct sh_recs *out);
void sh_recs_free(struct sh_recs *recs);
/* How many records of `event`; the i-th (from 0) of them, or fail. */
size_t sh_count(const struct sh_recs *recs, const char *event);
json_t *sh_nth(const struct sh_recs *recs, const char *event, size_t i);
/* Wait (at most timeout_ms, woken by inotify on the pool directory) until
 * the pool holds at least `n` records of `event`; then *out holds all. */
void sh_wait_for(const char *event, size_t n, int timeout_ms,
		 struct sh_recs *out);
/* One line per record, for failure messages; malloc'd. */
char *sh_recs_text(const struct sh_recs *recs);

/* The fields every record of the test user's logins carries: service
 * "sshd", user, rhost "127.0.0.1", tty "ssh" (sshd's PAM_TTY, pty or
 * not), uid SH_UID, `result`, a pid other than ours, host, this boot's
 * boot_id, an RFC 3339 time, nothing truncated. */
void sh_assert_fields(const json_t *v, const char *result);
/* A session_open / session_close pair: both sh_assert_fields(..,
 * "success"), one version 4 uuid and one pid in both, duration_s only at
 * the close, at least min_duration_s (and less than a minute more). */
void sh_assert_session(const json_t *open, const json_t *close,
		       double min_duration_s);

/* The key of record `v` of recs, and its field n ('|'-separated, from
 * 0; malloc'd). */
const char *sh_key_of(const struct sh_recs *recs, const json_t *v);
char *sh_key_field(const char *key, int n);
/* A session as the host reads it: the DIAG keys of `open` and `close`
 * are one start and one finish of name "pam:sshd:session" with the same
 * event_id (the session id), the finish with result success and a
 * duration ("<s>.<6 digits>") of at least min_duration_s. */
void sh_assert_diag_session(const struct sh_recs *recs, const json_t *open,
			    const json_t *close, double min_duration_s);
/* `kvpctl --dir <pool> <command>` (the KVPCTL program: "events",
 * "dump"), its output; malloc'd. */
char *sh_kvpctl(const char *command);

/* A string member, or fail naming the record. */
const char *sh_str(const json_t *v, const char *name);
/* True when any record's raw bytes contain `needle` (the pool file is
 * read whole, other writers' records too). */
bool sh_pool_contains(const char *needle);
/* The tail of sshd's log, for failure messages; malloc'd. */
char *sh_log_tail(void);

#endif

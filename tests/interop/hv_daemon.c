/* hv_daemon.c - start, register and stop the real hv_kvp_daemon (see
 * hv_daemon.h).
 *
 * Why a mount namespace rather than path rewriting in the shim: the daemon
 * reaches its pool files through access, mkdir, open and stdio's fopen
 * (whose internal open cannot be interposed), and it hard-codes
 * /var/lib/hyperv. Bind-mounting a private directory over /var/lib in a
 * namespace of its own gives it the real paths with no change to how it
 * opens, locks, truncates or rewrites them, and makes touching the real
 * /var/lib/hyperv impossible rather than merely avoided. It needs root
 * (CAP_SYS_ADMIN), which the interop suite requires anyway.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv_daemon.h"
#include "test_util.h"

#define DEFAULT_DAEMON	    "/usr/sbin/hv_kvp_daemon"
#define REGISTER_TIMEOUT_MS 20000 /* it resolves its FQDN first */
#define STOP_GRACE_MS	    3000
#define PAUSE_TIMEOUT_MS    10000
#define MAX_DAEMONS	    4
#define DRIVER_VERSION	    "3.1" /* what hv_utils sends (HV_DRV_VERSION) */

extern char **environ;

static struct hv_daemon *daemons[MAX_DAEMONS];

double hv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *daemon_path(void)
{
	const char *p = getenv("HV_KVP_DAEMON");

	return p && *p ? p : DEFAULT_DAEMON;
}

/* environ without our variables, plus ours; NULL-terminated, malloc'd. */
static char **child_env(const char *const *extra)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	for (size_t i = 0; extra[i]; i++)
		k++;
	env = calloc(n + k + 1, sizeof(*env));
	cr_assert_not_null(env);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "HV_SHIM_", 8) != 0 &&
		    strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			env[k++] = environ[i];
	for (size_t i = 0; extra[i]; i++)
		env[k++] = (char *)extra[i];
	return env;
}

/* In the child: private mounts, <dir>/varlib over /var/lib, then exec.
 * Never returns; any failure exits before the daemon could run. */
static void child(struct hv_daemon *d, const char *varlib, int log_fd,
		  const int keep[], char **env, pid_t parent)
{
	const char *daemon = daemon_path();
	/* Through sh, which `make check-valgrind` does not trace (nor what
	 * it execs): valgrind checks our processes, not the daemon, which
	 * writes uninitialised bytes of its own (its REGISTER1 message is a
	 * stack buffer with one field set; records it appends are padded
	 * with whatever malloc returned). The exec keeps the pid. */
	char *const argv[] = {"/bin/sh", "-c", "exec \"$0\" -n", (char *)daemon,
			      NULL};
	struct stat want, got;
	int null_fd = open("/dev/null", O_RDONLY);

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(126);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
	    dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
		_exit(126);
	umask(022); /* systemd's default for the service */
	if (stat(d->pool_dir, &want) == -1) {
		dprintf(2, "harness: stat %s: %s\n", d->pool_dir,
			strerror(errno));
		_exit(120);
	}
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount(varlib, "/var/lib", "none", MS_BIND, NULL) == -1) {
		dprintf(2, "harness: private /var/lib: %s (needs root)\n",
			strerror(errno));
		_exit(121);
	}
	if (stat("/var/lib/hyperv", &got) == -1 || got.st_dev != want.st_dev ||
	    got.st_ino != want.st_ino) {
		dprintf(2, "harness: /var/lib/hyperv is not %s\n", d->pool_dir);
		_exit(122);
	}
	for (int i = 0; keep[i] >= 0; i++)
		if (fcntl(keep[i], F_SETFD, 0) == -1)
			_exit(123);
	execve(argv[0], argv, env);
	dprintf(2, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void fail_with_log(struct hv_daemon *d, const char *what)
{
	char *log = hv_log(d);

	cr_log_error("hv_kvp_daemon log:\n%s", log);
	free(log);
	cr_assert_fail("%s", what);
}

/* The daemon's REGISTER1, then the driver's answer with its version. */
static void handshake(struct hv_daemon *d)
{
	static struct hvw_msg msg;
	struct pollfd pfd = {.fd = d->host_fd, .events = POLLIN};
	ssize_t n;

	if (poll(&pfd, 1, REGISTER_TIMEOUT_MS) != 1)
		fail_with_log(d, "hv_kvp_daemon did not register in time");
	n = recv(d->host_fd, &msg, sizeof(msg), 0);
	if (n != (ssize_t)sizeof(msg))
		fail_with_log(d, "hv_kvp_daemon did not start (no "
				 "registration message)");
	cr_assert_eq(msg.hdr.operation, HVW_OP_REGISTER1, "registration op %d",
		     msg.hdr.operation);
	memset(&msg, 0, sizeof(msg));
	msg.hdr.operation = HVW_OP_REGISTER1;
	strcpy((char *)msg.body.version, DRIVER_VERSION);
	cr_assert_eq(send(d->host_fd, &msg, sizeof(msg), MSG_NOSIGNAL),
		     (ssize_t)sizeof(msg), "send: %s", strerror(errno));
	d->lic_version = strdup(DRIVER_VERSION);
}

static struct hv_daemon *new_daemon(void)
{
	for (int i = 0; i < MAX_DAEMONS; i++) {
		if (!daemons[i]) {
			daemons[i] = calloc(1, sizeof(**daemons));
			cr_assert_not_null(daemons[i]);
			return daemons[i];
		}
	}
	cr_assert_fail("more than %d daemons", MAX_DAEMONS);
	return NULL;
}

struct hv_daemon *hv_start(int flags)
{
	struct hv_daemon *d = new_daemon();
	char *shim = tu_helper("hv_shim.so");
	char *varlib, *win_path, *extra[6] = {NULL};
	int dev[2], pause[2] = {-1, -1}, win_w = -1, log_fd, keep[4], nkeep = 0;
	size_t ne = 0;
	char **env;
	pid_t parent = getpid();

	d->host_fd = d->pause_fd = d->window_fd = -1;
	cr_assert_eq(access(daemon_path(), X_OK), 0,
		     "%s: %s (install hyperv-daemons: sh .ci/install-deps "
		     "interop)",
		     daemon_path(), strerror(errno));
	cr_assert_eq(access(shim, R_OK), 0, "%s: %s", shim, strerror(errno));
	d->dir = tu_mkdtemp();
	varlib = tu_path(d->dir, "varlib");
	d->pool_dir = tu_path(varlib, "hyperv");
	d->log_path = tu_path(d->dir, "daemon.log");
	cr_assert_eq(mkdir(varlib, 0755), 0);
	cr_assert_eq(mkdir(d->pool_dir, 0755), 0);
	log_fd =
	    open(d->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	cr_assert(log_fd >= 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, dev),
		     0, "socketpair: %s", strerror(errno));
	keep[nkeep++] = dev[1];
	cr_assert(asprintf(&extra[ne++], "HV_SHIM_FD=%d", dev[1]) > 0);
	if (flags & HV_WITH_PAUSE) {
		cr_assert_eq(
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pause),
		    0);
		keep[nkeep++] = pause[1];
		cr_assert(asprintf(&extra[ne++], "HV_SHIM_PAUSE_FD=%d",
				   pause[1]) > 0);
	}
	if (flags & HV_WITH_WINDOWS) {
		win_path = tu_path(d->dir, "windows.bin");
		win_w = open(win_path,
			     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		d->window_fd = open(win_path, O_RDONLY | O_CLOEXEC);
		cr_assert(win_w >= 0 && d->window_fd >= 0);
		free(win_path);
		keep[nkeep++] = win_w;
		cr_assert(
		    asprintf(&extra[ne++], "HV_SHIM_WINDOW_FD=%d", win_w) > 0);
	}
	keep[nkeep] = -1;
	/* Only the shim: the daemon needs none of the test's preloads. */
	cr_assert(asprintf(&extra[ne++], "LD_PRELOAD=%s", shim) > 0);
	env = child_env((const char *const *)extra);

	d->pid = fork();
	cr_assert(d->pid >= 0, "fork: %s", strerror(errno));
	if (d->pid == 0)
		child(d, varlib, log_fd, keep, env, parent);
	close(log_fd);
	close(dev[1]);
	if (pause[1] >= 0)
		close(pause[1]);
	if (win_w >= 0)
		close(win_w);
	d->host_fd = dev[0];
	d->pause_fd = pause[0];
	for (size_t i = 0; i < ne; i++)
		free(extra[i]);
	free(env);
	free(varlib);
	free(shim);
	handshake(d);
	return d;
}

int hv_stop(struct hv_daemon *d)
{
	int status = -1;
	double until;

	if (!d || d->pid <= 0)
		return -1;
	/* Hang up: its read fails, the reopen gets ENODEV, it exits. */
	if (d->host_fd >= 0)
		close(d->host_fd);
	if (d->pause_fd >= 0)
		close(d->pause_fd);
	d->host_fd = d->pause_fd = -1;
	until = hv_now_ms() + STOP_GRACE_MS;
	while (waitpid(d->pid, &status, WNOHANG) == 0) {
		if (hv_now_ms() > until) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			break;
		}
		nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
	}
	d->pid = 0;
	return status;
}

void hv_stop_all(void)
{
	for (int i = 0; i < MAX_DAEMONS; i++) {
		struct hv_daemon *d = daemons[i];

		if (!d)
			continue;
		hv_stop(d);
		if (d->window_fd >= 0)
			close(d->window_fd);
		tu_rmtree(d->dir);
		free(d->dir);
		free(d->pool_dir);
		free(d->log_path);
		free(d->lic_version);
		free(d);
		daemons[i] = NULL;
	}
}

char *hv_pool_path(const struct hv_daemon *d, kvp_pool pool)
{
	return tu_path(d->pool_dir, kvp_pool_file_name(pool));
}

kvp_store *hv_store(const struct hv_daemon *d, kvp_pool pool, kvp_mode mode)
{
	kvp_store *s = NULL;

	cr_assert_eq(kvp_store_new(&s, pool, d->pool_dir, mode), 0, "%s",
		     kvp_error_last()->message);
	return s;
}

char *hv_log(const struct hv_daemon *d)
{
	size_t len;
	unsigned char *buf = tu_read_file(d->log_path, &len);

	if (!buf)
		return strdup("");
	buf[len] = '\0';
	return (char *)buf;
}

struct hv_window *hv_windows(const struct hv_daemon *d, size_t *count)
{
	struct stat st;
	struct hv_window *w;
	ssize_t n;

	*count = 0;
	cr_assert(d->window_fd >= 0, "daemon started without HV_WITH_WINDOWS");
	cr_assert_eq(fstat(d->window_fd, &st), 0);
	w = malloc((size_t)st.st_size + sizeof(*w));
	cr_assert_not_null(w);
	n = pread(d->window_fd, w, (size_t)st.st_size, 0);
	cr_assert_eq(n, st.st_size);
	*count = (size_t)n / sizeof(*w);
	return w;
}

static void pause_send(struct hv_daemon *d, char c)
{
	cr_assert(d->pause_fd >= 0, "daemon started without HV_WITH_PAUSE");
	cr_assert_eq(send(d->pause_fd, &c, 1, MSG_NOSIGNAL), 1, "pause: %s",
		     strerror(errno));
}

void hv_pause_arm(struct hv_daemon *d)
{
	pause_send(d, 'A');
}

void hv_pause_wait(struct hv_daemon *d)
{
	struct pollfd pfd = {.fd = d->pause_fd, .events = POLLIN};
	char c = 0;

	cr_assert(d->pause_fd >= 0, "daemon started without HV_WITH_PAUSE");
	if (poll(&pfd, 1, PAUSE_TIMEOUT_MS) != 1 ||
	    recv(d->pause_fd, &c, 1, 0) != 1 || c != 'P')
		fail_with_log(d, "the daemon did not reach its pause");
}

void hv_pause_release(struct hv_daemon *d)
{
	pause_send(d, 'C');
}

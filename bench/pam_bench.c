/* pam_bench.c - what pam_kvp adds to a login: the time of one
 * pam_open_session() + pam_close_session() pair on a new handle (as every
 * sshd login has), through a stack with pam_kvp against the same stack
 * with pam_permit only, both run through the real libpam from a private
 * service directory (pam_start_confdir, no preload). The default budgets
 * (max_records 256, max_failures 128) apply.
 *
 *   pam_bench MODULE_PATH [RUNS]
 *   pam_bench --strace MODULE_PATH   one session_open at steady state
 *                                    between two marker calls
 *   pam_bench --profile MODULE_PATH N  N steady-state pairs of the pam_kvp
 *                                    stack only, untimed (for perf record)
 *
 * Rows: a pool below the budgets (each event one append); steady state
 * (200 records of other writers and our budget full: each event one
 * append, a batch eviction every max_records/8 events); and a flood of
 * 10,000 failed logins (pam_authenticate through event=auth_fail, 100
 * user names from 50 addresses, against pam_deny), in the same pool. One
 * more row runs the steady-state pairs all on one handle per stack, where
 * the libraries stay loaded and the handle's settings are reused. The
 * last rows run each pair in a new process (as sshd-session does per
 * login): pam_start loads the modules there, and the pair pays the first
 * touch of their pages and the first read of the config; the very last
 * row times pam_start and pam_end too, all that a login's process pays.
 * Run as root, a row of steady-state pairs from a setuid-root caller (su,
 * passwd: real uid nobody), whose record a forked root child writes.
 * The row after steady state puts a module that does nothing
 * (pam_noop.so, beside this binary) where pam_kvp's lines are: what
 * libpam itself charges for one more module, which is part of every
 * "added" figure and which no module can avoid.
 */
#include <fcntl.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RECORD	 2560
#define KEY_SIZE 512
#define FOREIGN	 200
#define FLOOD	 10000

static char dir[] = "/tmp/kvp-pam-bench.XXXXXX";
static const char *security_dir;
static char services[600], pool[600], noop[1100];

static int no_conv(int n, const struct pam_message **msg,
		   struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static void write_text(const char *name, const char *text)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static pam_handle_t *start(const char *service, const char *user,
			   const char *rhost)
{
	static struct pam_conv conv = {no_conv, NULL};
	pam_handle_t *ph = NULL;

	if (pam_start_confdir(service, user, &conv, services, &ph) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir %s failed\n", service);
		exit(1);
	}
	pam_set_item(ph, PAM_RHOST, rhost);
	pam_set_item(ph, PAM_TTY, "ssh");
	return ph;
}

static void check(pam_handle_t *ph, const char *what, int r, int want)
{
	if (r != want) {
		fprintf(stderr, "%s: %s\n", what, pam_strerror(ph, r));
		exit(1);
	}
}

/* One open+close pair of `service` on a new handle; its time (us), and
 * in *whole (if not NULL) the time from before pam_start to after
 * pam_end. */
static double pair_whole(const char *service, double *whole)
{
	double t00 = now_us();
	pam_handle_t *ph = start(service, "nobody", "203.0.113.7");
	double t0 = now_us(), t;
	int r = pam_open_session(ph, 0);

	check(ph, "pam_open_session", r, PAM_SUCCESS);
	r = pam_close_session(ph, 0);
	t = now_us() - t0;
	check(ph, "pam_close_session", r, PAM_SUCCESS);
	pam_end(ph, r);
	if (whole)
		*whole = now_us() - t00;
	return t;
}

static double pair(const char *service)
{
	return pair_whole(service, NULL);
}

/* Failed login i of the flood: its time (us). */
static double failure(const char *service, int i)
{
	char user[16], rhost[32];
	pam_handle_t *ph;
	double t0, t;
	int r;

	snprintf(user, sizeof(user), "user%02d", i % 100);
	snprintf(rhost, sizeof(rhost), "203.0.113.%d", i % 50);
	ph = start(service, user, rhost);
	t0 = now_us();
	r = pam_authenticate(ph, 0);
	t = now_us() - t0;
	check(ph, "pam_authenticate", r, PAM_AUTH_ERR);
	pam_end(ph, r);
	return t;
}

struct stats {
	double median, p99;
};

static struct stats stats(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return (struct stats){t[n / 2], t[n * 99 / 100]};
}

static void row(const char *label, struct stats base, struct stats kvp)
{
	printf("%-36s %8.1f %8.1f %8.1f %8.1f %9.1f %9.1f\n", label,
	       base.median, base.p99, kvp.median, kvp.p99,
	       kvp.median - base.median, kvp.p99 - base.p99);
}

/* `runs` pairs of the `base` and `service` stacks, interleaved so that
 * both see the same machine; the pool is emptied every `reset` pairs (0:
 * never), untimed. */
static void run_pairs(const char *label, const char *base, const char *service,
		      int runs, int reset)
{
	double *a = calloc((size_t)runs, sizeof(*a));
	double *b = calloc((size_t)runs, sizeof(*b));

	for (int i = 0; i < runs; i++) {
		if (reset && i % reset == 0 && truncate(pool, 0) != 0) {
			perror(pool);
			exit(1);
		}
		a[i] = pair(base);
		b[i] = pair(service);
	}
	row(label, stats(a, runs), stats(b, runs));
	free(a);
	free(b);
}

/* The same pairs, all on one handle per stack (sshd's auth, account,
 * open and close share one): what an event costs once the handle's
 * first call has loaded the libraries and read the config. */
static void run_same_handle(const char *label, int runs)
{
	double *a = calloc((size_t)runs, sizeof(*a));
	double *b = calloc((size_t)runs, sizeof(*b));
	pam_handle_t *pa = start("permit", "nobody", "203.0.113.7");
	pam_handle_t *pb = start("kvp", "nobody", "203.0.113.7");

	for (int i = 0; i < runs; i++) {
		double *t[2] = {&a[i], &b[i]};
		pam_handle_t *ph[2] = {pa, pb};

		for (int k = 0; k < 2; k++) {
			double t0 = now_us();
			check(ph[k], "pam_open_session",
			      pam_open_session(ph[k], 0), PAM_SUCCESS);
			check(ph[k], "pam_close_session",
			      pam_close_session(ph[k], 0), PAM_SUCCESS);
			*t[k] = now_us() - t0;
		}
	}
	pam_end(pa, PAM_SUCCESS);
	pam_end(pb, PAM_SUCCESS);
	row(label, stats(a, runs), stats(b, runs));
	free(a);
	free(b);
}

/* Steady-state pairs from a setuid-root caller (real uid nobody,
 * effective and saved uid 0, as su and passwd run), in a child process
 * that takes those ids: pam_kvp writes through a forked root child there
 * (pam_kvp/writer.c). Only when run as root. */
static void run_setuid(const char *label, int runs)
{
	pid_t pid;
	int status;

	if (getuid() != 0 || geteuid() != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		if (setresuid(65534, 0, 0) != 0) {
			perror("setresuid");
			_exit(1);
		}
		run_pairs(label, "permit", "kvp", runs, 0);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s failed\n", label);
		exit(1);
	}
}

static void run_flood(const char *label)
{
	double *a = calloc(FLOOD, sizeof(*a)), *b = calloc(FLOOD, sizeof(*b));

	for (int i = 0; i < FLOOD; i++) {
		a[i] = failure("deny", i);
		b[i] = failure("kvp", i);
	}
	row(label, stats(a, FLOOD), stats(b, FLOOD));
	free(a);
	free(b);
}

/* `runs` pairs of each stack, each in a new process (pam_bench --one):
 * two rows, the pair alone and the pair with the pam_start before it
 * (where libpam loads the modules and their libraries) and the pam_end
 * after it, all that one login's process pays. */
static void run_fresh(const char *label, const char *whole_label,
		      const char *self, int runs)
{
	double *a = calloc((size_t)runs, sizeof(*a));
	double *b = calloc((size_t)runs, sizeof(*b));
	double *wa = calloc((size_t)runs, sizeof(*wa));
	double *wb = calloc((size_t)runs, sizeof(*wb));
	char cmd[1600];

	for (int i = 0; i < runs; i++) {
		double *t[2] = {&a[i], &b[i]}, *w[2] = {&wa[i], &wb[i]};
		const char *service[2] = {"permit", "kvp"};

		for (int k = 0; k < 2; k++) {
			FILE *f;

			snprintf(cmd, sizeof(cmd), "'%s' --one '%s' %s", self,
				 dir, service[k]);
			f = popen(cmd, "r");
			if (!f || fscanf(f, "%lf %lf", t[k], w[k]) != 2 ||
			    pclose(f) != 0) {
				fprintf(stderr, "%s failed\n", cmd);
				exit(1);
			}
		}
	}
	row(label, stats(a, runs), stats(b, runs));
	row(whole_label, stats(wa, runs), stats(wb, runs));
	free(a);
	free(b);
	free(wa);
	free(wb);
}

/* Other writers' records appended to the pool, as cloud-init and the
 * daemon leave them. */
static void plant_foreign(void)
{
	unsigned char rec[RECORD];
	int fd = open(pool, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0) {
		perror(pool);
		exit(1);
	}
	for (int i = 0; i < FOREIGN; i++) {
		memset(rec, 0, sizeof(rec));
		snprintf((char *)rec, KEY_SIZE, "CLOUD_INIT|%d|init|start", i);
		snprintf((char *)rec + KEY_SIZE, RECORD - KEY_SIZE,
			 "{\"msg\":\"provisioning step %d\"}", i);
		if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec)) {
			perror(pool);
			exit(1);
		}
	}
	close(fd);
}

static void setup(const char *module)
{
	char text[4096];

	security_dir = getenv("PAM_SECURITY_DIR");
	if (!security_dir)
		security_dir = "/lib/x86_64-linux-gnu/security";
	if (!mkdtemp(dir))
		exit(1);
	snprintf(services, sizeof(services), "%s/services", dir);
	snprintf(pool, sizeof(pool), "%s/pool/.kvp_pool_1", dir);
	if (mkdir(services, 0755) != 0)
		exit(1);
	snprintf(text, sizeof(text), "pool_dir = \"%s/pool\";\n", dir);
	write_text("kvp.conf", text);
	snprintf(text, sizeof(text),
		 "session required %s/pam_permit.so\n"
		 "auth required %s/pam_permit.so\n",
		 security_dir, security_dir);
	write_text("services/permit", text);
	write_text("services/other", text);
	snprintf(text, sizeof(text), "auth required %s/pam_deny.so\n",
		 security_dir);
	write_text("services/deny", text);
	snprintf(text, sizeof(text),
		 "auth required %s config=%s/kvp.conf event=auth_fail\n"
		 "session optional %s config=%s/kvp.conf\n"
		 "session required %s/pam_permit.so\n",
		 module, dir, module, dir, security_dir);
	write_text("services/kvp", text);
	if (noop[0]) {
		snprintf(text, sizeof(text),
			 "auth required %s\n"
			 "session optional %s\n"
			 "session required %s/pam_permit.so\n",
			 noop, noop, security_dir);
		write_text("services/noop", text);
	}
}

static int cleanup(void)
{
	char text[700];

	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	return system(text) == 0 ? 0 : 1;
}

/* The pool at steady state: other writers' records, our budget full. */
static void steady_state(void)
{
	if (truncate(pool, 0) != 0)
		exit(1);
	plant_foreign();
	for (int i = 0; i < 300; i++) /* 600 records: past max_records */
		pair("kvp");
}

int main(int argc, char **argv)
{
	char self[1024];
	ssize_t n;
	int runs;

	if (argc == 4 && strcmp(argv[1], "--one") == 0) {
		/* A child of run_fresh(): one pair on a new handle; its
		 * time, then with pam_start and pam_end. */
		double whole, t;

		snprintf(dir, sizeof(dir), "%s", argv[2]);
		snprintf(services, sizeof(services), "%s/services", dir);
		snprintf(pool, sizeof(pool), "%s/pool/.kvp_pool_1", dir);
		t = pair_whole(argv[3], &whole);
		printf("%.1f %.1f\n", t, whole);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--strace") == 0) {
		pam_handle_t *ph;
		setup(argv[2]);
		pair("kvp"); /* creates the pool */
		steady_state();
		ph = start("kvp", "nobody", "203.0.113.7");
		access("kvp-bench-start", F_OK);
		pam_open_session(ph, 0);
		access("kvp-bench-end", F_OK);
		pam_end(ph, PAM_SUCCESS);
		return cleanup();
	}
	if (argc == 4 && strcmp(argv[1], "--profile") == 0) {
		setup(argv[2]);
		pair("kvp");
		steady_state();
		for (int i = atoi(argv[3]); i > 0; i--)
			pair("kvp");
		return cleanup();
	}
	runs = argc > 2 ? atoi(argv[2]) : 1000;
	if (argc < 2 || runs < 100 || runs > 100000) {
		fprintf(stderr,
			"usage: pam_bench MODULE_PATH [RUNS 100-100000]\n"
			"       pam_bench --strace MODULE_PATH\n"
			"       pam_bench --profile MODULE_PATH N\n");
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		exit(1);
	self[n] = '\0';
	snprintf(noop, sizeof(noop), "%.*s/pam_noop.so",
		 (int)(strrchr(self, '/') - self), self);
	if (access(noop, R_OK) != 0) {
		perror(noop);
		exit(1);
	}
	setup(argv[1]);
	for (int i = 0; i < 50; i++) { /* warm up: loading, page cache */
		pair("permit");
		pair("kvp");
	}
	printf("microseconds per call on a new handle: %d session "
	       "open+close pairs, %d failed logins\n",
	       runs, FLOOD);
	printf("%-36s %8s %8s %8s %8s %9s %9s\n", "", "permit", "p99",
	       "+pam_kvp", "p99", "added", "added p99");
	/* 100 pairs are 200 records: far below max_records = 256. */
	run_pairs("below the budgets (open+close)", "permit", "kvp", runs, 100);
	steady_state();
	run_pairs("steady state, 200 foreign (open+close)", "permit", "kvp",
		  runs, 0);
	run_pairs("(a no-op module instead: libpam's part)", "permit", "noop",
		  runs, 0);
	run_same_handle("the same, all on one handle", runs);
	run_setuid("the same from a setuid caller (su)", runs / 5);
	run_flood("10,000-failure flood (auth, vs deny)");
	run_fresh("steady state, a new process per pair",
		  "  the same from pam_start to pam_end", self, runs / 5);
	return cleanup();
}

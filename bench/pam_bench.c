/* pam_bench.c - what pam_kvp adds to a login: the time of
 * pam_open_session() through a stack with pam_kvp against the same stack
 * with pam_permit only, both run through the real libpam from a private
 * service directory (pam_start_confdir, no preload).
 *
 *   pam_bench MODULE_PATH [RUNS]
 *
 * Prints the median and p99 of each stack and the median difference, for
 * a pool below max_records (each event one append), the same from a
 * setuid-root caller (real uid nobody, effective and saved uid 0, as su
 * and passwd run: the record is written by a forked root child; only when
 * run as root), and for a pool at max_records (each event also evicts
 * our oldest record).
 */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/kvp-pam-bench.XXXXXX";
static const char *security_dir;

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
	char path[512];
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

/* Median of `runs` pam_open_session() calls of `service`, each on a new
 * handle (as every sshd login has); p99 into *p99. */
static double time_open(const char *service, int runs, double *p99)
{
	struct pam_conv conv = {no_conv, NULL};
	double *t = calloc((size_t)runs, sizeof(*t));
	char services[300];
	double median;

	snprintf(services, sizeof(services), "%s/services", dir);
	for (int i = 0; i < runs; i++) {
		pam_handle_t *ph = NULL;
		double t0;
		int r;

		if (pam_start_confdir(service, "nobody", &conv, services,
				      &ph) != PAM_SUCCESS) {
			fprintf(stderr, "pam_start_confdir %s failed\n",
				service);
			exit(1);
		}
		pam_set_item(ph, PAM_RHOST, "203.0.113.7");
		pam_set_item(ph, PAM_TTY, "ssh");
		t0 = now_us();
		r = pam_open_session(ph, 0);
		t[i] = now_us() - t0;
		if (r != PAM_SUCCESS) {
			fprintf(stderr, "%s: pam_open_session: %s\n", service,
				pam_strerror(ph, r));
			exit(1);
		}
		pam_end(ph, r);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	median = t[runs / 2];
	*p99 = t[runs * 99 / 100];
	free(t);
	return median;
}

static void run(const char *label, const char *service, int runs)
{
	double p99_permit, p99_kvp, ignored;
	double permit, kvp;

	time_open("permit", 20, &ignored); /* warm up: loading, page cache */
	time_open(service, 20, &ignored);
	permit = time_open("permit", runs, &p99_permit);
	kvp = time_open(service, runs, &p99_kvp);
	printf("%-30s %8.1f %8.1f %8.1f %8.1f %10.1f\n", label, permit,
	       p99_permit, kvp, p99_kvp, kvp - permit);
}

static void write_stack(const char *name, const char *module, const char *conf)
{
	char text[1024], file[64];

	snprintf(text, sizeof(text),
		 "session optional %s config=%s/%s\n"
		 "session required %s/pam_permit.so\n",
		 module, dir, conf, security_dir);
	snprintf(file, sizeof(file), "services/%s", name);
	write_text(file, text);
}

int main(int argc, char **argv)
{
	char text[1024], pool[512];
	int runs = argc > 2 ? atoi(argv[2]) : 1000;
	double ignored;

	if (argc < 2 || runs < 100 || runs > 1000) {
		fprintf(stderr,
			"usage: pam_bench MODULE_PATH [RUNS 100-1000]\n");
		return 2;
	}
	security_dir = getenv("PAM_SECURITY_DIR");
	if (!security_dir)
		security_dir = "/lib/x86_64-linux-gnu/security";
	if (!mkdtemp(dir))
		return 1;
	snprintf(text, sizeof(text), "%s/services", dir);
	if (mkdir(text, 0755) != 0)
		return 1;

	/* Below the bound (max 1024, at most 1040 events written): every
	 * event is one append. At the bound (512, pre-filled): every event
	 * also reads the pool and evicts our oldest record. */
	snprintf(text, sizeof(text),
		 "pool_dir = \"%s/pool\";\nevents = [\"session_open\"];\n"
		 "max_records = 1024;\n",
		 dir);
	write_text("below.conf", text);
	snprintf(text, sizeof(text),
		 "pool_dir = \"%s/pool\";\nevents = [\"session_open\"];\n"
		 "max_records = 512;\n",
		 dir);
	write_text("full.conf", text);
	snprintf(text, sizeof(text),
		 "pool_dir = \"%s/pool_setuid\";\n"
		 "events = [\"session_open\"];\nmax_records = 1024;\n",
		 dir);
	write_text("setuid.conf", text);
	snprintf(text, sizeof(text), "session required %s/pam_permit.so\n",
		 security_dir);
	write_text("services/permit", text);
	write_text("services/other", text);
	write_stack("kvp_below", argv[1], "below.conf");
	write_stack("kvp_full", argv[1], "full.conf");
	write_stack("kvp_setuid", argv[1], "setuid.conf");

	printf("pam_open_session() in microseconds, %d runs each, one new "
	       "handle per run\n",
	       runs);
	printf("%-30s %8s %8s %8s %8s %10s\n", "pool", "permit", "p99",
	       "+pam_kvp", "p99", "added(med)");
	run("below max_records (append)", "kvp_below", runs);
	if (geteuid() == 0 && setresuid(65534, 0, 0) == 0) {
		run("the same, setuid caller (fork)", "kvp_setuid", runs);
		if (setresuid(0, 0, 0) != 0)
			return 1;
	}
	time_open("kvp_full", 600, &ignored); /* fill to the bound */
	run("at max_records=512 (evict)", "kvp_full", runs);

	snprintf(pool, sizeof(pool), "%s/pool/.kvp_pool_1", dir);
	unlink(pool);
	snprintf(pool, sizeof(pool), "%s/pool", dir);
	rmdir(pool);
	snprintf(pool, sizeof(pool), "%s/pool_setuid/.kvp_pool_1", dir);
	unlink(pool);
	snprintf(pool, sizeof(pool), "%s/pool_setuid", dir);
	rmdir(pool);
	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	return system(text) == 0 ? 0 : 1;
}

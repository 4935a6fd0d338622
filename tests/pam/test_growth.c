/* test_growth.c - what a login does to a shared pool: max_records evicts
 * our oldest records (by the key's time, in either format) and never
 * another writer's, whose bytes stay exactly as written, DIAG records of
 * other agents included; write = "append" versus "insert" (the 1024
 * unique key cap); clear_if_stale, which drops only our records of
 * earlier boots (by boot_id), whatever the clock did. Logins write the
 * default format, DIAG; planted records of ours are legacy or DIAG. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pam_harness.h"
#include "test_util.h"

/* Other writers' records, and a look-alike whose prefix is not ours. */
#define CI_KEY	 "PROVISIONING_REPORT|cloud-init|0001"
#define HV_KEY	 "HV|daemon"
#define LOOK_KEY "PAM_KVPX|session_open|sshd|20000101T000000.000Z|00000000"
/* Our records from earlier logins, written out of time order. */
#define OURS_2021 "PAM_KVP|session_open|sshd|20210101T000000.000Z|aaaaaaaa"
#define OURS_2020 "PAM_KVP|session_open|sshd|20200101T000000.000Z|bbbbbbbb"

static void setup(void)
{
	ph_init();
	ph_service("s", "session required {KVP}\nsession required {PERMIT}\n");
	ph_service("fail", "session required {KVP} on_error=fail\n"
			   "session required {PERMIT}\n");
	ph_service("authfail", "auth required {KVP} event=auth_fail\n");
}

TestSuite(growth, .init = setup, .fini = ph_fini);

/* How many whole records of the pool are byte for byte this one. */
static size_t copies_of(const char *key, const char *value)
{
	unsigned char rec[KVP_RECORD_SIZE];
	size_t len, n = 0;
	unsigned char *data = tu_read_file(ph.pool, &len);

	cr_assert_eq(len % KVP_RECORD_SIZE, 0, "torn pool: %zu bytes", len);
	tu_record(rec, key, value);
	for (size_t off = 0; off < len; off += KVP_RECORD_SIZE)
		n += memcmp(data + off, rec, KVP_RECORD_SIZE) == 0;
	free(data);
	return n;
}

static void login(void)
{
	struct timespec ts = {0, 3000000}; /* distinct ms in the keys */

	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	nanosleep(&ts, NULL);
}

Test(growth, max_records_evicts_our_oldest_and_never_touches_others)
{
	const char *const planted[] = {
	    CI_KEY,    "{\"msg\":\"provisioning done\"}",
	    OURS_2021, "{\"v\":1,\"event\":\"session_open\"}",
	    LOOK_KEY,  "not ours: the prefix differs",
	    OURS_2020, "{\"v\":1,\"event\":\"session_open\"}",
	    HV_KEY,    "round=7",
	    NULL};
	struct ph_recs recs;
	char *keys[4];

	tu_plant(ph.pool, planted);
	ph_config("max_records = 3;");
	for (int i = 0; i < 4; i++) {
		login();
		ph_recs(&recs);
		keys[i] = strdup(recs.r[recs.n - 1].key);
		cr_assert_leq(recs.n, 3, "login %d: %zu of ours", i, recs.n);
		ph_recs_free(&recs);
	}
	ph_recs(&recs);
	cr_assert_eq(recs.n, 3);
	for (int i = 0; i < 3; i++)
		cr_expect_str_eq(recs.r[i].key, keys[i + 1],
				 "the newest three must stay");
	ph_recs_free(&recs);
	cr_expect_eq(copies_of(OURS_2020, planted[7]), 0);
	cr_expect_eq(copies_of(OURS_2021, planted[3]), 0);
	cr_expect_eq(copies_of(CI_KEY, planted[1]), 1);
	cr_expect_eq(copies_of(LOOK_KEY, planted[5]), 1);
	cr_expect_eq(copies_of(HV_KEY, planted[9]), 1);
	cr_expect_eq(tu_file_size(ph.pool), 6 * KVP_RECORD_SIZE);
	for (int i = 0; i < 4; i++)
		free(keys[i]);
}

Test(growth, eviction_goes_by_the_keys_time_not_the_file_order)
{
	const char *const planted[] = {
	    OURS_2021, "{\"v\":1,\"event\":\"session_open\"}", OURS_2020,
	    "{\"v\":1,\"event\":\"session_open\"}", NULL};
	struct ph_recs recs;

	tu_plant(ph.pool, planted);
	ph_config("max_records = 2;");
	login();
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	cr_expect_str_eq(recs.r[0].key, OURS_2021);
	cr_expect_eq(strncmp(recs.r[1].key, "DIAG|" PH_AGENT "|", 19), 0, "%s",
		     recs.r[1].key);
	ph_recs_free(&recs);
}

#define DIAG_OLD(agent, kind, name, when)                                      \
	"DIAG|" agent "|" PH_SMBIOS "|" kind "|" name                          \
	"|0b6e0c3e-53c5-4a0e-9a7e-3f1d2c4b5a69|" when "|none|success||0"
/* azure-init's record and look-alikes: never ours, however old. */
#define AZ_DIAG                                                                \
	DIAG_OLD("azure-init/0.1.1", "event", "provision",                     \
		 "2019-01-01T00:00:00Z")
#define LIKE_DIAG                                                              \
	DIAG_OLD("pam_kvpx/1", "event", "pam:s:auth", "2019-01-01T00:00:00Z")
#define NAME_DIAG                                                              \
	DIAG_OLD(PH_AGENT, "event", "backup:run", "2019-01-01T00:00:00Z")
/* Ours, from earlier logins of another version. */
#define OURS_DIAG_2020                                                         \
	DIAG_OLD("pam_kvp/0.0.9", "event", "pam:sshd:account",                 \
		 "2020-06-01T00:00:00.000Z")

Test(growth, diag_records_of_ours_are_evicted_and_of_others_never)
{
	const char *const planted[] = {AZ_DIAG,
				       "azure",
				       OURS_DIAG_2020,
				       "{\"v\":1,\"event\":\"account\"}",
				       LIKE_DIAG,
				       "look-alike",
				       OURS_2021,
				       "{\"v\":1,\"event\":\"session_open\"}",
				       NAME_DIAG,
				       "other name",
				       NULL};
	struct ph_recs recs;

	tu_plant(ph.pool, planted);
	ph_config("max_records = 2;");
	login();
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	cr_expect_str_eq(recs.r[0].key, OURS_2021);
	ph_recs_free(&recs);
	cr_expect_eq(copies_of(OURS_DIAG_2020, planted[3]), 0);
	cr_expect_eq(copies_of(AZ_DIAG, "azure"), 1);
	cr_expect_eq(copies_of(LIKE_DIAG, "look-alike"), 1);
	cr_expect_eq(copies_of(NAME_DIAG, "other name"), 1);
	login();
	ph_recs(&recs);
	cr_assert_eq(recs.n, 2);
	cr_expect_eq(strncmp(recs.r[0].key, "DIAG|" PH_AGENT "|", 19), 0);
	cr_expect_eq(strncmp(recs.r[1].key, "DIAG|" PH_AGENT "|", 19), 0);
	ph_recs_free(&recs);
	cr_expect_eq(copies_of(AZ_DIAG, "azure"), 1);
	cr_expect_eq(copies_of(LIKE_DIAG, "look-alike"), 1);
	cr_expect_eq(copies_of(NAME_DIAG, "other name"), 1);
	cr_expect_eq(tu_file_size(ph.pool), 5 * KVP_RECORD_SIZE);
}

/* 1024 other keys: the pool's unique key cap. */
static void plant_full_pool(void)
{
	size_t len = 1024 * KVP_RECORD_SIZE;
	unsigned char *buf = malloc(len);
	char key[32];

	cr_assert_not_null(buf);
	for (int i = 0; i < 1024; i++) {
		snprintf(key, sizeof(key), "OTHER|%04d", i);
		tu_record(buf + (size_t)i * KVP_RECORD_SIZE, key, "x");
	}
	tu_write_file(ph.pool, buf, len);
	free(buf);
}

Test(growth, append_writes_past_the_unique_key_cap)
{
	plant_full_pool();
	ph_config("write = \"append\";");
	login();
	cr_expect_eq(tu_file_size(ph.pool), 1025 * KVP_RECORD_SIZE);
	cr_expect_eq(ph_count(), 1);
	cr_expect_eq(ph_log_count(), 0);
}

Test(growth, insert_is_refused_at_the_unique_key_cap)
{
	size_t len;
	unsigned char *before;

	plant_full_pool();
	before = tu_read_file(ph.pool, &len);
	ph_config("write = \"insert\";");
	cr_assert_eq(ph_call("s", PAMTEST_OPEN_SESSION), PAM_SUCCESS);
	ph_log_expect("session_open event not recorded", "1024 unique keys",
		      NULL);
	ph_log_clear();
	cr_assert_eq(ph_call("fail", PAMTEST_OPEN_SESSION), PAM_SESSION_ERR);
	ph_log_expect("1024 unique keys", NULL);
	tu_assert_file_is(ph.pool, before, len);
	free(before);
}

Test(growth, insert_adds_a_record_like_append_below_the_cap)
{
	const char *const planted[] = {CI_KEY, "ci", HV_KEY, "hv", NULL};
	struct ph_recs recs;

	tu_plant(ph.pool, planted);
	ph_config("write = \"insert\";");
	login();
	login();
	ph_recs(&recs);
	cr_expect_eq(recs.n, 2);
	cr_expect_str_neq(recs.r[0].key, recs.r[1].key);
	ph_recs_free(&recs);
	cr_expect_eq(copies_of(CI_KEY, "ci"), 1);
	cr_expect_eq(copies_of(HV_KEY, "hv"), 1);
	cr_expect_eq(tu_file_size(ph.pool), 4 * KVP_RECORD_SIZE);
}

/* The kernel's boot_id, as our values carry it (malloc'd; /proc files
 * have no size, so read, not tu_read_file). */
static char *this_boot_id(void)
{
	char *id = calloc(1, 64);
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	cr_assert(f && id && fgets(id, 64, f));
	fclose(f);
	id[strcspn(id, "\n")] = '\0';
	cr_assert_eq(strlen(id), 36);
	return id;
}

#define OTHER_BOOT "00000000-0000-4000-8000-00000000beef"
#define N_FOREIGN  50
#define N_OURS	   10

/* Our earlier records: N_OURS of boot `boot` at 2001 key times, as keys
 * and values in kv[] from `at` on (malloc'd strings). */
static size_t plant_ours(char **kv, size_t at, const char *boot, int id0)
{
	for (int i = 0; i < N_OURS; i++) {
		cr_assert(asprintf(&kv[at++],
				   "PAM_KVP|session_open|sshd|"
				   "20010909T014640.%03dZ|%08x",
				   i, id0 + i) > 0);
		cr_assert(asprintf(&kv[at++],
				   "{\"v\":1,\"event\":\"session_open\","
				   "\"boot_id\":\"%s\"}",
				   boot) > 0);
	}
	return at;
}

/* Other writers' records of an earlier boot: cloud-init's, a
 * provisioning report, the daemon's. */
static size_t plant_foreign(char **kv, size_t at)
{
	for (int i = 0; i < N_FOREIGN; i++) {
		cr_assert(asprintf(&kv[at++],
				   i == 0  ? "PROVISIONING_REPORT"
				   : i % 2 ? "CLOUD_INIT|%d|start"
					   : "HV|%d",
				   i) > 0);
		cr_assert(asprintf(&kv[at++], "last boot's record %d", i) > 0);
	}
	return at;
}

static void free_kv(char **kv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(kv[i]);
}

Test(growth, clear_if_stale_drops_only_our_records_of_earlier_boots)
{
	char *kv[2 * (N_FOREIGN + 2 * N_OURS) + 1] = {0},
						*boot = this_boot_id();
	size_t n = plant_foreign(kv, 0), ours_from = n;
	struct ph_recs recs;
	struct ph_items from = {.rhost = "198.51.100.9"};
	struct pam_testcase fail[] = {
	    pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR)};

	n = plant_ours(kv, n, OTHER_BOOT, 0x100);
	n = plant_ours(kv, n, boot, 0x200);
	tu_plant(ph.pool, (const char *const *)kv);
	tu_set_mtime(ph.pool, 1000000000); /* 2001: before this boot */
	ph_config("clear_if_stale = true;");
	/* One failed remote login. */
	PH_RUN("authfail", PH_USER, &from, fail);
	for (size_t i = 0; i < ours_from; i += 2)
		cr_expect_eq(copies_of(kv[i], kv[i + 1]), 1, "%s lost", kv[i]);
	for (size_t i = ours_from; i < n; i += 2)
		cr_expect_eq(copies_of(kv[i], kv[i + 1]),
			     i < ours_from + 2 * N_OURS ? 0 : 1, "%s", kv[i]);
	ph_recs(&recs);
	cr_expect_eq(recs.n, N_OURS + 1, "this boot's and the failure");
	ph_recs_free(&recs);
	cr_expect_eq(tu_file_size(ph.pool),
		     (N_FOREIGN + N_OURS + 1) * KVP_RECORD_SIZE);
	free_kv(kv, n);
	free(boot);
}

/* A wall clock stepped forward after our records were written moves
 * /proc/stat's btime past their key times and the file's mtime: they are
 * still this boot's (same boot_id), and stay. */
Test(growth, a_clock_step_does_not_make_this_boots_records_stale)
{
	char *kv[2 * N_OURS + 1] = {0}, *boot = this_boot_id();
	size_t n = plant_ours(kv, 0, boot, 0x300);

	tu_plant(ph.pool, (const char *const *)kv);
	tu_set_mtime(ph.pool, tu_boot_time() - 3600);
	ph_config("clear_if_stale = true;");
	login();
	for (size_t i = 0; i < n; i += 2)
		cr_expect_eq(copies_of(kv[i], kv[i + 1]), 1, "%s", kv[i]);
	cr_expect_eq(ph_count(), N_OURS + 1);
	free_kv(kv, n);
	free(boot);
}

Test(growth, clear_if_stale_keeps_a_pool_of_this_boot)
{
	const char *const planted[] = {CI_KEY, "this boot's", NULL};

	tu_plant(ph.pool, planted);
	ph_config("clear_if_stale = true;");
	login();
	cr_expect_eq(copies_of(CI_KEY, "this boot's"), 1);
	cr_expect_eq(tu_file_size(ph.pool), 2 * KVP_RECORD_SIZE);
}

Test(growth, clear_if_stale_false_keeps_an_old_pool)
{
	const char *const planted[] = {CI_KEY, "last boot's", NULL};

	tu_plant(ph.pool, planted);
	tu_set_mtime(ph.pool, 1000000000);
	ph_config("clear_if_stale = false;");
	login();
	cr_expect_eq(copies_of(CI_KEY, "last boot's"), 1);
	cr_expect_eq(tu_file_size(ph.pool), 2 * KVP_RECORD_SIZE);
}

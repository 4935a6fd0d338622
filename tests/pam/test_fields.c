/* test_fields.c - the field policies: "hash" leaves no plain value
 * anywhere in the pool, gives the same digest for the same value at every
 * login (keyed with a secret created 0600 on first use), and "omit"
 * leaves the field out. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_harness.h"
#include "test_util.h"

#define USER_A "zanzibar-quill"
#define USER_B "yolanda-fernhead"
#define RHOST  "host-marigold.example"
#define RUSER  "remote-plover"
#define TTY    "pts/ocelot"

static const struct ph_items items = {
    .rhost = RHOST, .ruser = RUSER, .tty = TTY};

static void setup(void)
{
	ph_init();
	ph_service("s", "session required {KVP}\nsession required {PERMIT}\n");
}

TestSuite(fields, .init = setup, .fini = ph_fini);

static void login_as(const char *user)
{
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};

	cr_assert_eq(PH_RUN("s", user, &items, cases), PAMTEST_ERR_OK);
}

static void expect_digest(const json_t *v, const char *field)
{
	const char *d = ph_str(v, field);

	cr_assert_not_null(d, "no %s", field);
	cr_expect_eq(strlen(d), 12 + 32, "%s: %s", field, d);
	cr_expect_eq(strncmp(d, "hmac-sha256:", 12), 0, "%s: %s", field, d);
	cr_expect_eq(strspn(d + 12, "0123456789abcdef"), 32, "%s: %s", field,
		     d);
}

static void expect_absent_from_pool(const char *plain)
{
	cr_expect_not(ph_file_has(ph.pool, plain, strlen(plain)),
		      "'%s' is in the pool", plain);
}

Test(fields, hash_leaves_no_plain_value_in_the_pool)
{
	char host[256] = "";
	json_t *v;

	ph_config("fields = { user = \"hash\"; ruser = \"hash\"; "
		  "rhost = \"hash\"; tty = \"hash\"; host = \"hash\"; };");
	login_as(USER_A);
	v = ph_one("session_open");
	expect_digest(v, "user");
	expect_digest(v, "ruser");
	expect_digest(v, "rhost");
	expect_digest(v, "tty");
	expect_digest(v, "host");
	cr_expect_null(json_object_get(v, "hash_unavailable"));
	json_decref(v);
	expect_absent_from_pool(USER_A);
	expect_absent_from_pool(RHOST);
	expect_absent_from_pool(RUSER);
	expect_absent_from_pool(TTY);
	cr_assert_eq(gethostname(host, sizeof(host) - 1), 0);
	expect_absent_from_pool(host);
}

Test(fields, hash_is_stable_across_logins_and_differs_by_value)
{
	struct ph_recs recs;

	ph_config("fields = { user = \"hash\"; };");
	login_as(USER_A);
	login_as(USER_A);
	login_as(USER_B);
	ph_recs(&recs);
	cr_assert_eq(recs.n, 3);
	const char *a1 = ph_str(recs.r[0].value, "user");
	const char *a2 = ph_str(recs.r[1].value, "user");
	const char *b = ph_str(recs.r[2].value, "user");
	cr_assert(a1 && a2 && b);
	cr_expect_str_eq(a1, a2);
	cr_expect_str_neq(a1, b);
	/* rhost stays plain: the policy is per field. */
	cr_expect_str_eq(ph_str(recs.r[0].value, "rhost"), RHOST);
	ph_recs_free(&recs);
}

Test(fields, hash_key_file_is_created_0600_once)
{
	struct stat st1, st2;
	size_t len1, len2;
	unsigned char *k1, *k2;

	ph_config("fields = { user = \"hash\"; };");
	cr_assert_eq(access(ph.key_file, F_OK), -1);
	login_as(USER_A);
	cr_assert_eq(stat(ph.key_file, &st1), 0, "no key file made");
	cr_expect(S_ISREG(st1.st_mode));
	cr_expect_eq(st1.st_mode & 07777, 0600, "mode %o", st1.st_mode & 07777);
	cr_expect_eq(st1.st_uid, geteuid());
	cr_expect_eq(st1.st_size, 32);
	k1 = tu_read_file(ph.key_file, &len1);
	login_as(USER_A);
	cr_assert_eq(stat(ph.key_file, &st2), 0);
	cr_expect_eq(st1.st_ino, st2.st_ino, "the key file was replaced");
	k2 = tu_read_file(ph.key_file, &len2);
	cr_assert_eq(len1, len2);
	cr_expect_eq(memcmp(k1, k2, len1), 0, "the secret changed");
	free(k1);
	free(k2);
}

Test(fields, hashed_user_records_no_uid)
{
	json_t *v;

	/* root resolves, so a plain user would come with "uid":0. */
	ph_config("fields = { user = \"hash\"; };");
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};
	cr_assert_eq(PH_RUN("s", "root", NULL, cases), PAMTEST_ERR_OK);
	v = ph_one("session_open");
	expect_digest(v, "user");
	cr_expect_null(json_object_get(v, "uid"), "uid next to a digest");
	json_decref(v);
}

Test(fields, plain_user_records_uid)
{
	json_t *v;
	struct pam_testcase cases[] = {
	    pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS)};

	cr_assert_eq(PH_RUN("s", "root", NULL, cases), PAMTEST_ERR_OK);
	v = ph_one("session_open");
	cr_expect_str_eq(ph_str(v, "user"), "root");
	cr_expect_eq(json_integer_value(json_object_get(v, "uid")), 0);
	json_decref(v);
}

Test(fields, omit_leaves_the_fields_out)
{
	char host[256] = "";
	json_t *v;

	ph_config("fields = { user = \"omit\"; ruser = \"omit\"; "
		  "rhost = \"omit\"; tty = \"omit\"; host = \"omit\"; };");
	login_as(USER_A);
	v = ph_one("session_open");
	cr_expect_null(json_object_get(v, "user"));
	cr_expect_null(json_object_get(v, "ruser"));
	cr_expect_null(json_object_get(v, "rhost"));
	cr_expect_null(json_object_get(v, "tty"));
	cr_expect_null(json_object_get(v, "host"));
	cr_expect_null(json_object_get(v, "uid"));
	cr_expect_not_null(json_object_get(v, "session"));
	json_decref(v);
	expect_absent_from_pool(USER_A);
	expect_absent_from_pool(RHOST);
	expect_absent_from_pool(RUSER);
	expect_absent_from_pool(TTY);
	cr_assert_eq(gethostname(host, sizeof(host) - 1), 0);
	expect_absent_from_pool(host);
	cr_expect_eq(access(ph.key_file, F_OK), -1, "omit needs no secret");
}

Test(fields, unusable_key_file_leaves_the_field_out)
{
	static const char key[32] = "0123456789abcdef0123456789abcdef";
	json_t *v;

	/* Readable by others: not a secret, so not used. */
	tu_write_file(ph.key_file, key, sizeof(key));
	cr_assert_eq(chmod(ph.key_file, 0644), 0);
	ph_config("fields = { user = \"hash\"; };");
	login_as(USER_A);
	v = ph_one("session_open");
	cr_expect_null(json_object_get(v, "user"));
	cr_expect(json_is_true(json_object_get(v, "hash_unavailable")));
	cr_expect_str_eq(ph_str(v, "rhost"), RHOST);
	json_decref(v);
	expect_absent_from_pool(USER_A);
	cr_expect_eq(ph_log_count(), 0);
}

Test(fields, key_file_that_cannot_be_made_leaves_the_field_out)
{
	char *file = tu_path(ph.root, "file");
	json_t *v;
	char *text = NULL;

	/* hash_key_file below a regular file: the secret cannot be made. */
	tu_write_file(file, "x", 1);
	cr_assert(asprintf(&text,
			   "pool_dir = \"%s\";\nhash_key_file = \"%s/key\";\n"
			   "fields = { rhost = \"hash\"; };\n"
			   "invalid_user = \"plain\";\n",
			   ph.pool_dir, file) > 0);
	ph_config_raw(ph.conf, text);
	login_as(USER_A);
	v = ph_one("session_open");
	cr_expect_null(json_object_get(v, "rhost"));
	cr_expect(json_is_true(json_object_get(v, "hash_unavailable")));
	cr_expect_str_eq(ph_str(v, "user"), USER_A);
	json_decref(v);
	expect_absent_from_pool(RHOST);
	free(text);
	free(file);
}

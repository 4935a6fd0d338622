/* test_event_hash.c - the "hash" field policy: HMAC-SHA256 under a
 * secret in hash_key_file, created 0600 on first use; any doubt about the
 * secret leaves the field out with "hash_unavailable":true, never plain. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_event_util.h"

#define HASH_RE "^hmac-sha256:[0-9a-f]{32}$"

static kvp_settings *s;
static char *key_file; /* the settings' hash_key_file */
static kvp_event ev;
static char *dir;
static char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];

static void setup(void)
{
	dir = tu_mkdtemp();
	key_file = tu_path(dir, "secret.key");
	s = te_settings(dir);
	te_event(&ev);
	te_field(s, "user", "hash");
}

static void teardown(void)
{
	tu_rmtree(dir);
	kvp_settings_free(s);
	free(key_file);
	free(dir);
}

static void hash_all_fields(void)
{
	static const char *const names[] = {"user", "ruser", "rhost", "tty",
					    "host"};

	for (size_t f = 0; f < sizeof(names) / sizeof(*names); f++)
		te_field(s, names[f], "hash");
}

/* The user member after encoding (a copy the caller frees), or NULL. */
static char *hashed_user(const char *user)
{
	json_t *obj;
	char *got = NULL;

	ev.user = user;
	te_encode(s, &ev, key, value);
	obj = te_parse(value);
	if (te_has(obj, "user"))
		got = strdup(te_str(obj, "user"));
	json_decref(obj);
	return got;
}

static void assert_unavailable(void)
{
	json_t *obj;

	ev.user = "alice";
	te_encode(s, &ev, key, value);
	obj = te_parse(value);
	cr_assert_not(te_has(obj, "user"), "%s", value);
	cr_assert(json_is_true(json_object_get(obj, "hash_unavailable")));
	cr_assert_null(strstr(value, "alice"));
	cr_assert_null(strstr(key, "alice"));
	/* Plain fields are unaffected. */
	cr_assert_str_eq(te_str(obj, "rhost"), "203.0.113.7");
	json_decref(obj);
}

Test(event_hash, format, .init = setup, .fini = teardown)
{
	char *h = hashed_user("alice");

	cr_assert_not_null(h);
	cr_assert(te_matches(h, HASH_RE), "%s", h);
	free(h);
}

Test(event_hash, same_input_same_hash, .init = setup, .fini = teardown)
{
	char *a = hashed_user("alice"), *b = hashed_user("alice");

	cr_assert_str_eq(a, b);
	free(a);
	free(b);
}

Test(event_hash, different_input_different_hash, .init = setup,
     .fini = teardown)
{
	char *a = hashed_user("alice"), *b = hashed_user("alicf");
	char *c = hashed_user("");

	cr_assert_str_neq(a, b);
	cr_assert_str_neq(a, c);
	cr_assert(te_matches(c, HASH_RE));
	free(a);
	free(b);
	free(c);
}

Test(event_hash, whole_value_is_hashed, .init = setup, .fini = teardown)
{
	char *x = tu_repeat('x', 100), *y = tu_repeat('x', 100);
	char *a, *b;

	y[99] = 'y'; /* differs only past the plain cap of 64 */
	a = hashed_user(x);
	b = hashed_user(y);
	cr_assert_str_neq(a, b);
	cr_assert_null(strstr(value, "truncated"));
	free(a);
	free(b);
	free(x);
	free(y);
}

Test(event_hash, no_plain_value_anywhere, .init = setup, .fini = teardown)
{
	hash_all_fields();
	ev.user = "secretuser";
	ev.ruser = "secretruser";
	ev.rhost = "secret.example.org";
	ev.tty = "pts/secret";
	ev.host = "secrethost";
	te_encode(s, &ev, key, value);
	cr_assert_null(strstr(value, "secret"), "%s", value);
	cr_assert_null(strstr(key, "secret"), "%s", key);
	json_t *obj = te_parse(value);
	static const char *const names[] = {"user", "ruser", "rhost",
					    "tty",  "host",  NULL};
	for (const char *const *n = names; *n; n++)
		cr_assert(te_matches(te_str(obj, *n), HASH_RE), "%s", *n);
	cr_assert_not(te_has(obj, "hash_unavailable"));
	json_decref(obj);
}

Test(event_hash, key_file_created_0600_with_32_bytes, .init = setup,
     .fini = teardown)
{
	struct stat st;
	mode_t old = umask(0);
	char *h = hashed_user("alice");

	umask(old);
	cr_assert_eq(lstat(key_file, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_size, 32);
	free(h);
}

/* "hmac-sha256:" and the first 16 bytes of HMAC-SHA256(secret, msg) in
 * hex, computed here with nettle directly. */
static void digest_of(const void *msg, size_t msg_len, char want[45])
{
	size_t len;
	unsigned char *secret = tu_read_file(key_file, &len);
	struct hmac_sha256_ctx ctx;
	uint8_t digest[16];

	cr_assert_eq(len, 32);
	hmac_sha256_set_key(&ctx, len, secret);
	hmac_sha256_update(&ctx, msg_len, msg);
	hmac_sha256_digest(&ctx, sizeof(digest), digest);
	strcpy(want, "hmac-sha256:");
	for (int i = 0; i < 16; i++)
		sprintf(want + 12 + 2 * i, "%02x", digest[i]);
	free(secret);
}

/* The documented input: field || 0x00 || value. */
static void expected(const char *field, const char *value, char want[45])
{
	char msg[256];
	size_t n = strlen(field) + 1 + strlen(value);

	cr_assert_lt(n, sizeof(msg));
	memcpy(msg, field, strlen(field) + 1);
	memcpy(msg + strlen(field) + 1, value, strlen(value));
	digest_of(msg, n, want);
}

Test(event_hash, matches_hmac_sha256_of_name_nul_value, .init = setup,
     .fini = teardown)
{
	char *h = hashed_user("alice"), want[45];

	expected("user", "alice", want);
	cr_assert_str_eq(h, want);
	free(h);
}

/* Domain separation: the same value in two fields gives two digests, so
 * a digest of a user name cannot be matched against one of a host. */
Test(event_hash, same_value_in_two_fields_differs, .init = setup,
     .fini = teardown)
{
	json_t *obj;

	te_field(s, "rhost", "hash");
	ev.user = "X";
	ev.rhost = "X";
	te_encode(s, &ev, key, value);
	obj = te_parse(value);
	cr_assert(te_matches(te_str(obj, "user"), HASH_RE));
	cr_assert(te_matches(te_str(obj, "rhost"), HASH_RE));
	cr_assert_str_neq(te_str(obj, "user"), te_str(obj, "rhost"));
	json_decref(obj);
}

Test(event_hash, every_field_hashes_its_name_and_value, .init = setup,
     .fini = teardown)
{
	static const char *const names[] = {"user", "ruser", "rhost",
					    "tty",  "host",  NULL};
	json_t *obj;
	char want[45];

	for (const char *const *n = names; *n; n++)
		te_field(s, *n, "hash");
	ev.user = ev.ruser = ev.rhost = ev.tty = ev.host = "same";
	te_encode(s, &ev, key, value);
	obj = te_parse(value);
	for (const char *const *n = names; *n; n++) {
		expected(*n, "same", want);
		cr_assert_str_eq(te_str(obj, *n), want, "%s", *n);
	}
	/* Neither the digest of the value alone (the old form) nor of the
	 * name and value without the separator. */
	digest_of("same", 4, want);
	cr_assert_str_neq(te_str(obj, "user"), want);
	digest_of("usersame", 8, want);
	cr_assert_str_neq(te_str(obj, "user"), want);
	json_decref(obj);
}

Test(event_hash, existing_key_file_used_not_replaced, .init = setup,
     .fini = teardown)
{
	unsigned char secret[32], *after;
	size_t len;
	char *a, *b;

	for (int i = 0; i < 32; i++)
		secret[i] = (unsigned char)i;
	tu_write_file(key_file, secret, sizeof(secret));
	cr_assert_eq(chmod(key_file, 0600), 0);
	a = hashed_user("alice");
	after = tu_read_file(key_file, &len);
	cr_assert_eq(len, 32);
	cr_assert_arr_eq(after, secret, 32);
	free(after);
	/* Rotating the secret changes the hash at once: nothing cached. */
	secret[0] ^= 0xff;
	tu_write_file(key_file, secret, sizeof(secret));
	b = hashed_user("alice");
	cr_assert_str_neq(a, b);
	free(a);
	free(b);
}

Test(event_hash, wrong_size_key_file_unavailable, .init = setup,
     .fini = teardown)
{
	char *long_key = tu_repeat('k', 33);
	size_t len;
	unsigned char *after;

	tu_write_file(key_file, "short", 5);
	cr_assert_eq(chmod(key_file, 0600), 0);
	assert_unavailable();
	/* Left as it was. */
	after = tu_read_file(key_file, &len);
	cr_assert_eq(len, 5);
	free(after);
	tu_write_file(key_file, long_key, 33);
	assert_unavailable();
	tu_write_file(key_file, "", 0);
	assert_unavailable();
	free(long_key);
}

Test(event_hash, readable_key_file_unavailable, .init = setup, .fini = teardown)
{
	static const mode_t bad[] = {0640, 0604, 0620, 0602, 0660, 0644};
	char *k = tu_repeat('k', 32);

	tu_write_file(key_file, k, 32);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(chmod(key_file, bad[i]), 0);
		assert_unavailable();
	}
	cr_assert_eq(chmod(key_file, 0400), 0);
	char *h = hashed_user("alice");
	cr_assert(te_matches(h, HASH_RE));
	free(h);
	free(k);
}

Test(event_hash, symlinked_key_file_unavailable, .init = setup,
     .fini = teardown)
{
	char *real = tu_path(dir, "real.key"), *k = tu_repeat('k', 32);

	tu_write_file(real, k, 32);
	cr_assert_eq(chmod(real, 0600), 0);
	cr_assert_eq(symlink(real, key_file), 0);
	assert_unavailable();
	free(real);
	free(k);
}

Test(event_hash, dangling_symlink_not_followed, .init = setup, .fini = teardown)
{
	char *target = tu_path(dir, "planted");
	struct stat st;

	cr_assert_eq(symlink(target, key_file), 0);
	assert_unavailable();
	cr_assert_eq(lstat(target, &st), -1,
		     "a secret was written through "
		     "the link");
	free(target);
}

Test(event_hash, directory_or_fifo_key_file_unavailable, .init = setup,
     .fini = teardown)
{
	cr_assert_eq(mkdir(key_file, 0700), 0);
	assert_unavailable();
	cr_assert_eq(rmdir(key_file), 0);
	cr_assert_eq(mkfifo(key_file, 0600), 0);
	assert_unavailable(); /* and does not hang on the FIFO */
}

Test(event_hash, uncreatable_key_file_unavailable, .init = setup,
     .fini = teardown)
{
	te_set(s, "hash_key_file=%s/no/such/dir/k", dir);
	assert_unavailable();
	/* No empty or relative path ever reaches the encoder. */
	cr_assert_eq(kvp_settings_set(s, "hash_key_file="), KVP_ERR_CONFIG);
	cr_assert_eq(kvp_settings_set(s, "hash_key_file=k"), KVP_ERR_CONFIG);
}

Test(event_hash, no_temporary_files_left, .init = setup, .fini = teardown)
{
	char *h = hashed_user("alice");
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0) {
			cr_assert_str_eq(e->d_name, "secret.key");
			n++;
		}
	closedir(d);
	cr_assert_eq(n, 1);
	free(h);
}

Test(event_hash, secret_not_needed_not_created, .init = setup, .fini = teardown)
{
	struct stat st;
	json_t *obj;

	ev.user = NULL; /* nothing to hash */
	te_encode(s, &ev, key, value);
	obj = te_parse(value);
	cr_assert_not(te_has(obj, "hash_unavailable"));
	cr_assert_not(te_has(obj, "user"));
	json_decref(obj);
	cr_assert_eq(stat(key_file, &st), -1);
}

Test(event_hash, every_field_can_be_hashed, .init = setup, .fini = teardown)
{
	static const char *const names[] = {"user", "ruser", "rhost", "tty",
					    "host"};
	enum { N = sizeof(names) / sizeof(*names) };

	ev.ruser = "bob";
	for (int f = 0; f < N; f++) {
		json_t *obj;

		kvp_settings_free(s);
		s = te_settings(dir);
		te_field(s, names[f], "hash");
		te_encode(s, &ev, key, value);
		obj = te_parse(value);
		for (int g = 0; g < N; g++)
			cr_assert_eq(te_matches(te_str(obj, names[g]), HASH_RE),
				     g == f, "%s/%s", names[f], names[g]);
		json_decref(obj);
	}
}

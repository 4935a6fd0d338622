/* test_diag_util.c - see test_diag_util.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_diag_util.h"

struct tu_pool td_pool;
char *td_root;
static kvp_diag_list *last;

/* Make the directories of `path` below td_root. */
static void parents(char *path)
{
	for (char *p = path + strlen(td_root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

void td_root_file(const char *rel, const char *text)
{
	char *path = tu_path(td_root, rel);

	if (text) {
		parents(path);
		tu_write_file(path, text, strlen(text));
	} else {
		unlink(path);
	}
	free(path);
}

void td_setup(void)
{
	char *efi;

	tu_pool_setup(&td_pool, KVP_MODE_SAFE);
	td_root = tu_mkdtemp();
	td_root_file("sys/class/dmi/id/product_uuid", TD_SMBIOS "\n");
	efi = tu_path(td_root, "sys/firmware/efi/");
	parents(efi);
	free(efi);
	setenv("KVP_TEST_SYSROOT", td_root, 1);
}

void td_teardown(void)
{
	kvp_diag_list_free(last);
	last = NULL;
	unsetenv("KVP_TEST_SYSROOT");
	tu_rmtree(td_root);
	free(td_root);
	tu_pool_teardown(&td_pool);
}

static const char *const default_fields[11] = {"DIAG", TD_AGENT, TD_VM, "event",
					       "test", TD_EV,	 TD_TS, "none",
					       "",     "",	 "0"};

static char *join(const char *const *f)
{
	size_t n = 0;
	char *s;

	for (int i = 0; i < 11; i++)
		n += strlen(f[i]) + 1;
	s = calloc(1, n);
	cr_assert_not_null(s);
	for (int i = 0; i < 11; i++) {
		strcat(s, f[i]);
		if (i < 10)
			strcat(s, "|");
	}
	return s;
}

char *td_key(const char *kind, const char *name, const char *enc,
	     const char *result, const char *dur, const char *index)
{
	const char *f[11];

	memcpy(f, default_fields, sizeof(f));
	f[3] = kind, f[4] = name, f[7] = enc, f[8] = result, f[9] = dur;
	f[10] = index;
	return join(f);
}

char *td_key_with(int field, const char *value)
{
	const char *f[11];

	memcpy(f, default_fields, sizeof(f));
	f[field] = value;
	return join(f);
}

void td_append(const char *const *kv)
{
	size_t len;
	unsigned char *buf = tu_records(kv, &len);

	tu_append_file(td_pool.path, buf, len);
	free(buf);
}

kvp_diag_list *td_read(void)
{
	kvp_diag_list_free(last);
	last = NULL;
	cr_assert_eq(kvp_diag_read(td_pool.store, NULL, &last), 0,
		     "kvp_diag_read: %s", kvp_error_last()->message);
	return last;
}

const kvp_diag_entry *td_only(void)
{
	kvp_diag_list *l = td_read();

	cr_assert_eq(kvp_diag_list_count(l), 1, "%zu entries",
		     kvp_diag_list_count(l));
	return kvp_diag_list_get(l, 0);
}

void td_assert_payload(const kvp_diag_entry *e, const void *p, size_t n)
{
	cr_assert_eq(e->error, KVP_DIAG_OK, "error %s: %s",
		     kvp_diag_error_token(e->error), e->detail);
	cr_assert_eq(e->payload_len, n, "payload of %zu bytes, expected %zu",
		     e->payload_len, n);
	cr_assert_eq(memcmp(e->payload, p, n), 0, "payload differs");
}

void td_assert_error(const kvp_diag_entry *e, kvp_diag_error error)
{
	cr_assert_eq(e->error, error, "error '%s' (%s), expected '%s'",
		     kvp_diag_error_token(e->error),
		     e->detail ? e->detail : "-", kvp_diag_error_token(error));
	cr_assert_not_null(e->detail);
	cr_assert_null(e->payload);
	cr_assert_geq(e->record_count, 1);
}

kvp_diag_record td_record(void)
{
	return (kvp_diag_record){
	    .agent = TD_AGENT,
	    .vm_id = TD_VM,
	    .name = "test",
	    .time = {(time_t)TD_SEC, 789000000L},
	};
}

kvp_diag_written td_write(const kvp_diag_record *rec)
{
	kvp_diag_written w;

	cr_assert_eq(kvp_diag_write(td_pool.store, rec, &w), 0,
		     "kvp_diag_write: %s", kvp_error_last()->message);
	return w;
}

void td_refused(const kvp_diag_record *rec, const char *part)
{
	size_t before_len, after_len;
	unsigned char *before = tu_read_file(td_pool.path, &before_len);
	unsigned char *after;

	cr_assert_eq(kvp_diag_write(td_pool.store, rec, NULL),
		     KVP_ERR_INVALID_ARG, "written, or not INVALID_ARG: %s",
		     kvp_error_last()->message);
	cr_assert_not_null(strstr(kvp_error_last()->message, part),
			   "message '%s' lacks '%s'", kvp_error_last()->message,
			   part);
	after = tu_read_file(td_pool.path, &after_len);
	cr_assert_eq(before_len, after_len, "the pool changed");
	cr_assert(!before_len || memcmp(before, after, before_len) == 0,
		  "the pool changed");
	free(before);
	free(after);
}

kvp_record_list td_dump(void)
{
	kvp_record_list l;

	cr_assert_eq(kvp_store_dump(td_pool.store, &l), 0);
	return l;
}

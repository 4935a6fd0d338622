/* test_event_list.c - kvp_event_list() (our records in both formats,
 * oldest first by the key's time, stable) and kvp_uuid(). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "test_event_util.h"

static struct tu_pool p;

static void setup(void)
{
	tu_pool_setup(&p, KVP_MODE_SAFE);
}

static void teardown(void)
{
	tu_pool_teardown(&p);
}

Test(event_list, missing_pool_is_empty, .init = setup, .fini = teardown)
{
	kvp_record_list l = {.count = 99};

	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 0);
	cr_assert_null(l.records);
	cr_assert_eq(tu_file_size(p.path), -1, "not created");
}

Test(event_list, only_our_prefix, .init = setup, .fini = teardown)
{
	char *a = te_key("PAM_KVP", "20261124T223301.000Z", "aaaaaaaa");
	char *x = te_key("PAM_KVPX", "20261124T223300.000Z", "bbbbbbbb");
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){"cloud-init|1", "c", x, "x",
					       "PAM_KVP", "bare", a, "a",
					       "PAM_KVP|", "empty rest", NULL});
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	/* "PAM_KVP|" has our prefix but not our key format: not ours. */
	cr_assert_eq(l.count, 1);
	cr_assert_str_eq(l.records[0].key, a);
	cr_assert_str_eq(l.records[0].value, "a");
	cr_assert_eq(l.records[0].value_len, 1);
	kvp_record_list_free(&l);
	free(a);
	free(x);
}

Test(event_list, oldest_first_by_key_time, .init = setup, .fini = teardown)
{
	char *t3 = te_key("PAM_KVP", "20261124T223303.000Z", "00000003");
	char *t1 = te_key("PAM_KVP", "20251231T235959.999Z", "00000001");
	char *t2 = te_key("PAM_KVP", "20261124T223302.500Z", "00000002");
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){t3, "3", "other", "o", t1, "1",
					       t2, "2", NULL});
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 3);
	cr_assert_str_eq(l.records[0].value, "1");
	cr_assert_str_eq(l.records[1].value, "2");
	cr_assert_str_eq(l.records[2].value, "3");
	kvp_record_list_free(&l);
	free(t1);
	free(t2);
	free(t3);
}

/* DIAG records are ours when pam_kvp wrote them (agent "pam_kvp/...",
 * name "pam:<service>:<what>"), listed with the legacy ones by time; the
 * other agents' are not. */
Test(event_list, diag_records_of_ours, .init = setup, .fini = teardown)
{
	char *start = te_diag_key(TE_AGENT, "start", "pam:sshd:session",
				  "2026-11-24T22:33:05.000Z", TE_VM_ID);
	char *finish = te_diag_key(TE_AGENT, "finish", "pam:sshd:session",
				   "2026-11-24T22:33:07.000Z", TE_VM_ID);
	char *legacy = te_key("PAM_KVP", "20261124T223306.000Z", "aaaaaaaa");
	char *azure = te_diag_key("azure-init/0.1.1", "event", "provision",
				  "2026-11-24T22:33:01.000Z", TE_VM_ID);
	char *alike = te_diag_key("pam_kvpx/1", "start", "pam:sshd:session",
				  "2026-11-24T22:33:01.000Z", TE_VM_ID);
	kvp_record_list l;

	tu_plant(p.path,
		 (const char *const[]){finish, "f", azure, "a", legacy, "l",
				       alike, "x", start, "s", NULL});
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 3);
	cr_assert_str_eq(l.records[0].key, start);
	cr_assert_str_eq(l.records[1].key, legacy);
	cr_assert_str_eq(l.records[2].key, finish);
	cr_assert_str_eq(l.records[2].value, "f");
	kvp_record_list_free(&l);
	/* Whatever the legacy prefix. */
	cr_assert_eq(kvp_event_list(p.store, "SITE", &l), 0);
	cr_assert_eq(l.count, 2);
	kvp_record_list_free(&l);
	free(start);
	free(finish);
	free(legacy);
	free(azure);
	free(alike);
}

Test(event_list, equal_times_keep_file_order, .init = setup, .fini = teardown)
{
	const char *t = "20261124T223301.000Z";
	char *a = te_key("PAM_KVP", t, "ffffffff");
	char *b = te_key("PAM_KVP", t, "00000000");
	char *c = te_key("PAM_KVP", t, "88888888");
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){a, "first", b, "second", c,
					       "third", NULL});
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 3);
	cr_assert_str_eq(l.records[0].value, "first");
	cr_assert_str_eq(l.records[1].value, "second");
	cr_assert_str_eq(l.records[2].value, "third");
	kvp_record_list_free(&l);
	free(a);
	free(b);
	free(c);
}

Test(event_list, custom_and_invalid_prefix, .init = setup, .fini = teardown)
{
	char *mine = te_key("Site-1", "20261124T223301.000Z", "00000000");
	char *dflt = te_key("PAM_KVP", "20261124T223301.000Z", "00000000");
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){mine, "m", dflt, "d", NULL});
	cr_assert_eq(kvp_event_list(p.store, "Site-1", &l), 0);
	cr_assert_eq(l.count, 1);
	cr_assert_str_eq(l.records[0].key, mine);
	kvp_record_list_free(&l);
	cr_assert_eq(kvp_event_list(p.store, "PAM_KVP", &l), 0);
	cr_assert_eq(l.count, 1);
	cr_assert_str_eq(l.records[0].key, dflt);
	kvp_record_list_free(&l);

	cr_assert_eq(kvp_event_list(p.store, "", &l), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_list(p.store, "a|b", &l), KVP_ERR_INVALID_ARG);
	/* Other writers' schemas are no prefix of ours. */
	cr_assert_eq(kvp_event_list(p.store, "DIAG", &l), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_list(p.store, "CLOUD_INIT", &l),
		     KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_list(p.store, NULL, NULL), KVP_ERR_INVALID_ARG);
	cr_assert_eq(kvp_event_list(NULL, NULL, &l), KVP_ERR_INVALID_ARG);
	free(mine);
	free(dflt);
}

/* Both formats in one pool: one order, by time. */
Test(event_list, lists_what_record_wrote, .init = setup, .fini = teardown)
{
	static const int secs[] = {30, 10, 20, 10};
	static const char *const formats[] = {"diag", "pam_kvp", "diag",
					      "pam_kvp"};
	kvp_settings *s = te_settings(p.dir);
	kvp_event ev;
	kvp_record_list l;

	te_event(&ev);
	for (size_t i = 0; i < 4; i++) {
		te_set(s, "format=%s", formats[i]);
		ev.time.tv_sec = 1795559600 + secs[i];
		ev.pid = (long long)i;
		cr_assert_eq(kvp_event_record(s, &ev), 0);
	}
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 4);
	static const long long want_pid[] = {1, 3, 2, 0};
	for (size_t i = 0; i < 4; i++) {
		json_t *obj = te_parse(l.records[i].value);
		const char *t = te_str(obj, "time");
		cr_assert_eq(json_integer_value(json_object_get(obj, "pid")),
			     want_pid[i], "record %zu", i);
		/* The value's time is the key's time. */
		if (want_pid[i] % 2 == 0) {
			struct te_diag d;
			te_diag_parts(l.records[i].key, &d);
			cr_assert_str_eq(d.f[TE_D_TIME], t);
		} else {
			char parts[5][KVP_KEY_FIELD_SIZE + 1];
			te_key_parts(l.records[i].key, parts);
			cr_assert_eq(strncmp(parts[3], t, 4), 0);
			cr_assert_eq(strncmp(parts[3] + 15, t + 19, 5), 0);
		}
		json_decref(obj);
	}
	kvp_record_list_free(&l);
	kvp_settings_free(s);
}

Test(event_list, reports_torn_tail, .init = setup, .fini = teardown)
{
	char *a = te_key("PAM_KVP", "20261124T223301.000Z", "aaaaaaaa");
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){a, "a", NULL});
	tu_append_file(p.path, "torn", 4);
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 1);
	cr_assert_eq(l.torn_bytes, 4);
	kvp_record_list_free(&l);
	free(a);
}

Test(event_list, empty_result_with_records_of_others, .init = setup,
     .fini = teardown)
{
	kvp_record_list l;

	tu_plant(p.path, (const char *const[]){"a", "1", "b", "2", NULL});
	cr_assert_eq(kvp_event_list(p.store, NULL, &l), 0);
	cr_assert_eq(l.count, 0);
	kvp_record_list_free(&l);
}

#define UUID_RE                                                                \
	"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}" \
	"$"

Test(event_uuid, version_4_lower_case)
{
	char id[KVP_UUID_SIZE];

	for (int i = 0; i < 100; i++) {
		memset(id, 'X', sizeof(id));
		cr_assert_eq(kvp_uuid(id), 0);
		cr_assert_eq(strlen(id), 36);
		cr_assert(te_matches(id, UUID_RE), "%s", id);
	}
}

static int by_string(const void *a, const void *b)
{
	return strcmp(a, b);
}

Test(event_uuid, unique)
{
	enum { N = 2000 };
	char(*ids)[KVP_UUID_SIZE] = calloc(N, KVP_UUID_SIZE);

	for (int i = 0; i < N; i++)
		cr_assert_eq(kvp_uuid(ids[i]), 0);
	qsort(ids, N, KVP_UUID_SIZE, by_string);
	for (int i = 1; i < N; i++)
		cr_assert_str_neq(ids[i - 1], ids[i]);
	free(ids);
}

Test(event_uuid, null_rejected)
{
	cr_assert_eq(kvp_uuid(NULL), KVP_ERR_INVALID_ARG);
}

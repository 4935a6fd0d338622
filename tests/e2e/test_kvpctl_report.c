/* test_kvpctl_report.c - kvpctl report end to end: the DIAG record it
 * writes (the VM id of a fake system root, Gen1 byte swap included), the
 * event id it prints and a finish reusing it, round trips through
 * `kvpctl events --json` of 0 B, 1 KiB and 100 KiB payloads (compressed
 * and not, as an argument and from standard input), a log of arbitrary
 * bytes piped in and read back byte-exact, the 1023-chunk boundary, and
 * the exit status of every kind of bad input (2) and of a pool that
 * cannot be written (3). */
#include <criterion/criterion.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event_fixture.h"
#include "kvpctl_run.h"
#include "test_util.h"

/* The fake root's SMBIOS UUID, and the VM id of a Gen1 VM (no EFI). */
#define SMBIOS "550e8400-e29b-41d4-a716-446655440000"
#define VM_ID  "00840e55-9be2-d441-a716-446655440000"

static char *root;

static void setup(void)
{
	char *dir;

	kr_setup();
	root = tu_mkdtemp();
	dir = kr_fmt("%s/sys/class/dmi/id", root);
	for (char *p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0755);
	free(dir);
	dir = kr_fmt("%s/sys/class/dmi/id/product_uuid", root);
	tu_write_file(dir, SMBIOS "\n", strlen(SMBIOS) + 1);
	free(dir);
	setenv("KVP_TEST_SYSROOT", root, 1);
}

static void teardown(void)
{
	unsetenv("KVP_TEST_SYSROOT");
	tu_rmtree(root);
	free(root);
	kr_teardown();
}

TestSuite(kvpctl_report, .init = setup, .fini = teardown);

/* `kvpctl --dir kr_dir report ARGS...` with stdin from `in` (NULL: none). */
static void report(struct kr_result *r, const char *in, const char *const *args)
{
	const char *argv[24] = {"--dir", kr_dir, "report"};
	size_t n = 3;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	kr_runv_stdin(r, in ? in : "/dev/null", NULL, argv);
}
#define REPORT(r, in, ...)                                                     \
	report((r), (in), (const char *const[]){__VA_ARGS__, NULL})

/* Run a report that must succeed; its event id (malloc'd). */
static char *report_ok(const char *in, const char *const *args)
{
	struct kr_result r;
	char *id;

	report(&r, in, args);
	kr_assert_status(&r, 0);
	cr_assert_str_empty(r.err, "%s", r.err);
	cr_assert_eq(r.out_len, 37, "%s", r.out);
	id = strndup(r.out, 36);
	kr_free(&r);
	return id;
}
#define REPORT_OK(in, ...)                                                     \
	report_ok((in), (const char *const[]){__VA_ARGS__, NULL})

/* The events --json entry with this event id (of the array `all`). */
static json_t *entry(json_t *all, const char *id, const char *kind)
{
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *o = json_array_get(all, i);
		const char *eid =
		    json_string_value(json_object_get(o, "event_id"));
		const char *k = json_string_value(json_object_get(o, "kind"));
		if (eid && strcmp(eid, id) == 0 &&
		    (!kind || strcmp(k, kind) == 0))
			return o;
	}
	cr_assert_fail("no entry %s", id);
	return NULL;
}

static json_t *events_json(void)
{
	char *out = KR_OUT("events", "--json");
	json_t *j = ef_parse(out);

	free(out);
	return j;
}

/* The payload of an entry as bytes (a string, or base64 bytes). */
static unsigned char *payload_of(json_t *o, size_t *len)
{
	json_t *p = json_object_get(o, "payload");
	struct base64_decode_ctx ctx;
	const char *data;
	unsigned char *buf;

	cr_assert_null(json_object_get(o, "error"), "%s",
		       json_string_value(json_object_get(o, "detail")));
	if (json_is_string(p)) {
		*len = json_string_length(p);
		buf = malloc(*len + 1);
		memcpy(buf, json_string_value(p), *len);
		return buf;
	}
	ef_assert_json_str(json_object_get(p, "type"), "bytes");
	ef_assert_json_str(json_object_get(p, "encoding"), "base64");
	data = json_string_value(json_object_get(p, "data"));
	cr_assert_not_null(data);
	buf = malloc(BASE64_DECODE_LENGTH(strlen(data)) + 1);
	base64_decode_init(&ctx);
	cr_assert(base64_decode_update(&ctx, len, buf, strlen(data), data));
	cr_assert(base64_decode_final(&ctx));
	return buf;
}

static void assert_round_trip(const char *id, const void *want, size_t n)
{
	json_t *all = events_json();
	size_t len;
	unsigned char *got = payload_of(entry(all, id, NULL), &len);

	cr_assert_eq(len, n, "payload of %zu bytes, expected %zu", len, n);
	cr_assert_eq(memcmp(got, want, n), 0, "payload differs");
	free(got);
	json_decref(all);
}

/* A file in kr_dir holding n bytes of `data`; its path (malloc'd). */
static char *input(const char *name, const void *data, size_t n)
{
	char *path = tu_path(kr_dir, name);

	tu_write_file(path, data, n);
	return path;
}

Test(kvpctl_report, writes_one_diag_record_and_prints_the_event_id)
{
	char *id = REPORT_OK(NULL, "--name", "boot:test", "hello");
	kvp_store *store = tu_store(kr_dir, KVP_MODE_SAFE);
	char *mid = kr_fmt("|" VM_ID "|event|boot:test|%s|", id);
	const char *key, *at;
	kvp_record_list l;

	cr_assert_eq(kvp_store_dump(store, &l), 0);
	cr_assert_eq(l.count, 1);
	key = l.records[0].key;
	/* DIAG|kvpctl/<version>|<vm id>|event|boot:test|<id>|<timestamp,
	 * 24 bytes>|none|||0 */
	cr_assert_eq(strncmp(key, "DIAG|kvpctl/", 12), 0, "%s", key);
	at = strstr(key, mid);
	cr_assert_not_null(at, "%s lacks %s", key, mid);
	cr_assert_eq(strchr(key + 12, '|'), at, "%s", key);
	cr_assert_str_eq(at + strlen(mid) + 24, "|none|||0");
	cr_assert_eq(at[strlen(mid) + 23], 'Z');
	cr_assert_str_eq(l.records[0].value, "hello");
	kvp_record_list_free(&l);
	kvp_store_free(store);
	free(mid);
	free(id);
}

Test(kvpctl_report, a_finish_reuses_the_start_s_id_and_is_one_row)
{
	char *id = REPORT_OK(NULL, "--kind", "start", "--name", "backup:run",
			     "--agent", "backup/2.0", "starting");
	char *again =
	    REPORT_OK(NULL, "--kind", "finish", "--event-id", id, "--name",
		      "backup:run", "--agent", "backup/2.0", "--result", "fail",
		      "--duration", "12.5", "disk full");
	json_t *all = events_json(), *fin;
	char *out = KR_OUT("events", "--agent", "backup");

	cr_assert_str_eq(again, id);
	cr_assert_eq(ef_lines(out), 2, "%s", out);
	cr_assert_not_null(strstr(out,
				  "  backup/2.0  start+finish  backup:run  "
				  "fail     12.500s  disk full\n"),
			   "%s", out);
	fin = entry(all, id, "finish");
	ef_assert_json_str(json_object_get(fin, "result"), "fail");
	cr_assert(json_real_value(json_object_get(fin, "duration")) == 12.5);
	ef_assert_json_str(json_object_get(fin, "vm_id"), VM_ID);
	json_decref(all);
	free(out);
	free(id);
	free(again);
}

Test(kvpctl_report, payloads_round_trip, .timeout = 120)
{
	static const size_t sizes[] = {0, 1024, 100 * 1024};
	char *text = malloc(100 * 1024 + 1);

	cr_assert_not_null(text);
	/* Valid UTF-8 with tabs, newlines and two-byte characters, cut on a
	 * character boundary. */
	static const char line[] = "line\t\xc3\xa9t\xc3\xa9 42\n";

	for (size_t i = 0; i < 100 * 1024; i++)
		text[i] = line[i % (sizeof(line) - 1)];
	text[100 * 1024] = '\0'; /* the cut below looks one byte past n */
	for (size_t s = 0; s < 3; s++)
		for (int compress = 0; compress < 2; compress++) {
			size_t n = sizes[s];
			char *path, *id;
			while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
				n--;
			path = input("in", text, n);
			id = compress
				 ? REPORT_OK(path, "--name", "rt:stdin",
					     "--compress", "-")
				 : REPORT_OK(path, "--name", "rt:stdin", "-");
			assert_round_trip(id, text, n);
			free(id);
			free(path);
		}
	/* As an argument. */
	text[1024] = '\0';
	{
		char *id = REPORT_OK(NULL, "--name", "rt:arg", text);
		char *zid =
		    REPORT_OK(NULL, "--name", "rt:arg", "--compress", text);
		char *empty = REPORT_OK(NULL, "--name", "rt:none");
		assert_round_trip(id, text, 1024);
		assert_round_trip(zid, text, 1024);
		assert_round_trip(empty, "", 0);
		free(id);
		free(zid);
		free(empty);
	}
	free(text);
}

Test(kvpctl_report, a_piped_log_round_trips_byte_exact, .timeout = 120)
{
	size_t n = 300 * 1024;
	unsigned char *log = malloc(n);
	char *path, *id;
	json_t *all;

	cr_assert_not_null(log);
	/* What journalctl may print: text, escapes, invalid UTF-8, NULs. */
	for (size_t i = 0; i < n; i++)
		log[i] = i % 97 == 96  ? '\n'
			 : i % 13 == 0 ? (unsigned char)(i * 31)
				       : (unsigned char)('a' + i % 26);
	path = input("journal", log, n);
	id = REPORT_OK(path, "--name", "boot:journal", "--compress", "-");
	assert_round_trip(id, log, n);
	all = events_json();
	ef_assert_json_str(json_object_get(entry(all, id, NULL), "encoding"),
			   "zlib+b64");
	cr_assert_gt(
	    json_integer_value(json_object_get(entry(all, id, NULL), "chunks")),
	    1);
	json_decref(all);
	free(id);
	free(path);
	free(log);
}

Test(kvpctl_report, the_1023rd_chunk_is_accepted_the_1024th_refused,
     .timeout = 120)
{
	size_t max = 1023 * 1022;
	char *data = malloc(max + 1), *path, *id;
	struct kr_result r;
	size_t len = 0;
	kvp_store *store = tu_store(kr_dir, KVP_MODE_SAFE);

	cr_assert_not_null(data);
	memset(data, 'x', max + 1);
	path = input("big", data, max + 1);
	REPORT(&r, path, "--name", "big", "-");
	kr_assert_status(&r, 2);
	cr_assert_str_empty(r.out);
	kr_assert_error(&r, "1024 chunks of at most 1022 bytes; the maximum "
			    "is 1023 chunks");
	kr_free(&r);
	cr_assert_eq(tu_file_size(kr_pool), -1);
	free(path);
	path = input("big", data, max);
	id = REPORT_OK(path, "--name", "big", "-");
	cr_assert_eq(kvp_store_len(store, &len), 0);
	cr_assert_eq(len, 1023);
	assert_round_trip(id, data, max);
	kvp_store_free(store);
	free(id);
	free(path);
	free(data);
}

Test(kvpctl_report, bad_input_is_a_usage_error)
{
	static const char *const cases[][7] = {
	    {"hello", NULL, NULL, NULL, NULL, NULL, "--name is required"},
	    {"--name", "a|b", NULL, NULL, NULL, NULL, "name holds '|'"},
	    {"--name", "0123456789012345678901234567890123456789012345678",
	     NULL, NULL, NULL, NULL, "name is 49 bytes, more than 48"},
	    {"--name", "n", "--agent", "a23456789012345678901234567890123",
	     NULL, NULL, "agent is 33 bytes"},
	    {"--name", "n", "--agent", "", NULL, NULL, "agent is empty"},
	    {"--name", "n", "--kind", "begin", NULL, NULL,
	     "--kind: 'begin' is not event, start or finish"},
	    {"--name", "n", "--result", "ok", NULL, NULL,
	     "--result: 'ok' is not success or fail"},
	    {"--name", "n", "--duration", "-1", NULL, NULL,
	     "--duration: '-1' is not decimal seconds"},
	    {"--name", "n", "--duration", "1e3", NULL, NULL,
	     "--duration: '1e3'"},
	    {"--name", "n", "--event-id", "abc", NULL, NULL,
	     "event_id is not a UUID"},
	    {"--name", "n", "--kind", "start", "--result", "success",
	     "start takes no result"},
	    {"--name", "n", "--kind", "finish", "--result", "success",
	     "finish needs a result and a duration"},
	    {"--name", "n", "a", "b", NULL, NULL, "too many arguments"},
	    {"--name", "n", "--compress=yes", NULL, NULL, NULL,
	     "takes no argument"},
	};
	struct kr_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		REPORT(&r, NULL, cases[i][0], cases[i][1], cases[i][2],
		       cases[i][3], cases[i][4], cases[i][5]);
		kr_assert_status(&r, 2);
		cr_assert_str_empty(r.out, "%s", r.out);
		kr_assert_error(&r, cases[i][6]);
		kr_free(&r);
	}
	cr_assert_eq(tu_file_size(kr_pool), -1, "the pool was created");
}

Test(kvpctl_report, binary_text_needs_compress)
{
	char *path = input("bin", "ok\0\xff", 4);
	struct kr_result r;
	char *id;

	REPORT(&r, path, "--name", "bin", "-");
	kr_assert_status(&r, 2);
	kr_assert_error(&r, "holds a NUL byte; encode it (zlib+b64)");
	kr_free(&r);
	cr_assert_eq(tu_file_size(kr_pool), -1);
	id = REPORT_OK(path, "--name", "bin", "--compress", "-");
	assert_round_trip(id, "ok\0\xff", 4);
	free(id);
	free(path);
}

Test(kvpctl_report, a_pool_that_cannot_be_written_is_exit_3)
{
	char *file = tu_path(kr_dir, "file");
	struct kr_result r;

	tu_write_file(file, "x", 1);
	kr_runv(&r, NULL,
		(const char *const[]){"--dir", file, "report", "--name", "n",
				      "text", NULL});
	kr_assert_status(&r, 3);
	cr_assert_str_empty(r.out);
	kr_assert_error(&r, file);
	kr_free(&r);
	free(file);
}

Test(kvpctl_report, without_a_vm_id_the_key_holds_the_nil_uuid)
{
	char *uuid = kr_fmt("%s/sys/class/dmi/id/product_uuid", root);
	struct kr_result r;
	json_t *all;
	char id[37];

	cr_assert_eq(unlink(uuid), 0);
	REPORT(&r, NULL, "--name", "novm", "x");
	kr_assert_status(&r, 0);
	kr_assert_error(&r, "warning: no VM id", "nil UUID");
	cr_assert_eq(r.out_len, 37);
	memcpy(id, r.out, 36);
	id[36] = '\0';
	kr_free(&r);
	all = events_json();
	ef_assert_json_str(json_object_get(entry(all, id, NULL), "vm_id"),
			   "00000000-0000-0000-0000-000000000000");
	json_decref(all);
	free(uuid);
}

/* test_cloudinit_diag.c - `kvpctl events` joins what cloud-init's real KVP
 * handler writes: long messages it split into msg_i chunks (cut anywhere
 * in their escaped JSON text: inside \uXXXX escapes and surrogate pairs),
 * finishes of every status, and a compressed event from cloud-init's
 * Azure helper (zlib data, line-wrapped base64, labelled gz+b64). Every
 * one decodes to exactly what cloud-init was given.
 */
#include <criterion/criterion.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudinit_util.h"
#include "test_util.h"

static char *dir, *pool;

static void setup(void)
{
	dir = tu_mkdtemp();
	pool = tu_path(dir, ".kvp_pool_1");
}

static void teardown(void)
{
	tu_rmtree(dir);
	free(dir);
	free(pool);
}

/* `kvpctl --dir DIR events --json` parsed. */
static json_t *kvpctl_events(void)
{
	const char *argv[] = {getenv("KVPCTL"), "--dir",  dir,
			      "events",		"--json", NULL};
	struct cp_result r;
	json_t *j;

	cr_assert_not_null(argv[0], "KVPCTL is not set (run via make)");
	cp_run(argv, CI_TIMEOUT_MS, &r);
	cr_assert_eq(r.status, 0, "kvpctl events: exit %d: %s", r.status,
		     r.err);
	cr_assert_str_empty(r.err, "%s", r.err);
	j = json_loads(r.out, 0, NULL);
	cr_assert(json_is_array(j), "%s", r.out);
	cp_result_free(&r);
	return j;
}

static json_t *by_name(json_t *all, const char *name)
{
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *o = json_array_get(all, i);
		const char *n = json_string_value(json_object_get(o, "name"));
		if (n && strcmp(n, name) == 0)
			return o;
	}
	cr_assert_fail("kvpctl events shows no %s", name);
	return NULL;
}

static void assert_str(json_t *j, const char *want, const char *what)
{
	cr_assert(json_is_string(j), "%s: not a string", what);
	cr_assert_str_eq(json_string_value(j), want, "%s", what);
}

/* The compressed event's payload is exactly the bytes of data_hex. */
static void assert_bytes(json_t *o, const char *hex)
{
	json_t *p = json_object_get(o, "payload");
	const char *data = json_string_value(json_object_get(p, "data"));
	struct base64_decode_ctx ctx;
	size_t n = strlen(hex) / 2, len;
	uint8_t *got;

	assert_str(json_object_get(p, "type"), "bytes", "payload type");
	cr_assert_not_null(data);
	got = malloc(BASE64_DECODE_LENGTH(strlen(data)) + 1);
	base64_decode_init(&ctx);
	cr_assert(base64_decode_update(&ctx, &len, got, strlen(data), data));
	cr_assert(base64_decode_final(&ctx));
	cr_assert_eq(len, n, "%zu bytes, cloud-init compressed %zu", len, n);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		sscanf(hex + 2 * i, "%2x", &b);
		cr_assert_eq(got[i], b, "byte %zu differs", i);
	}
	free(got);
}

Test(cloudinit_diag, kvpctl_events_joins_what_cloud_init_split, .init = setup,
     .fini = teardown)
{
	json_t *doc = CI_RUN("diag", pool, "--events", "12", "--seed", "5");
	json_t *expected = json_object_get(doc, "expected");
	json_t *all;
	size_t records = json_array_size(json_object_get(doc, "records"));
	size_t split = 0;

	cr_assert_gt(records, json_array_size(expected),
		     "cloud-init split no message");
	all = kvpctl_events();
	/* One entry per event cloud-init was given, none failed. */
	cr_assert_eq(json_array_size(all), json_array_size(expected));
	for (size_t i = 0; i < json_array_size(all); i++)
		cr_assert_null(
		    json_object_get(json_array_get(all, i), "error"), "%s: %s",
		    json_string_value(
			json_object_get(json_array_get(all, i), "name")),
		    json_string_value(
			json_object_get(json_array_get(all, i), "detail")));
	for (size_t i = 0; i < json_array_size(expected); i++) {
		json_t *want = json_array_get(expected, i);
		const char *name =
		    json_string_value(json_object_get(want, "name"));
		const char *type =
		    json_string_value(json_object_get(want, "type"));
		const char *result =
		    json_string_value(json_object_get(want, "result"));
		json_t *got = by_name(all, name);

		assert_str(json_object_get(got, "schema"), "cloud_init", name);
		assert_str(json_object_get(got, "agent"), "CLOUD_INIT", name);
		assert_str(json_object_get(got, "source_type"), type, name);
		split += json_integer_value(json_object_get(got, "chunks")) > 1;
		if (json_object_get(want, "data_hex")) {
			assert_str(json_object_get(got, "encoding"), "gz+b64",
				   name);
			assert_bytes(got, json_string_value(json_object_get(
					      want, "data_hex")));
			continue;
		}
		cr_assert(json_equal(json_object_get(got, "payload"),
				     json_object_get(want, "msg")),
			  "%s: the message differs", name);
		assert_str(json_object_get(got, "kind"), type, name);
		if (!result)
			continue;
		/* SUCCESS and FAIL map, WARN stays as it was. */
		assert_str(json_object_get(got, "source_result"), result, name);
		if (strcmp(result, "WARN") == 0)
			cr_assert_null(json_object_get(got, "result"));
		else
			assert_str(json_object_get(got, "result"),
				   strcmp(result, "FAIL") ? "success" : "fail",
				   name);
	}
	cr_assert_geq(split, 12, "only %zu events came in several chunks",
		      split);
	json_decref(all);
	json_decref(doc);
}

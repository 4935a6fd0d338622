/* test_event_value.c - the JSON value of an ordinary event: member set
 * and order, left-out members, numbers, duration and the host/boot_id
 * defaults. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_event_util.h"

static kvp_settings *s;
static kvp_event ev;
static char key[KVP_KEY_FIELD_SIZE + 1], value[KVP_VALUE_FIELD_SIZE + 1];

static void setup(void)
{
	s = te_settings("/nonexistent");
	te_event(&ev);
}

static void teardown(void)
{
	kvp_settings_free(s);
}

Test(event_value, every_member_in_order, .init = setup, .fini = teardown)
{
	json_t *obj;

	ev.type = KVP_EVENT_SESSION_CLOSE;
	ev.ruser = "bob";
	ev.has_duration = true;
	ev.duration_s = 12.5;
	obj = te_encode_parse(s, &ev, key);
	te_assert_members(
	    obj, (const char *const[]){"v", "event", "time", "service", "user",
				       "rhost", "ruser", "tty", "pid", "uid",
				       "session", "result", "duration_s",
				       "host", "boot_id", NULL});
	cr_assert_eq(json_integer_value(json_object_get(obj, "v")), 1);
	cr_assert(json_is_integer(json_object_get(obj, "v")));
	cr_assert_str_eq(te_str(obj, "event"), "session_close");
	cr_assert_str_eq(te_str(obj, "time"), "2026-11-24T22:33:46.123Z");
	cr_assert_str_eq(te_str(obj, "service"), "sshd");
	cr_assert_str_eq(te_str(obj, "user"), "alice");
	cr_assert_str_eq(te_str(obj, "rhost"), "203.0.113.7");
	cr_assert_str_eq(te_str(obj, "ruser"), "bob");
	cr_assert_str_eq(te_str(obj, "tty"), "ssh");
	cr_assert_eq(json_integer_value(json_object_get(obj, "pid")), 4242);
	cr_assert_eq(json_integer_value(json_object_get(obj, "uid")), 1000);
	cr_assert_str_eq(te_str(obj, "session"),
			 "0b6e0c3e-53c5-4a0e-9a7e-3f1d2c4b5a69");
	cr_assert_str_eq(te_str(obj, "result"), "success");
	cr_assert(json_is_real(json_object_get(obj, "duration_s")));
	cr_assert_float_eq(json_real_value(json_object_get(obj, "duration_s")),
			   12.5, 1e-9);
	cr_assert_str_eq(te_str(obj, "host"), "vm1");
	cr_assert_str_eq(te_str(obj, "boot_id"),
			 "6f1c0b4e-2d0e-4a8f-b5a2-8e1e4f6d7c90");
	json_decref(obj);
}

Test(event_value, compact_text, .init = setup, .fini = teardown)
{
	te_encode(s, &ev, key, value);
	cr_assert_str_eq(
	    value,
	    "{\"v\":1,\"event\":\"session_open\",\"time\":\"2026-11-24T22:"
	    "33:46.123Z\",\"service\":\"sshd\",\"user\":\"alice\",\"rhost\":"
	    "\"203.0.113.7\",\"tty\":\"ssh\",\"pid\":4242,\"uid\":1000,"
	    "\"session\":\"0b6e0c3e-53c5-4a0e-9a7e-3f1d2c4b5a69\","
	    "\"result\":\"success\",\"host\":\"vm1\",\"boot_id\":"
	    "\"6f1c0b4e-2d0e-4a8f-b5a2-8e1e4f6d7c90\"}");
}

Test(event_value, null_strings_left_out, .init = setup, .fini = teardown)
{
	json_t *obj;

	ev.service = ev.user = ev.rhost = ev.tty = NULL;
	ev.session = ev.result = NULL;
	ev.pid = ev.uid = -1;
	obj = te_encode_parse(s, &ev, key);
	te_assert_members(obj, (const char *const[]){"v", "event", "time",
						     "host", "boot_id", NULL});
	json_decref(obj);
}

Test(event_value, pid_and_uid, .init = setup, .fini = teardown)
{
	json_t *obj;

	ev.pid = -1;
	ev.uid = 0;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_not(te_has(obj, "pid"));
	cr_assert_eq(json_integer_value(json_object_get(obj, "uid")), 0);
	json_decref(obj);

	ev.pid = 4194304;
	ev.uid = -5;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_eq(json_integer_value(json_object_get(obj, "pid")), 4194304);
	cr_assert_not(te_has(obj, "uid"));
	json_decref(obj);

	ev.uid = 4294967294LL;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_eq(json_integer_value(json_object_get(obj, "uid")),
		     4294967294LL);
	json_decref(obj);
}

Test(event_value, empty_strings_kept, .init = setup, .fini = teardown)
{
	json_t *obj;

	ev.user = "";
	ev.rhost = "";
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "user"), "");
	cr_assert_str_eq(te_str(obj, "rhost"), "");
	cr_assert_not(te_has(obj, "truncated"));
	json_decref(obj);
}

/* The text of duration_s for `d`. */
static const char *duration_text(double d)
{
	static char text[64];
	const char *p, *end;

	ev.has_duration = true;
	ev.duration_s = d;
	te_encode(s, &ev, key, value);
	p = strstr(value, "\"duration_s\":");
	cr_assert_not_null(p, "%s", value);
	p += strlen("\"duration_s\":");
	end = strchr(p, ',');
	cr_assert_not_null(end);
	cr_assert_lt((size_t)(end - p), sizeof(text));
	memcpy(text, p, (size_t)(end - p));
	text[end - p] = '\0';
	return text;
}

Test(event_value, duration_millisecond_precision, .init = setup,
     .fini = teardown)
{
	ev.type = KVP_EVENT_SESSION_CLOSE;
	cr_assert_str_eq(duration_text(12.5), "12.5");
	cr_assert_str_eq(duration_text(12.3456), "12.346");
	cr_assert_str_eq(duration_text(0.1), "0.1");
	cr_assert_str_eq(duration_text(0.0004), "0.0");
	cr_assert_str_eq(duration_text(3600), "3600.0");
	cr_assert_str_eq(duration_text(86400.0016), "86400.002");
	cr_assert_str_eq(duration_text(123456789.123), "123456789.123");
	cr_assert_str_eq(duration_text(-2.25), "-2.25");
}

Test(event_value, duration_only_when_given, .init = setup, .fini = teardown)
{
	json_t *obj;

	ev.has_duration = false;
	ev.duration_s = 99.0;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_not(te_has(obj, "duration_s"));
	json_decref(obj);

	/* JSON has no NaN or infinity: such a duration is left out. */
	ev.has_duration = true;
	ev.duration_s = NAN;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_not(te_has(obj, "duration_s"));
	json_decref(obj);
	ev.duration_s = INFINITY;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_not(te_has(obj, "duration_s"));
	json_decref(obj);
}

Test(event_value, host_defaults_to_gethostname, .init = setup, .fini = teardown)
{
	char host[256] = "";
	json_t *obj;

	cr_assert_eq(gethostname(host, sizeof(host) - 1), 0);
	ev.host = NULL;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "host"), host);
	json_decref(obj);
}

Test(event_value, boot_id_defaults_to_kernel, .init = setup, .fini = teardown)
{
	char want[128] = "";
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY);
	ssize_t n;
	json_t *obj;

	cr_assert_geq(fd, 0);
	n = read(fd, want, sizeof(want) - 1);
	close(fd);
	cr_assert_gt(n, 1);
	want[n - 1] = '\0'; /* the newline */
	ev.boot_id = NULL;
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "boot_id"), want);
	cr_assert_eq(strlen(want), 36);
	json_decref(obj);
}

Test(event_value, omit_policy_per_field, .init = setup, .fini = teardown)
{
	static const char *const names[] = {"user", "ruser", "rhost", "tty",
					    "host"};
	enum { N = sizeof(names) / sizeof(*names) };

	ev.ruser = "bob";
	for (int f = 0; f < N; f++) {
		json_t *obj;

		kvp_settings_free(s);
		s = te_settings("/nonexistent");
		te_field(s, names[f], "omit");
		obj = te_encode_parse(s, &ev, key);
		for (int g = 0; g < N; g++)
			cr_assert_eq(te_has(obj, names[g]), g != f, "%s/%s",
				     names[f], names[g]);
		cr_assert_not(te_has(obj, "truncated"));
		cr_assert_not(te_has(obj, "hash_unavailable"));
		json_decref(obj);
	}
}

Test(event_value, omitted_host_is_not_looked_up, .init = setup,
     .fini = teardown)
{
	json_t *obj;

	ev.host = NULL;
	te_field(s, "host", "omit");
	obj = te_encode_parse(s, &ev, key);
	cr_assert_not(te_has(obj, "host"));
	cr_assert(te_has(obj, "boot_id"));
	json_decref(obj);
}

/* An unknown policy or mode never reaches the encoder: the settings
 * refuse it, and stay as they were. */
Test(event_value, unknown_policy_rejected, .init = setup, .fini = teardown)
{
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "pam_kvp.conf");
	static const char text[] = "fields = { tty = \"7\"; };\n";
	json_t *obj;

	tu_write_file(path, text, sizeof(text) - 1);
	cr_assert_eq(kvp_settings_load(s, path, NULL, NULL), KVP_ERR_CONFIG);
	cr_assert_eq(kvp_settings_set(s, "mode=9"), KVP_ERR_CONFIG);
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "tty"), "ssh");
	json_decref(obj);
	tu_rmtree(dir);
	free(path);
	free(dir);
}

Test(event_value, quotes_backslashes_and_newlines_round_trip, .init = setup,
     .fini = teardown)
{
	json_t *obj;

	ev.user = "a\"b\\c";
	ev.tty = "line1\nline2\ttab\r";
	obj = te_encode_parse(s, &ev, key);
	cr_assert_str_eq(te_str(obj, "user"), "a\"b\\c");
	cr_assert_str_eq(te_str(obj, "tty"), "line1\nline2\ttab\r");
	cr_assert_not(te_has(obj, "truncated"));
	json_decref(obj);
}

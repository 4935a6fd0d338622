/* event_fixture.c - see event_fixture.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_fixture.h"
#include "kvpctl_run.h"
#include "test_util.h"

kvp_settings *ef_diag_settings(void)
{
	kvp_settings *s = NULL;
	char *dir = kr_fmt("pool_dir=%s", kr_dir);

	cr_assert_eq(kvp_settings_new(&s), 0);
	ef_set(s, dir);
	ef_set(s, "clear_if_stale=no");
	ef_set(s, "lock_timeout_ms=2000");
	free(dir);
	return s;
}

kvp_settings *ef_settings(void)
{
	kvp_settings *s = ef_diag_settings();

	ef_set(s, "format=pam_kvp");
	return s;
}

void ef_set(kvp_settings *s, const char *arg)
{
	cr_assert_eq(kvp_settings_set(s, arg), 0, "%s: %s", arg,
		     kvp_error_last()->message);
}

kvp_event ef_event(kvp_event_type type, long long sec)
{
	return (kvp_event){
	    .version = KVP_EVENT_VERSION,
	    .type = type,
	    .time = {(time_t)(EF_T0 + sec), 0},
	    .service = "sshd",
	    .user = "alice",
	    .rhost = "192.0.2.7",
	    .tty = "ssh",
	    .pid = 4242,
	    .uid = 1000,
	    .session = EF_SESSION,
	    .result = "success",
	    .host = "testhost",
	    .boot_id = "boot-id",
	};
}

void ef_record(const kvp_settings *s, const kvp_event *ev)
{
	kvp_settings *def = ef_settings();

	cr_assert_eq(kvp_event_record(s ? s : def, ev), 0,
		     "kvp_event_record: %s", kvp_error_last()->message);
	kvp_settings_free(def);
}

void ef_put(kvp_event_type type, long long sec)
{
	kvp_event ev = ef_event(type, sec);

	ef_record(NULL, &ev);
}

size_t ef_lines(const char *s)
{
	return kr_count(s, "\n");
}

char *ef_line(const char *s, size_t n)
{
	const char *end;

	for (; n > 0 && s; n--) {
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	cr_assert(s && *s, "no line %zu", n);
	end = strchrnul(s, '\n');
	return strndup(s, (size_t)(end - s));
}

json_t *ef_parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	cr_assert_not_null(j, "bad JSON (%s at line %d): %s", e.text, e.line,
			   text);
	return j;
}

void ef_assert_json_str(json_t *j, const char *expected)
{
	cr_assert(json_is_string(j), "not a JSON string");
	cr_assert_eq(json_string_length(j), strlen(expected));
	cr_assert_eq(memcmp(json_string_value(j), expected, strlen(expected)),
		     0, "got '%s', expected '%s'", json_string_value(j),
		     expected);
}

void ef_assert_terminal_safe(const char *out, size_t len)
{
	cr_assert_not(kr_has_byte(out, len, 0x1b), "raw ESC in: %s", out);
	cr_assert_not(kr_has_byte(out, len, 0x07), "raw BEL in: %s", out);
	cr_assert_not(kr_has_byte(out, len, 0xff), "raw 0xff in: %s", out);
	cr_assert_not(kr_has_byte(out, len, 0xfe), "raw 0xfe in: %s", out);
	cr_assert_null(memmem(out, len, "\xc2\x9b", 2), "raw CSI in: %s", out);
	cr_assert_null(memmem(out, len, "\xe2\x80\xae", 3), "raw RLO in: %s",
		       out);
}

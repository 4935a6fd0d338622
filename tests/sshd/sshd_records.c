/* sshd_records.c - what pam_kvp wrote inside sshd, read back with
 * libkvpcore's kvp_event_list() and each value parsed with jansson. The
 * module writes from sshd's monitor process, after the client has gone
 * for session_close: sh_wait_for() waits for it on inotify, bounded. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "kvp/kvp.h"
#include "sshd_harness.h"
#include "sshd_proc.h"
#include "test_util.h"

/* The n-th '|'-separated part of a key, malloc'd. */
static char *key_part(const char *key, int n)
{
	const char *p = key, *end;

	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	cr_assert_not_null(p, "key '%s' has no part %d", key, n);
	end = strchr(p, '|');
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

char *sh_key_field(const char *key, int n)
{
	return key_part(key, n);
}

/* A DIAG key of ours against its value (sshd_harness.h, sh_recs). */
static void check_diag(const char *key, const json_t *v)
{
	const char *event = sh_str(v, "event"), *what = event;
	const char *kind = "event", *result = "success";
	json_t *session = json_object_get(v, "session");
	json_t *dur = json_object_get(v, "duration_s");
	char *f[11], name[64];

	size_t bars = 0;

	for (const char *c = key; *c; c++)
		bars += *c == '|';
	cr_assert_eq(bars, 10, "not 11 fields: %s", key);
	for (int i = 0; i < 11; i++)
		f[i] = key_part(key, i);
	if (strcmp(event, "auth_fail") == 0) {
		what = "auth";
		result = "fail";
	} else if (strcmp(event, "session_open") == 0) {
		kind = "start";
		what = "session";
		result = "";
	} else if (strcmp(event, "session_close") == 0) {
		kind = dur ? "finish" : "event";
		what = "session";
	}
	snprintf(name, sizeof(name), "pam:sshd:%s", what);
	cr_assert_str_eq(f[0], "DIAG", "%s", key);
	cr_assert_str_eq(f[1], SH_AGENT, "%s", key);
	cr_assert_str_eq(f[2], SH_VM_ID, "%s", key);
	cr_assert_str_eq(f[3], kind, "%s", key);
	cr_assert_str_eq(f[4], name, "%s", key);
	cr_assert_eq(strlen(f[5]), 36, "event_id of %s", key);
	if (session)
		cr_assert_str_eq(f[5], json_string_value(session), "%s", key);
	cr_assert_str_eq(f[6], sh_str(v, "time"), "%s", key);
	cr_assert_str_eq(f[7], "none", "%s", key);
	cr_assert_str_eq(f[8], result, "%s", key);
	if (dur && strcmp(kind, "finish") == 0) {
		const char *dot = strchr(f[9], '.');
		cr_assert(dot && strlen(dot + 1) == 6 &&
			      strspn(f[9], "0123456789.") == strlen(f[9]),
			  "duration of %s", key);
		cr_assert_leq(fabs(strtod(f[9], NULL) - json_number_value(dur)),
			      0.00051, "%s", key);
	} else {
		cr_assert_str_eq(f[9], "", "%s", key);
	}
	cr_assert_str_eq(f[10], "0", "%s", key);
	cr_assert_null(json_object_get(v, "vm_id_unavailable"), "%s", key);
	for (int i = 0; i < 11; i++)
		free(f[i]);
}

static json_t *parse(const kvp_record *r)
{
	json_error_t err;
	json_t *v =
	    json_loadb(r->value, r->value_len, JSON_REJECT_DUPLICATES, &err);

	cr_assert_not_null(v, "value of %s is not JSON (%s): %s", r->key,
			   err.text, r->value);
	cr_assert(json_is_object(v), "value of %s is not an object", r->key);
	cr_assert_eq(json_integer_value(json_object_get(v, "v")), 1, "%s",
		     r->value);
	cr_assert_leq(r->key_len, KVP_SAFE_MAX_KEY_SIZE, "%s", r->key);
	cr_assert_leq(r->value_len, KVP_SAFE_MAX_VALUE_SIZE, "%s", r->key);
	if (strncmp(r->key, "DIAG|", 5) == 0) {
		check_diag(r->key, v);
	} else {
		char *event = key_part(r->key, 1);
		char *service = key_part(r->key, 2);
		cr_assert_str_eq(sh_str(v, "event"), event, "key %s, value %s",
				 r->key, r->value);
		cr_assert_str_eq(service, "sshd", "key %s", r->key);
		free(event);
		free(service);
	}
	return v;
}

void sh_recs(struct sh_recs *out)
{
	kvp_store *store = NULL;
	kvp_record_list list = {0};

	memset(out, 0, sizeof(*out));
	cr_assert_eq(
	    kvp_store_new(&store, KVP_POOL_GUEST, sh.pool_dir, KVP_MODE_UNSAFE),
	    0, "%s", kvp_error_last()->message);
	cr_assert_eq(kvp_event_list(store, NULL, &list), 0, "%s",
		     kvp_error_last()->message);
	cr_assert_eq(list.torn_bytes, 0, "the pool has a torn tail");
	out->keys = calloc(list.count + 1, sizeof(*out->keys));
	out->v = calloc(list.count + 1, sizeof(*out->v));
	cr_assert(out->keys && out->v);
	for (size_t i = 0; i < list.count; i++) {
		out->keys[i] = strdup(list.records[i].key);
		out->v[i] = parse(&list.records[i]);
	}
	out->n = list.count;
	kvp_record_list_free(&list);
	kvp_store_free(store);
}

void sh_recs_free(struct sh_recs *recs)
{
	for (size_t i = 0; i < recs->n; i++) {
		free(recs->keys[i]);
		json_decref(recs->v[i]);
	}
	free(recs->keys);
	free(recs->v);
	memset(recs, 0, sizeof(*recs));
}

size_t sh_count(const struct sh_recs *recs, const char *event)
{
	size_t n = 0;

	for (size_t i = 0; i < recs->n; i++)
		n += strcmp(sh_str(recs->v[i], "event"), event) == 0;
	return n;
}

json_t *sh_nth(const struct sh_recs *recs, const char *event, size_t nth)
{
	for (size_t i = 0; i < recs->n; i++)
		if (strcmp(sh_str(recs->v[i], "event"), event) == 0 &&
		    nth-- == 0)
			return recs->v[i];
	cr_assert_fail("no %s record number %zu in the pool:\n%s", event, nth,
		       sh_recs_text(recs));
	return NULL;
}

char *sh_recs_text(const struct sh_recs *recs)
{
	char *all = strdup(""), *more;

	for (size_t i = 0; i < recs->n; i++) {
		char *v = json_dumps(recs->v[i], JSON_COMPACT);

		cr_assert(asprintf(&more, "%s%s = %s\n", all, recs->keys[i],
				   v ? v : "?") > 0);
		free(v);
		free(all);
		all = more;
	}
	return all;
}

void sh_wait_for(const char *event, size_t n, int timeout_ms,
		 struct sh_recs *out)
{
	long long deadline = sp_now_ms() + timeout_ms;
	int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	cr_assert(ino >= 0, "inotify_init1: %s", strerror(errno));
	cr_assert(inotify_add_watch(ino, sh.pool_dir,
				    IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE |
					IN_MOVED_TO) >= 0,
		  "inotify on %s: %s", sh.pool_dir, strerror(errno));
	for (;;) {
		struct pollfd pfd = {.fd = ino, .events = POLLIN};
		char buf[4096];
		int left;

		sh_recs(out);
		if (sh_count(out, event) >= n)
			break;
		left = sp_left_ms(deadline);
		if (left == 0) {
			char *text = sh_recs_text(out), *tail = sh_log_tail();

			close(ino);
			cr_assert_fail(
			    "no %zu %s record(s) after %d ms; pool:\n"
			    "%s\nsshd log:\n%s",
			    n, event, timeout_ms, text, tail);
		}
		sh_recs_free(out);
		/* A write wakes us; 200 ms caps a missed wake. */
		poll(&pfd, 1, left < 200 ? left : 200);
		while (read(ino, buf, sizeof(buf)) > 0)
			;
	}
	close(ino);
}

const char *sh_key_of(const struct sh_recs *recs, const json_t *v)
{
	for (size_t i = 0; i < recs->n; i++)
		if (recs->v[i] == v)
			return recs->keys[i];
	cr_assert_fail("record not in the list");
	return NULL;
}

void sh_assert_diag_session(const struct sh_recs *recs, const json_t *open,
			    const json_t *close, double min_duration_s)
{
	const char *a = sh_key_of(recs, open), *b = sh_key_of(recs, close);
	char *kind_a = key_part(a, 3), *kind_b = key_part(b, 3);
	char *name_a = key_part(a, 4), *name_b = key_part(b, 4);
	char *id_a = key_part(a, 5), *id_b = key_part(b, 5);
	char *result = key_part(b, 8), *dur = key_part(b, 9);

	cr_assert_str_eq(kind_a, "start", "%s", a);
	cr_assert_str_eq(kind_b, "finish", "%s", b);
	cr_assert_str_eq(name_a, "pam:sshd:session", "%s", a);
	cr_assert_str_eq(name_b, name_a, "start %s\nfinish %s", a, b);
	cr_assert_str_eq(id_a, sh_str(open, "session"), "%s", a);
	cr_assert_str_eq(id_b, id_a, "start %s\nfinish %s", a, b);
	cr_assert_str_eq(result, "success", "%s", b);
	cr_assert_geq(strtod(dur, NULL), min_duration_s, "%s", b);
	cr_assert_lt(strtod(dur, NULL), min_duration_s + 60, "%s", b);
	free(kind_a);
	free(kind_b);
	free(name_a);
	free(name_b);
	free(id_a);
	free(id_b);
	free(result);
	free(dur);
}

char *sh_kvpctl(const char *command)
{
	const char *kvpctl = getenv("KVPCTL");
	char *cmd = NULL, *out = NULL;
	size_t size = 0;
	FILE *p, *o;
	int c;

	cr_assert_not_null(kvpctl,
			   "KVPCTL is not set (make check-run sets it)");
	cr_assert(asprintf(&cmd, "'%s' --dir '%s' %s", kvpctl, sh.pool_dir,
			   command) > 0);
	p = popen(cmd, "r");
	o = open_memstream(&out, &size);
	cr_assert(p && o, "%s", cmd);
	while ((c = fgetc(p)) != EOF)
		fputc(c, o);
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	fclose(o);
	free(cmd);
	return out;
}

const char *sh_str(const json_t *v, const char *name)
{
	json_t *m = json_object_get(v, name);
	char *text;

	if (json_is_string(m))
		return json_string_value(m);
	text = json_dumps(v, JSON_COMPACT);
	cr_assert_fail("no string \"%s\" in %s", name, text ? text : "?");
	return NULL;
}

bool sh_pool_contains(const char *needle)
{
	char *path = tu_path(sh.pool_dir, kvp_pool_file_name(KVP_POOL_GUEST));
	size_t len;
	unsigned char *bytes = tu_read_file(path, &len);
	bool found = bytes && memmem(bytes, len, needle, strlen(needle));

	free(bytes);
	free(path);
	return found;
}

/* This boot's id (a /proc file: its size is not known before reading). */
static char *boot_id(void)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	char id[64] = "";

	cr_assert_not_null(f, "boot_id: %s", strerror(errno));
	cr_assert_not_null(fgets(id, sizeof(id), f));
	fclose(f);
	id[strcspn(id, "\n")] = '\0';
	return strdup(id);
}

void sh_assert_fields(const json_t *v, const char *result)
{
	char *text = json_dumps(v, JSON_COMPACT), *boot = boot_id();
	json_t *pid = json_object_get(v, "pid");

	cr_assert_str_eq(sh_str(v, "service"), "sshd", "%s", text);
	cr_assert_str_eq(sh_str(v, "user"), SH_USER, "%s", text);
	cr_assert_str_eq(sh_str(v, "rhost"), "127.0.0.1", "%s", text);
	cr_assert_str_eq(sh_str(v, "tty"), "ssh", "%s", text);
	cr_assert_str_eq(sh_str(v, "result"), result, "%s", text);
	/* The uid comes from nss_wrapper's passwd, looked up inside sshd. */
	cr_assert_eq(json_integer_value(json_object_get(v, "uid")), SH_UID,
		     "%s", text);
	cr_assert(json_is_integer(pid) && json_integer_value(pid) > 0, "%s",
		  text);
	cr_assert_neq(getpid(), (pid_t)json_integer_value(pid),
		      "written by the test, not by sshd: %s", text);
	cr_assert_str_eq(sh_str(v, "boot_id"), boot, "%s", text);
	cr_assert_gt(strlen(sh_str(v, "host")), 0, "%s", text);
	cr_assert_eq(strlen(sh_str(v, "time")), 24, "%s", text);
	cr_assert_null(json_object_get(v, "truncated"), "%s", text);
	free(boot);
	free(text);
}

void sh_assert_session(const json_t *open, const json_t *close,
		       double min_duration_s)
{
	char *a = json_dumps(open, JSON_COMPACT);
	char *b = json_dumps(close, JSON_COMPACT);
	const char *id = sh_str(open, "session");
	json_t *dur = json_object_get(close, "duration_s");

	sh_assert_fields(open, "success");
	sh_assert_fields(close, "success");
	cr_assert_eq(strlen(id), 36, "session id of %s", a);
	cr_assert_eq(id[14], '4', "not a version 4 uuid: %s", a);
	cr_assert_str_eq(sh_str(close, "session"), id, "open %s\nclose %s", a,
			 b);
	/* One PAM handle in one process (sshd's monitor) did both. */
	cr_assert(json_equal(json_object_get(open, "pid"),
			     json_object_get(close, "pid")),
		  "open %s\nclose %s", a, b);
	cr_assert_null(json_object_get(open, "duration_s"), "%s", a);
	cr_assert(json_is_number(dur), "no duration_s: %s", b);
	cr_assert_geq(json_number_value(dur), min_duration_s, "%s", b);
	cr_assert_lt(json_number_value(dur), min_duration_s + 60, "%s", b);
	free(a);
	free(b);
}

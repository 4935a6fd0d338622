/* event_encode.c - event_encode(): an event as its record key (DIAG,
 * event_diag.c, or legacy, event_key.c, by the setting `format`) and its
 * compact JSON value (made with jansson), always within the limits: the
 * mode's, and with DIAG one record's value, 1022 bytes, in either mode.
 *
 * Fields appear in kvp/event.h's order. Strings are bounded by the caps in
 * event_internal.h; if the encoded value is still longer than the mode
 * allows (escaping can grow a control character to 6 bytes), the longest
 * string fields are cut down to a common length, just enough to fit, and
 * the value is encoded again. Every round shortens some field, so this
 * ends; digests, "event" and "time" are never cut.
 *
 * host and boot_id default to gethostname() and the kernel's boot_id,
 * looked up on every call (nothing is cached). A user name the caller
 * marks as no account here (user_unknown) is recorded as invalid_user
 * says: "(invalid user)" by default, as OpenSSH's audit records it.
 */
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/event_internal.h"

#define BOOT_ID_PATH	 "/proc/sys/kernel/random/boot_id"
#define TRUNCATED_MEMBER ",\"truncated\":true"
/* Room for the longest value any mode allows, and its NUL. */
#define VALUE_BUF (KVP_VALUE_FIELD_SIZE + 1)

/* String fields; JSON order is service..tty, pid, uid, session, result,
 * duration_s, host, boot_id. */
enum {
	F_SERVICE,
	F_USER,
	F_RHOST,
	F_RUSER,
	F_TTY,
	F_SESSION,
	F_RESULT,
	F_HOST,
	F_BOOT_ID,
	F_COUNT
};

static const char *const json_members[F_COUNT] = {"service", "user", "rhost",
						  "ruser",   "tty",  "session",
						  "result",  "host", "boot_id"};

struct value {
	const char *event;
	struct event_time time;
	struct event_str str[F_COUNT];
	long long pid, uid;
	bool has_duration;
	double duration_s;
	bool truncated, hash_unavailable, vm_id_unavailable;
};

/* Every text given to jansson is valid UTF-8 already: the member names
 * are literals, event and time ASCII we made, and the string fields made
 * valid by event_str_make (or hex digests). So the _nocheck calls: jansson
 * need not validate them again. */
static int put(json_t *obj, const char *name, json_t *value)
{
	return json_object_set_new_nocheck(obj, name, value);
}

static int put_strings(json_t *obj, const struct value *v, int from, int to)
{
	int failed = 0;

	for (int i = from; i <= to; i++)
		if (v->str[i].text)
			failed |= put(obj, json_members[i],
				      json_stringn_nocheck(v->str[i].text,
							   v->str[i].len));
	return failed;
}

static int put_members(json_t *obj, const struct value *v)
{
	int failed = 0;

	failed |= put(obj, "v", json_integer(1));
	failed |= put(obj, "event", json_string_nocheck(v->event));
	failed |= put(obj, "time", json_string_nocheck(v->time.text));
	failed |= put_strings(obj, v, F_SERVICE, F_TTY);
	if (v->pid >= 0)
		failed |= put(obj, "pid", json_integer(v->pid));
	if (v->uid >= 0)
		failed |= put(obj, "uid", json_integer(v->uid));
	failed |= put_strings(obj, v, F_SESSION, F_RESULT);
	if (v->has_duration)
		failed |= put(obj, "duration_s", json_real(v->duration_s));
	failed |= put_strings(obj, v, F_HOST, F_BOOT_ID);
	if (v->truncated)
		failed |= put(obj, "truncated", json_true());
	if (v->hash_unavailable)
		failed |= put(obj, "hash_unavailable", json_true());
	if (v->vm_id_unavailable)
		failed |= put(obj, "vm_id_unavailable", json_true());
	return failed;
}

/* The value as compact JSON into buf (VALUE_BUF bytes), NUL-terminated
 * when it fits; its length, which may be more than fits, or 0 when out of
 * memory. Reals (only duration_s, already rounded to ms) print in at most
 * 15 digits, so 1.5 is "1.5", not "1.5000000000000000". json_dumpb, not
 * json_dumps: no heap string grown and copied for every event. */
static size_t dump_value(const struct value *v, char buf[VALUE_BUF])
{
	json_t *obj = json_object();
	size_t len = 0;

	if (obj && put_members(obj, v) == 0)
		len = json_dumpb(obj, buf, VALUE_BUF - 1,
				 JSON_COMPACT | JSON_PRESERVE_ORDER |
				     JSON_REAL_PRECISION(15));
	json_decref(obj);
	if (len > 0 && len < VALUE_BUF)
		buf[len] = '\0';
	return len;
}

/* sum(min(enc[i], level)) */
static size_t filled(const size_t *enc, size_t level)
{
	size_t sum = 0;

	for (int i = 0; i < F_COUNT; i++)
		sum += enc[i] < level ? enc[i] : level;
	return sum;
}

/* Cut the longest string fields to one level that frees `excess` encoded
 * bytes. false when nothing is left to cut. */
static bool shrink(struct value *v, size_t excess)
{
	size_t enc[F_COUNT], total = 0, top = 0, lo = 0, hi, budget;

	for (int i = 0; i < F_COUNT; i++) {
		struct event_str *f = &v->str[i];
		enc[i] =
		    f->text && !f->digest ? event_json_len(f->text, f->len) : 0;
		total += enc[i];
		if (enc[i] > top)
			top = enc[i];
	}
	if (top == 0)
		return false;
	budget = total > excess ? total - excess : 0;
	/* The highest level whose fill fits the budget. */
	for (hi = top; lo < hi;) {
		size_t mid = lo + (hi - lo + 1) / 2;
		if (filled(enc, mid) <= budget)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo >= top) /* always shorten something */
		lo = top - 1;
	for (int i = 0; i < F_COUNT; i++) {
		struct event_str *f = &v->str[i];
		if (enc[i] > lo) {
			f->len = event_json_cut(f->text, f->len, lo);
			f->text[f->len] = '\0';
		}
	}
	v->truncated = true;
	return true;
}

/* Encode into text, shrinking until it fits `max` bytes (less than
 * VALUE_BUF). */
static int encode_within(struct value *v, size_t max, char text[VALUE_BUF],
			 size_t *len)
{
	if (max > VALUE_BUF - 1)
		max = VALUE_BUF - 1;
	for (;;) {
		size_t excess;

		*len = dump_value(v, text);
		if (*len == 0)
			return err_fail_nomem(NULL);
		if (*len <= max)
			return 0;
		excess = *len - max;
		if (!v->truncated)
			excess += sizeof(TRUNCATED_MEMBER) - 1;
		if (!shrink(v, excess))
			return err_fail(KVP_ERR_VALUE_TOO_LARGE, NULL, max,
					*len,
					"event value does not fit %zu bytes "
					"even with every string emptied",
					max);
	}
}

/* The boot_id cannot change while a process lives: it is read once. */
static pthread_once_t boot_id_once = PTHREAD_ONCE_INIT;
static char boot_id_text[EVENT_BOOT_ID_SIZE];

static void boot_id_load(void)
{
	int fd = open(BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, boot_id_text, sizeof(boot_id_text) - 1);
	close(fd);
	while (n > 0 &&
	       (boot_id_text[n - 1] == '\n' || boot_id_text[n - 1] == ' '))
		n--;
	boot_id_text[n > 0 ? n : 0] = '\0';
}

const char *event_boot_id(char *buf, size_t size)
{
	pthread_once(&boot_id_once, boot_id_load);
	if (!boot_id_text[0] || strlen(boot_id_text) >= size)
		return NULL;
	strcpy(buf, boot_id_text);
	return buf;
}

/* The host name, asked of the kernel at most once a second per process:
 * it is in every event, and a rename is rare and may show a second late.
 * A thread that finds the memo busy asks the kernel itself. */
#define HOST_MEMO_MS 1000

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static char host_text[HOST_NAME_MAX + 1];
static long long host_until_ms;

static const char *default_host(char *buf, size_t size)
{
	long long now = coarse_now_ms();
	bool memo = now >= 0 && pthread_mutex_trylock(&host_lock) == 0;
	const char *r = buf;

	if (memo && now < host_until_ms && strlen(host_text) < size) {
		strcpy(buf, host_text);
	} else if (gethostname(buf, size) == -1) {
		r = NULL;
	} else {
		buf[size - 1] = '\0';
		if (memo && strlen(buf) < sizeof(host_text)) {
			strcpy(host_text, buf);
			host_until_ms = now + HOST_MEMO_MS;
		}
	}
	if (memo)
		pthread_mutex_unlock(&host_lock);
	return r;
}

/* Milliseconds, and only a finite number (JSON has no NaN). */
static void set_duration(struct value *v, const kvp_event *ev)
{
	double d = ev->duration_s;

	if (!ev->has_duration || !isfinite(d))
		return;
	if (d > -1e15 && d < 1e15)
		d = (double)(long long)(d * 1000.0 + (d < 0 ? -0.5 : 0.5)) /
		    1000.0;
	v->has_duration = true;
	v->duration_s = d;
}

/* The user field's raw text and policy: a name that is no account here
 * is recorded as invalid_user says, unless the field is omitted. */
static kvp_field_policy user_policy(const kvp_settings *s, const kvp_event *ev,
				    const char **raw)
{
	kvp_field_policy pol = (kvp_field_policy)s->fields[KVP_FIELD_USER];

	*raw = ev->user;
	if (ev->version < 2 || !ev->user_unknown || !ev->user ||
	    pol == KVP_FIELD_OMIT)
		return pol;
	switch (s->invalid_user) {
	case KVP_INVALID_USER_PLAIN: return pol; /* as an account's name */
	case KVP_INVALID_USER_HASH: return KVP_FIELD_HASH;
	default: *raw = EVENT_INVALID_USER; return KVP_FIELD_PLAIN;
	}
}

/* Every string field under its policy. */
static int gather_strings(const kvp_settings *s, const kvp_event *ev,
			  const char *boot_id, struct value *v,
			  struct event_secret *secret)
{
	char host_buf[HOST_NAME_MAX + 1], boot_buf[EVENT_BOOT_ID_SIZE];
	const int *pol = s->fields;
	const char *host = ev->host, *user;
	kvp_field_policy user_pol = user_policy(s, ev, &user);
	struct {
		const char *raw;
		size_t cap;
		kvp_field_policy policy;
	} in[F_COUNT] = {
	    [F_SERVICE] = {ev->service, EVENT_CAP_SERVICE, KVP_FIELD_PLAIN},
	    [F_USER] = {user, EVENT_CAP_USER, user_pol},
	    [F_RHOST] = {ev->rhost, EVENT_CAP_RHOST, pol[KVP_FIELD_RHOST]},
	    [F_RUSER] = {ev->ruser, EVENT_CAP_USER, pol[KVP_FIELD_RUSER]},
	    [F_TTY] = {ev->tty, EVENT_CAP_TTY, pol[KVP_FIELD_TTY]},
	    [F_SESSION] = {ev->session, EVENT_CAP_SESSION, KVP_FIELD_PLAIN},
	    [F_RESULT] = {ev->result, EVENT_CAP_RESULT, KVP_FIELD_PLAIN},
	    [F_HOST] = {NULL, EVENT_CAP_HOST, pol[KVP_FIELD_HOST]},
	    [F_BOOT_ID] = {NULL, EVENT_CAP_BOOT_ID, KVP_FIELD_PLAIN},
	};

	if (!host && pol[KVP_FIELD_HOST] != KVP_FIELD_OMIT)
		host = default_host(host_buf, sizeof(host_buf));
	if (!boot_id)
		boot_id = ev->boot_id;
	if (!boot_id)
		boot_id = event_boot_id(boot_buf, sizeof(boot_buf));
	in[F_HOST].raw = host;
	in[F_BOOT_ID].raw = boot_id;

	for (int i = 0; i < F_COUNT; i++) {
		int r = event_str_make(&v->str[i], json_members[i], in[i].raw,
				       in[i].cap, in[i].policy, secret,
				       &v->truncated, &v->hash_unavailable);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_args(const kvp_settings *s, const kvp_event *ev,
		      const char *key, const char *value)
{
	if (!s || !ev || !key || !value)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"event_encode: NULL argument");
	if (ev->version < 1 || ev->version > KVP_EVENT_VERSION)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_event version %u is not supported (1 to "
				"%d; start from KVP_EVENT_INIT)",
				ev->version, KVP_EVENT_VERSION);
	if (!kvp_event_type_name(ev->type))
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"unknown event type %d", (int)ev->type);
	return 0;
}

static int copy_out(const char *what, const char *text, size_t len, char *out,
		    size_t size)
{
	if (len >= size)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, size, len + 1,
				"event %s needs %zu bytes, the buffer has %zu",
				what, len + 1, size);
	memcpy(out, text, len + 1);
	return 0;
}

_Static_assert(EVENT_KEY_MAX <= KVP_DIAG_MAX_KEY, "a legacy key fits");

/* The record's key into key_buf, for the value text[0..len); its length
 * or <0. */
static int make_key(const kvp_settings *s, const kvp_event *ev,
		    const struct value *v, const struct timespec *when,
		    const char *vm_id, const char *text, size_t len,
		    char key_buf[KVP_DIAG_MAX_KEY + 1])
{
	if (s->format == KVP_FORMAT_DIAG)
		return event_diag_key(ev, when, vm_id, text, len, key_buf);
	return event_key_build(s->key_prefix, v->event, ev->service,
			       v->time.key, key_buf);
}

int event_encode(const kvp_settings *s, const kvp_event *ev, char *key,
		 size_t key_size, char *value, size_t value_size)
{
	return event_encode_boot(s, ev, NULL, key, key_size, value, value_size);
}

int event_encode_boot(const kvp_settings *s, const kvp_event *ev,
		      const char *boot_id, char *key, size_t key_size,
		      char *value, size_t value_size)
{
	struct value v = {.pid = ev ? ev->pid : -1, .uid = ev ? ev->uid : -1};
	struct event_secret secret = {.path = s ? s->hash_key_file : NULL};
	char key_buf[KVP_DIAG_MAX_KEY + 1], vm_id[KVP_UUID_SIZE] = "",
					    text[VALUE_BUF];
	struct timespec when = {0, 0};
	size_t len = 0, max = 0;
	int r = check_args(s, ev, key, value);

	/* One time for key and value. */
	if (r == 0) {
		when = ev->time;
		if (when.tv_sec == 0 && when.tv_nsec == 0)
			clock_gettime(CLOCK_REALTIME, &when);
		r = event_time_format(&when, &v.time);
	}
	if (r == 0) {
		v.event = kvp_event_type_name(ev->type);
		max = pool_max_value_size(s->mode);
		if (s->format == KVP_FORMAT_DIAG) {
			v.vm_id_unavailable = !event_vm_id(vm_id);
			if (max > KVP_DIAG_MAX_CHUNK)
				max = KVP_DIAG_MAX_CHUNK;
		}
		set_duration(&v, ev);
		r = gather_strings(s, ev, boot_id, &v, &secret);
	}
	explicit_bzero(secret.key, sizeof(secret.key));
	if (r == 0)
		r = encode_within(&v, max, text, &len);
	if (r == 0)
		r = make_key(s, ev, &v, &when, vm_id, text, len, key_buf);
	if (r >= 0)
		r = copy_out("key", key_buf, strlen(key_buf), key, key_size);
	if (r == 0)
		r = copy_out("value", text, len, value, value_size);
	for (int i = 0; i < F_COUNT; i++)
		event_str_free(&v.str[i]);
	return r;
}

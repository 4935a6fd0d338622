/* event_diag.c - an event as azure-init's DIAG record (format = "diag"),
 * its key made and checked by the diag layer's record builder
 * (diag_batch_build), the only DIAG key formatter:
 *
 *   DIAG|pam_kvp/<version>|<vm_id>|<kind>|pam:<service>:<what>|<event_id>|
 *       <time>|none|<result>|<duration>|0
 *
 *   event          kind    what      result   duration
 *   auth           event   auth      success
 *   auth_fail      event   auth      fail
 *   account        event   account   success
 *   session_open   start   session
 *   session_close  finish  session   success  measured by the module
 *   password       event   password  success
 *
 * A session_close without a duration (its open was not seen by this PAM
 * handle) cannot be a finish: it is an event, result success. event_id is
 * the event's session id when that is a UUID (so a session's start and
 * finish share it), else a fresh random one. <service> is PAM_SERVICE as a
 * key token, at most EVENT_DIAG_SERVICE_MAX (35) bytes, so the longest
 * name, "pam:<35 bytes>:password", is the format's 48. <time> is the
 * value's "time" (RFC 3339 UTC, milliseconds); the value is the record's
 * one chunk (index 0), encoding none.
 *
 * The VM id is read once per process (pthread_once): a PAM module's
 * process handles one login, and the id does not change while it runs.
 */
#include <pthread.h>
#include <string.h>

#include "diag/diag_internal.h"
#include "event/event_internal.h"
#include "util/token.h"

/* The name's <what> of each event type. */
static const char *const whats[KVP_EVENT_COUNT] = {
    [KVP_EVENT_AUTH] = "auth",
    [KVP_EVENT_AUTH_FAIL] = "auth",
    [KVP_EVENT_ACCOUNT] = "account",
    [KVP_EVENT_SESSION_OPEN] = "session",
    [KVP_EVENT_SESSION_CLOSE] = "session",
    [KVP_EVENT_PASSWORD] = "password",
};

static pthread_once_t vm_id_once = PTHREAD_ONCE_INIT;
static char vm_id_text[KVP_UUID_SIZE];
static bool vm_id_read;

static void vm_id_load(void)
{
	vm_id_read = kvp_diag_vm_id(vm_id_text) == 1;
}

bool event_vm_id(char out[KVP_UUID_SIZE])
{
	pthread_once(&vm_id_once, vm_id_load);
	memcpy(out, vm_id_text, KVP_UUID_SIZE);
	return vm_id_read;
}

/* Kind, result and duration of `ev` into `rec`. */
static void outcome(const kvp_event *ev, kvp_diag_record *rec)
{
	rec->kind = KVP_DIAG_EVENT;
	rec->result = KVP_DIAG_SUCCESS;
	switch (ev->type) {
	case KVP_EVENT_AUTH_FAIL: rec->result = KVP_DIAG_FAIL; break;
	case KVP_EVENT_SESSION_OPEN:
		rec->kind = KVP_DIAG_START;
		rec->result = KVP_DIAG_RESULT_NONE;
		break;
	case KVP_EVENT_SESSION_CLOSE:
		/* diag_duration_from_seconds refuses a negative, NaN or
		 * too large duration: then there is no finish to write. */
		if (ev->has_duration && diag_duration_from_seconds(
					    ev->duration_s, &rec->duration)) {
			rec->kind = KVP_DIAG_FINISH;
			rec->has_duration = true;
		}
		break;
	default: break;
	}
}

/* "pam:<service token>:<what>": at most KVP_DIAG_MAX_NAME bytes. */
static void make_name(const kvp_event *ev, char name[KVP_DIAG_MAX_NAME + 1])
{
	size_t n = 4;

	memcpy(name, "pam:", n);
	n += event_service_token(ev->service, EVENT_DIAG_SERVICE_MAX, name + n);
	name[n++] = ':';
	strcpy(name + n, whats[ev->type]);
}

int event_diag_key(const kvp_event *ev, const struct timespec *when,
		   const char *vm_id, const char *value, size_t value_len,
		   char out[KVP_DIAG_MAX_KEY + 1])
{
	char name[KVP_DIAG_MAX_NAME + 1];
	kvp_diag_record rec = {
	    .agent = EVENT_DIAG_AGENT,
	    .vm_id = vm_id,
	    .name = name,
	    .time = *when,
	    .encoding = KVP_DIAG_ENC_NONE,
	    .payload = value,
	    .payload_len = value_len,
	};
	struct diag_batch b;
	int r;

	make_name(ev, name);
	/* Without one, diag_batch_build makes a random event id. */
	if (ev->session && diag_uuid_canonical(ev->session))
		rec.event_id = ev->session;
	outcome(ev, &rec);
	r = diag_batch_build(&rec, &b);
	/* The encoder keeps the value to one chunk. */
	if (r == 0 && b.count != 1)
		r = err_fail(KVP_ERR_VALUE_TOO_LARGE, NULL, KVP_DIAG_MAX_CHUNK,
			     value_len,
			     "event value of %zu bytes is more than one DIAG "
			     "record",
			     value_len);
	if (r == 0) {
		memcpy(out, b.pairs[0].key, b.pairs[0].key_len);
		out[b.pairs[0].key_len] = '\0';
		r = (int)b.pairs[0].key_len;
	}
	diag_batch_free(&b);
	return r;
}

/* Whether span f is exactly s. */
static bool span_is(struct diag_span f, const char *s)
{
	return f.len == strlen(s) && memcmp(f.s, s, f.len) == 0;
}

int event_diag_type(const struct diag_key *k, kvp_event_type *type)
{
	const char *name = k->name.s, *colon;
	struct diag_span what;
	size_t service_len;

	if (k->name.len < 6 || memcmp(name, "pam:", 4) != 0)
		return -1;
	colon = memrchr(name + 4, ':', k->name.len - 4);
	if (!colon)
		return -1;
	service_len = (size_t)(colon - name - 4);
	what = (struct diag_span){colon + 1,
				  k->name.len - (size_t)(colon + 1 - name)};
	if (service_len == 0 || service_len > EVENT_DIAG_SERVICE_MAX)
		return -1;
	for (size_t i = 0; i < service_len; i++)
		if (!token_char((unsigned char)name[4 + i]))
			return -1;
	for (int i = 0; i < KVP_EVENT_COUNT; i++) {
		kvp_diag_record rec = {0};
		kvp_event ev = {.type = (kvp_event_type)i,
				.has_duration = true};

		if (!span_is(what, whats[i]))
			continue;
		outcome(&ev, &rec);
		if (rec.kind == k->kind_value &&
		    rec.result == k->result_value) {
			*type = (kvp_event_type)i;
			return 0;
		}
	}
	/* A close whose open was not seen: an event of the session. */
	if (span_is(what, "session") && k->kind_value == KVP_DIAG_EVENT &&
	    k->result_value == KVP_DIAG_SUCCESS) {
		*type = KVP_EVENT_SESSION_CLOSE;
		return 0;
	}
	return -1;
}

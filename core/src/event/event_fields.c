/* event_fields.c - one string field of an event's value: the field policy
 * (plain, hash or omit), the bound and the UTF-8 repair of a plain value,
 * and the JSON-escaped length the encoder budgets with.
 *
 * A plain value is made valid UTF-8 first (each invalid byte becomes
 * U+FFFD) and then cut to its cap on a character boundary. Only the first
 * cap + 4 bytes of the input are looked at, so a huge value costs no more
 * than a short one: the characters that start before byte cap + 1 already
 * fill more than the cap, and a sequence is at most 4 bytes long.
 */
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"

static int make_plain(struct event_str *out, const char *raw, size_t cap,
		      bool *cut)
{
	size_t n = strnlen(raw, cap + 4);

	out->text = utf8_lossy(raw, n, &out->len);
	if (!out->text)
		return err_fail_nomem(NULL);
	if (out->len > cap) {
		out->len = utf8_cut(out->text, out->len, cap);
		out->text[out->len] = '\0';
		*cut = true;
	}
	return 0;
}

static int make_hash(struct event_str *out, const char *name, const char *raw,
		     struct event_secret *secret, bool *hash_unavailable)
{
	if (secret->state == 0)
		secret->state =
		    event_secret_load(secret->path, secret->key) == 0 ? 1 : -1;
	if (secret->state < 0) {
		*hash_unavailable = true;
		return 0;
	}
	out->text = malloc(EVENT_HASH_LEN + 1);
	if (!out->text)
		return err_fail_nomem(NULL);
	if (event_hash(secret->key, name, raw, strlen(raw), out->text) < 0) {
		/* No nettle: as with no secret, left out, never plain. */
		free(out->text);
		out->text = NULL;
		*hash_unavailable = true;
		return 0;
	}
	out->len = EVENT_HASH_LEN;
	out->digest = true;
	return 0;
}

int event_str_make(struct event_str *out, const char *name, const char *raw,
		   size_t cap, kvp_field_policy policy,
		   struct event_secret *secret, bool *cut,
		   bool *hash_unavailable)
{
	memset(out, 0, sizeof(*out));
	if (!raw || policy == KVP_FIELD_OMIT)
		return 0;
	if (policy == KVP_FIELD_HASH)
		return make_hash(out, name, raw, secret, hash_unavailable);
	return make_plain(out, raw, cap, cut);
}

void event_str_free(struct event_str *s)
{
	free(s->text);
	s->text = NULL;
	s->len = 0;
}

/* JSON bytes of one ASCII character (jansson's escapes). */
static size_t ascii_json_len(unsigned char c)
{
	if (c == '"' || c == '\\')
		return 2;
	if (c >= 0x20)
		return 1;
	switch (c) {
	case '\b':
	case '\f':
	case '\n':
	case '\r':
	case '\t': return 2;
	default: return 6; /* \u00XX */
	}
}

size_t event_json_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += p[i] < 0x80 ? ascii_json_len(p[i]) : 1;
	return n;
}

size_t event_json_cut(const char *s, size_t len, size_t budget)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, used = 0;

	while (i < len) {
		uint32_t cp;
		/* s is valid UTF-8; a stray byte would count as one. */
		size_t k = utf8_decode(p + i, len - i, &cp);
		size_t cost;

		if (k == 0)
			k = 1;
		cost = k == 1 ? ascii_json_len(p[i]) : k;
		if (used + cost > budget)
			break;
		used += cost;
		i += k;
	}
	return i;
}

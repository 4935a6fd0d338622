/* hv_host.c - the host side of the device: requests built exactly as the
 * hv_utils driver (drivers/hv/hv_kvp.c, kvp_send_key) hands them to the
 * daemon, replies decoded, and the driver's UTF-8 to UTF-16 step modelled
 * so a test can tell what the host itself would receive (see hv_daemon.h).
 *
 * What the driver sends: a zeroed struct hvw_msg with operation and
 * pool; for SET the UTF-8 key and value with key_size/value_size counting
 * the terminating NUL (at most 511 and 2047 bytes of text); for GET and
 * DELETE the key likewise (GET's value_size stays 0); for ENUMERATE the
 * index. The daemon answers with the whole struct, its status in the first
 * four bytes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hv_daemon.h"

#define REPLY_TIMEOUT_MS 30000

static void decode_field(const unsigned char *field, size_t size, char *out,
			 size_t *len)
{
	const unsigned char *nul = memchr(field, 0, size);

	*len = nul ? (size_t)(nul - field) : size;
	memcpy(out, field, *len);
	out[*len] = '\0';
}

void hv_send(struct hv_daemon *d, const struct hvw_msg *msg)
{
	ssize_t n;

	cr_assert(d->pid > 0, "the daemon is not running");
	n = send(d->host_fd, msg, sizeof(*msg), MSG_NOSIGNAL);
	cr_assert_eq(n, (ssize_t)sizeof(*msg), "send to daemon: %s",
		     strerror(errno));
}

void hv_receive(struct hv_daemon *d, int op, struct hv_reply *out)
{
	static struct hvw_msg reply;
	struct pollfd pfd = {.fd = d->host_fd, .events = POLLIN};
	const struct hvw_value *data;
	ssize_t n;
	int r;

	do
		r = poll(&pfd, 1, REPLY_TIMEOUT_MS);
	while (r == -1 && errno == EINTR);
	if (r != 1) {
		char *log = hv_log(d);

		cr_log_error("hv_kvp_daemon log:\n%s", log);
		free(log);
		cr_assert_fail(
		    "no reply from hv_kvp_daemon within %d ms (op %d)",
		    REPLY_TIMEOUT_MS, op);
	}
	n = recv(d->host_fd, &reply, sizeof(reply), 0);
	cr_assert_eq(n, (ssize_t)sizeof(reply),
		     "hv_kvp_daemon hung up or sent %zd bytes (op %d)", n, op);
	d->requests++;
	memset(out, 0, sizeof(*out));
	out->error = reply.error;
	data = op == HVW_OP_ENUMERATE ? &reply.body.enumerate.data
				      : &reply.body.get;
	memcpy(out->raw_key, data->key, sizeof(out->raw_key));
	memcpy(out->raw_value, data->value, sizeof(out->raw_value));
	decode_field(data->key, sizeof(data->key), out->key, &out->key_len);
	decode_field(data->value, sizeof(data->value), out->value,
		     &out->value_len);
}

void hv_request(struct hv_daemon *d, const struct hvw_msg *msg,
		struct hv_reply *out)
{
	hv_send(d, msg);
	hv_receive(d, msg->hdr.operation, out);
}

/* Copy `s` into a field; its size as the driver counts it. */
static uint32_t put_string(uint8_t *field, size_t cap, const char *s)
{
	size_t len = strlen(s);

	/* The driver converts into cap - 1 bytes and adds the NUL. */
	cr_assert(len < cap, "%zu bytes do not fit the driver's %zu", len,
		  cap - 1);
	memcpy(field, s, len);
	return (uint32_t)len + 1;
}

void hv_msg_set(struct hvw_msg *msg, int pool, const char *key,
		const char *value)
{
	memset(msg, 0, sizeof(*msg));
	msg->hdr.operation = HVW_OP_SET;
	msg->hdr.pool = (uint8_t)pool;
	msg->body.set.value_type = HVW_REG_SZ;
	msg->body.set.key_size =
	    put_string(msg->body.set.key, HVW_KEY_SIZE, key);
	msg->body.set.value_size =
	    put_string(msg->body.set.value, HVW_VALUE_SIZE, value);
}

uint32_t hv_set(struct hv_daemon *d, int pool, const char *key,
		const char *value)
{
	static struct hvw_msg msg;
	static struct hv_reply reply;

	hv_msg_set(&msg, pool, key, value);
	hv_request(d, &msg, &reply);
	return reply.error;
}

uint32_t hv_delete(struct hv_daemon *d, int pool, const char *key)
{
	static struct hvw_msg msg;
	static struct hv_reply reply;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.operation = HVW_OP_DELETE;
	msg.hdr.pool = (uint8_t)pool;
	msg.body.del.key_size = put_string(msg.body.del.key, HVW_KEY_SIZE, key);
	hv_request(d, &msg, &reply);
	return reply.error;
}

uint32_t hv_get(struct hv_daemon *d, int pool, const char *key,
		uint32_t value_size, struct hv_reply *out)
{
	static struct hvw_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.operation = HVW_OP_GET;
	msg.hdr.pool = (uint8_t)pool;
	msg.body.get.key_size = put_string(msg.body.get.key, HVW_KEY_SIZE, key);
	msg.body.get.value_size = value_size;
	hv_request(d, &msg, out);
	return out->error;
}

uint32_t hv_enumerate(struct hv_daemon *d, int pool, uint32_t index,
		      struct hv_reply *out)
{
	static struct hvw_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.operation = HVW_OP_ENUMERATE;
	msg.hdr.pool = (uint8_t)pool;
	msg.body.enumerate.index = index;
	hv_request(d, &msg, out);
	return out->error;
}

/* Pack (key, value) copies into one block, as libkvpcore's lists are, so
 * kvp_record_list_free() releases it. */
static void pack(kvp_record_list *out, char **keys, size_t *klen, char **values,
		 size_t *vlen, size_t n)
{
	size_t bytes = n * sizeof(kvp_record);
	char *cursor;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		bytes += klen[i] + vlen[i] + 2;
	out->records = malloc(bytes);
	cr_assert_not_null(out->records);
	cursor = (char *)(out->records + n);
	for (size_t i = 0; i < n; i++) {
		kvp_record *r = &out->records[i];

		r->key = cursor;
		memcpy(cursor, keys[i], klen[i] + 1);
		cursor += klen[i] + 1;
		r->value = cursor;
		memcpy(cursor, values[i], vlen[i] + 1);
		cursor += vlen[i] + 1;
		r->key_len = klen[i];
		r->value_len = vlen[i];
	}
	out->count = n;
}

void hv_enumerate_all(struct hv_daemon *d, int pool, kvp_record_list *out)
{
	static struct hv_reply reply;
	size_t n = 0, cap = 0, *klen = NULL, *vlen = NULL;
	char **keys = NULL, **values = NULL;

	for (;;) {
		uint32_t err = hv_enumerate(d, pool, (uint32_t)n, &reply);

		if (err == HVW_S_CONT)
			break;
		cr_assert_eq(err, HVW_S_OK, "enumerate pool %d index %zu: 0x%x",
			     pool, n, err);
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			keys = realloc(keys, cap * sizeof(*keys));
			values = realloc(values, cap * sizeof(*values));
			klen = realloc(klen, cap * sizeof(*klen));
			vlen = realloc(vlen, cap * sizeof(*vlen));
			cr_assert(keys && values && klen && vlen);
		}
		keys[n] = strdup(reply.key);
		values[n] = strdup(reply.value);
		cr_assert(keys[n] && values[n]);
		klen[n] = reply.key_len;
		vlen[n] = reply.value_len;
		n++;
	}
	pack(out, keys, klen, values, vlen, n);
	for (size_t i = 0; i < n; i++) {
		free(keys[i]);
		free(values[i]);
	}
	free(keys);
	free(values);
	free(klen);
	free(vlen);
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
long hv_utf16_units(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	long units = 0;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		unsigned long cp;
		size_t n;

		if (c < 0x80) {
			units++;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return -1;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		units += cp >= 0x10000 ? 2 : 1;
		i += n + 1;
	}
	return units;
}

void hv_assert_same_records(const kvp_record_list *got,
			    const kvp_record_list *want, const char *what)
{
	cr_assert_eq(got->count, want->count, "%s: %zu records, expected %zu",
		     what, got->count, want->count);
	for (size_t i = 0; i < got->count; i++) {
		const kvp_record *g = &got->records[i], *w = &want->records[i];

		cr_assert(g->key_len == w->key_len &&
			      memcmp(g->key, w->key, g->key_len) == 0,
			  "%s: record %zu key \"%.60s\", expected \"%.60s\"",
			  what, i, g->key, w->key);
		cr_assert(g->value_len == w->value_len &&
			      memcmp(g->value, w->value, g->value_len) == 0,
			  "%s: record %zu (%.60s) value differs (%zu bytes, "
			  "expected %zu)",
			  what, i, g->key, g->value_len, w->value_len);
	}
}

void hv_assert_records_are(const kvp_record_list *got, const char *const *kv,
			   const char *what)
{
	size_t n = 0;

	while (kv[2 * n])
		n++;
	cr_assert_eq(got->count, n, "%s: %zu records, expected %zu", what,
		     got->count, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(got->records[i].key, kv[2 * i],
				 "%s: record %zu key", what, i);
		cr_assert_str_eq(got->records[i].value, kv[2 * i + 1],
				 "%s: record %zu (%.60s) value", what, i,
				 kv[2 * i]);
	}
}

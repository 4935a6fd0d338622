/* record_list.c - copy records out of a loaded pool into one block: the
 * kvp_record array first, then every key and value, NUL-terminated. */
#include <stdlib.h>
#include <string.h>

#include "pool/record.h"
#include "pool/record_list.h"

static char *copy_field(char **cursor, const unsigned char *field, size_t len)
{
	char *start = *cursor;

	memcpy(start, field, len);
	start[len] = '\0';
	*cursor += len + 1;
	return start;
}

int rec_list_build_indexed(kvp_record_list *out, const char *path, size_t count,
			   const unsigned char *recs, const size_t *key_at,
			   const size_t *value_at)
{
	size_t bytes = count * sizeof(kvp_record);
	char *cursor;

	memset(out, 0, sizeof(*out));
	if (count == 0)
		return 0;
	for (size_t i = 0; i < count; i++) {
		const unsigned char *k = recs + key_at[i] * KVP_RECORD_SIZE;
		const unsigned char *v = recs + value_at[i] * KVP_RECORD_SIZE;
		bytes += rec_key_len(k) + rec_value_len(v) + 2;
	}
	out->records = malloc(bytes);
	if (!out->records)
		return err_fail_nomem(path);
	cursor = (char *)(out->records + count);
	for (size_t i = 0; i < count; i++) {
		const unsigned char *k = recs + key_at[i] * KVP_RECORD_SIZE;
		const unsigned char *v = recs + value_at[i] * KVP_RECORD_SIZE;
		kvp_record *r = &out->records[i];
		r->key_len = rec_key_len(k);
		r->key = copy_field(&cursor, k, r->key_len);
		r->value_len = rec_value_len(v);
		r->value = copy_field(&cursor, rec_value(v), r->value_len);
	}
	out->count = count;
	return 0;
}

int rec_list_build(kvp_record_list *out, const char *path, size_t count,
		   const unsigned char *recs)
{
	size_t *index;
	int r;

	if (count == 0) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	index = malloc(count * sizeof(*index));
	if (!index)
		return err_fail_nomem(path);
	for (size_t i = 0; i < count; i++)
		index[i] = i;
	r = rec_list_build_indexed(out, path, count, recs, index, index);
	free(index);
	return r;
}

void kvp_record_list_free(kvp_record_list *list)
{
	if (!list)
		return;
	free(list->records);
	list->records = NULL;
	list->count = 0;
	list->torn_bytes = 0;
}

/* diag_read.c - the reader: every record of a pool (one kvp_store_dump),
 * each key parsed once (diag_key.c), records with a chunk index grouped by
 * the key without it (members need not be adjacent or in order), indexes
 * 0..n-1 required, then each group or single record decoded by its
 * schema. A group that cannot be decoded is one entry with the error and
 * all its records: shown, never dropped. Entries come in the order of
 * their first record, as in azure-init's reader. */
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"

struct kvp_diag_list {
	kvp_record_list records; /* the dump every entry points into */
	kvp_diag_entry *entries;
	size_t count;
	size_t torn_bytes;
	struct diag_arena arena;
};

/* ---- the arena ---- */

bool diag_arena_keep(struct diag_arena *a, void *p)
{
	if (a->count == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void **v = realloc(a->ptrs, cap * sizeof(*v));
		if (!v) {
			free(p);
			return false;
		}
		a->ptrs = v;
		a->cap = cap;
	}
	a->ptrs[a->count++] = p;
	return true;
}

char *diag_arena_dup(struct diag_arena *a, const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return diag_arena_keep(a, p) ? p : NULL;
}

static void arena_free(struct diag_arena *a)
{
	for (size_t i = 0; i < a->count; i++)
		free(a->ptrs[i]);
	free(a->ptrs);
}

int diag_entry_take_payload(kvp_diag_entry *e, struct diag_arena *a,
			    struct diag_buf *b)
{
	if (!b->data && diag_buf_add(b, "", 0) < 0)
		return KVP_ERR_NOMEM;
	e->payload = b->data;
	e->payload_len = b->len;
	e->payload_is_text = diag_is_text(b->data, b->len);
	*b = (struct diag_buf){0};
	return diag_arena_keep(a, (void *)e->payload) ? 0
						      : err_fail_nomem(NULL);
}

int diag_entry_copy_payload(kvp_diag_entry *e, struct diag_arena *a,
			    const char *p, size_t n)
{
	struct diag_buf b = {0};
	int r = diag_buf_add(&b, p, n);

	if (r == 0)
		r = diag_entry_take_payload(e, a, &b);
	diag_buf_free(&b);
	return r;
}

int diag_entry_fail(kvp_diag_entry *e, kvp_diag_error error, const char *detail)
{
	e->error = error;
	e->detail = detail;
	return 0;
}

/* ---- one entry ---- */

/* A span as an entry string: NULL when empty. */
static int dup_span(struct diag_arena *a, struct diag_span f, const char **out)
{
	*out = NULL;
	if (!f.len)
		return 0;
	*out = diag_arena_dup(a, f.s, f.len);
	return *out ? 0 : err_fail_nomem(NULL);
}

/* What the key gives: the fields, and its error. */
static int from_key(kvp_diag_entry *e, const struct diag_key *k,
		    struct diag_arena *a)
{
	const struct {
		struct diag_span from;
		const char **to;
	} spans[] = {
	    {k->agent, &e->agent},	   {k->vm_id, &e->vm_id},
	    {k->name, &e->name},	   {k->event_id, &e->event_id},
	    {k->timestamp, &e->timestamp}, {k->encoding, &e->encoding},
	    {k->result, &e->result_text},  {k->source_type, &e->source_type},
	};
	int r = 0;

	e->schema = k->schema;
	e->error = k->error;
	e->detail = k->detail;
	e->kind = k->kind_value;
	e->result = k->result_value;
	e->has_duration = k->has_duration;
	e->duration = k->duration_value;
	e->has_time = k->has_time;
	e->time = k->time;
	for (size_t i = 0; r == 0 && i < sizeof(spans) / sizeof(*spans); i++)
		r = dup_span(a, spans[i].from, spans[i].to);
	return r;
}

static int by_index(const void *x, const void *y)
{
	const struct diag_key *const *a = x, *const *b = y;

	return ((*a)->index > (*b)->index) - ((*a)->index < (*b)->index);
}

/* The group's records (in file order in recs, keys in keys) sorted into
 * chunk order in *ordered; the group error, if any. */
static int chunk_order(const kvp_record *recs, const struct diag_key *keys,
		       size_t n, kvp_record *ordered, kvp_diag_entry *e)
{
	const struct diag_key **k = malloc((n + 1) * sizeof(*k));

	if (!k)
		return err_fail_nomem(NULL);
	for (size_t i = 0; i < n; i++)
		k[i] = &keys[i];
	qsort(k, n, sizeof(*k), by_index);
	for (size_t i = 0; i < n; i++) {
		ordered[i] = recs[k[i] - keys];
		if (i > 0 && k[i]->index == k[i - 1]->index)
			diag_entry_fail(e, KVP_DIAG_ERR_DUPLICATE_CHUNK,
					"two records with one chunk index");
	}
	for (size_t i = 0; !e->error && i < n; i++)
		if (k[i]->index != i)
			diag_entry_fail(e, KVP_DIAG_ERR_INCOMPLETE_GROUP,
					i == 0 ? "no chunk 0"
					       : "a chunk index is missing");
	free(k);
	return 0;
}

static int decode_diag(const struct diag_key *k, const kvp_record *recs,
		       size_t n, kvp_diag_entry *e, struct diag_arena *a)
{
	struct diag_buf joined = {0}, out = {0};
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++)
		r = diag_buf_add(&joined, recs[i].value, recs[i].value_len);
	if (r == 0)
		r = diag_payload_decode(k->encoding, joined.data, joined.len,
					&out, &e->detail);
	if (r == 0)
		diag_entry_fail(e, KVP_DIAG_ERR_UNDECODABLE, e->detail);
	else if (r > 0)
		r = diag_entry_take_payload(e, a, &out);
	diag_buf_free(&joined);
	diag_buf_free(&out);
	return r;
}

/* One entry from n records (file order) with their parsed keys. */
static int make_entry(const kvp_record *recs, const struct diag_key *keys,
		      size_t n, size_t position, kvp_diag_entry *e,
		      struct diag_arena *a)
{
	kvp_record *ordered = malloc((n + 1) * sizeof(*ordered));
	const struct diag_key *k = &keys[0];
	int r =
	    ordered && diag_arena_keep(a, ordered) ? 0 : err_fail_nomem(NULL);

	memset(e, 0, sizeof(*e));
	if (r == 0)
		r = from_key(e, k, a);
	e->position = position;
	e->records = ordered;
	e->record_count = n;
	if (r == 0)
		memcpy(ordered, recs, n * sizeof(*ordered));
	if (r == 0 && !e->error && k->has_index)
		r = chunk_order(recs, keys, n, ordered, e);
	if (r < 0 || e->error) {
		if (r == 0)
			memcpy(ordered, recs, n * sizeof(*ordered));
		return r;
	}
	switch (e->schema) {
	case KVP_DIAG_SCHEMA_DIAG: return decode_diag(k, ordered, n, e, a);
	case KVP_DIAG_SCHEMA_CLOUD_INIT:
		return diag_cloudinit_decode(k, ordered, n, k->has_index, e, a);
	case KVP_DIAG_SCHEMA_REPORT: return diag_report_decode(ordered, e, a);
	case KVP_DIAG_SCHEMA_PAM_KVP:
		return diag_legacy_decode(k, ordered, e, a);
	}
	return 0;
}

/* ---- grouping ---- */

struct item {
	size_t pos;
	const kvp_record *rec;
	const struct diag_key *key;
};

static int by_base(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	size_t la = a->key->base_len, lb = b->key->base_len;
	int c = memcmp(a->rec->key, b->rec->key, la < lb ? la : lb);

	if (c == 0)
		c = (la > lb) - (la < lb);
	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

static bool same_base(const struct item *a, const struct item *b)
{
	return a->key->base_len == b->key->base_len &&
	       memcmp(a->rec->key, b->rec->key, a->key->base_len) == 0;
}

static int by_position(const void *x, const void *y)
{
	const kvp_diag_entry *a = x, *b = y;

	return (a->position > b->position) - (a->position < b->position);
}

/* Entries of the grouped items (sorted by base): one per run of a base. */
static int add_groups(kvp_diag_list *l, struct item *items, size_t n)
{
	kvp_record *recs = malloc((n + 1) * sizeof(*recs));
	struct diag_key *keys = malloc((n + 1) * sizeof(*keys));
	int r = recs && keys ? 0 : err_fail_nomem(NULL);

	for (size_t g = 0, end; r == 0 && g < n; g = end) {
		for (end = g; end < n && same_base(&items[g], &items[end]);
		     end++) {
			recs[end - g] = *items[end].rec;
			keys[end - g] = *items[end].key;
		}
		r = make_entry(recs, keys, end - g, items[g].pos,
			       &l->entries[l->count++], &l->arena);
	}
	free(recs);
	free(keys);
	return r;
}

static int decode_all(kvp_diag_list *l, const char *prefix)
{
	size_t n = l->records.count, grouped = 0;
	struct diag_key *keys = malloc((n + 1) * sizeof(*keys));
	struct item *items = malloc((n + 1) * sizeof(*items));
	int r = keys && items ? 0 : err_fail_nomem(NULL);

	l->entries = r == 0 ? calloc(n + 1, sizeof(*l->entries)) : NULL;
	if (r == 0 && !l->entries)
		r = err_fail_nomem(NULL);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const kvp_record *rec = &l->records.records[i];
		diag_key_parse(rec->key, rec->key_len, prefix, &keys[i]);
		if (!keys[i].known)
			continue;
		if (keys[i].has_index)
			items[grouped++] = (struct item){i, rec, &keys[i]};
		else
			r = make_entry(rec, &keys[i], 1, i,
				       &l->entries[l->count++], &l->arena);
	}
	if (r == 0) {
		qsort(items, grouped, sizeof(*items), by_base);
		r = add_groups(l, items, grouped);
	}
	if (r == 0)
		qsort(l->entries, l->count, sizeof(*l->entries), by_position);
	free(keys);
	free(items);
	return r;
}

int kvp_diag_read(const kvp_store *store, const char *legacy_prefix,
		  kvp_diag_list **out)
{
	kvp_diag_list *l;
	int r;

	if (!store || !out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_diag_read: NULL argument");
	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return err_fail_nomem(kvp_store_path(store));
	r = kvp_store_dump(store, &l->records);
	if (r == 0) {
		l->torn_bytes = l->records.torn_bytes;
		r = decode_all(l, legacy_prefix ? legacy_prefix
						: DIAG_LEGACY_DEFAULT);
	}
	if (r < 0) {
		kvp_diag_list_free(l);
		return r;
	}
	*out = l;
	return 0;
}

size_t kvp_diag_list_count(const kvp_diag_list *list)
{
	return list ? list->count : 0;
}

const kvp_diag_entry *kvp_diag_list_get(const kvp_diag_list *list, size_t i)
{
	return list && i < list->count ? &list->entries[i] : NULL;
}

size_t kvp_diag_list_torn_bytes(const kvp_diag_list *list)
{
	return list ? list->torn_bytes : 0;
}

void kvp_diag_list_free(kvp_diag_list *list)
{
	if (!list)
		return;
	arena_free(&list->arena);
	free(list->entries);
	kvp_record_list_free(&list->records);
	free(list);
}

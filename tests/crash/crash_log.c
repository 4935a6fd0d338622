/* crash_log.c - the kvp_writer's operation log (format in
 * tests/helpers/kvp_writer.c): which operations it began, and which of
 * them returned before it was killed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "test_util.h"

static const char *const op_names[] = {
    [OP_INS] = "ins", [OP_INSNEW] = "insnew", [OP_DEL] = "del",
    [OP_APP] = "app", [OP_MUL] = "mul",	      [OP_DMUL] = "dmul",
    [OP_EV] = "ev",
};

const char *crash_op_name(enum op_kind kind)
{
	return op_names[kind];
}

static bool op_from_name(const char *name, enum op_kind *out)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(*op_names); i++) {
		if (strcmp(op_names[i], name) == 0) {
			*out = (enum op_kind)i;
			return true;
		}
	}
	return false;
}

static void parse_line(struct crash_log *log, const char *line)
{
	char name[16], key[64];
	long seq, n = 0, rc;
	struct crash_op *op;
	int got;

	if (sscanf(line, "E %ld %ld", &seq, &rc) == 2) {
		cr_assert(log->n > 0 && log->ops[log->n - 1].seq == seq &&
			      !log->ops[log->n - 1].done,
			  "log: E %ld without its B line", seq);
		cr_assert_geq(rc, 0, "log: op %ld failed (%ld)", seq, rc);
		log->ops[log->n - 1].done = true;
		log->completed++;
		return;
	}
	got = sscanf(line, "B %ld %15s %63s %ld", &seq, name, key, &n);
	cr_assert(got >= 3, "log: bad line '%s'", line);
	cr_assert(log->n == 0 || log->ops[log->n - 1].done,
		  "log: op %ld began before op %ld returned", seq,
		  log->ops[log->n - 1].seq);
	log->ops = realloc(log->ops, (log->n + 1) * sizeof(*log->ops));
	cr_assert_not_null(log->ops);
	op = &log->ops[log->n++];
	memset(op, 0, sizeof(*op));
	op->seq = seq;
	cr_assert(op_from_name(name, &op->kind), "log: unknown op '%s'", name);
	snprintf(op->key, sizeof(op->key), "%s", key);
	op->n = n;
	cr_assert((op->kind != OP_MUL && op->kind != OP_DMUL) ||
		      (got == 4 && n > 0),
		  "log: batch op %ld without a size", seq);
}

void crash_log_read(struct crash_log *log, const char *path)
{
	size_t len;
	unsigned char *text = tu_read_file(path, &len);
	size_t start = 0;

	memset(log, 0, sizeof(*log));
	/* A line the kill cut short has no newline: the op never began. */
	for (size_t i = 0; text && i < len; i++) {
		if (text[i] != '\n')
			continue;
		text[i] = '\0';
		parse_line(log, (char *)text + start);
		start = i + 1;
	}
	free(text);
	if (log->n > 0 && !log->ops[log->n - 1].done)
		log->inflight = &log->ops[log->n - 1];
}

void crash_log_free(struct crash_log *log)
{
	free(log->ops);
	memset(log, 0, sizeof(*log));
}

bool crash_op_touches(const struct crash_op *op, const char *key, long *index)
{
	size_t plen = strlen(op->key);
	char *end;
	long i;

	*index = 0;
	switch (op->kind) {
	case OP_MUL:
	case OP_DMUL:
		if (strncmp(key, op->key, plen) != 0 || key[plen] != '|' ||
		    key[plen + 1] < '0' || key[plen + 1] > '9')
			return false;
		i = strtol(key + plen + 1, &end, 10);
		if (*end || i >= op->n)
			return false;
		*index = i;
		return true;
	case OP_EV: return false; /* its key is random: see check_events */
	default: return strcmp(key, op->key) == 0;
	}
}

bool crash_op_moves(const struct crash_op *op)
{
	return crash_op_scans(op);
}

bool crash_op_scans(const struct crash_op *op)
{
	return op && op->kind != OP_APP && op->kind != OP_MUL;
}

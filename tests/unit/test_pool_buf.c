/* test_pool_buf.c - the load buffer a process keeps: the next load of
 * the same size, smaller or a quarter larger gets the same memory back, wiped;
 * a buffer bigger than the host's 1024-record window is not kept; two loads at
 * once never share one. */
#include <criterion/criterion.h>
#include <string.h>

#include "pool/pool_buf.h"
#include "pool/record.h"

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

Test(pool_buf, the_last_buffer_is_kept_wiped_for_the_next_load)
{
	unsigned char *a = pool_buf_get(10 * KVP_RECORD_SIZE), *b;

	cr_assert_not_null(a);
	memset(a, 'x', 10 * KVP_RECORD_SIZE);
	pool_buf_put(a);
	/* The memory is the kept one; what it held is gone. */
	cr_expect(all_zero(a, 10 * KVP_RECORD_SIZE), "wiped when given back");
	b = pool_buf_get(4 * KVP_RECORD_SIZE);
	cr_expect_eq(b, a, "a smaller load reuses the kept buffer");
	pool_buf_put(b);
	/* Room for a pool that grew a little since. */
	b = pool_buf_get(12 * KVP_RECORD_SIZE);
	cr_expect_eq(b, a, "a little more reuses it too");
	pool_buf_put(b);
	b = pool_buf_get(20 * KVP_RECORD_SIZE);
	cr_assert_not_null(b);
	memset(b, 'y', 20 * KVP_RECORD_SIZE); /* all of it is ours */
	pool_buf_put(b);
}

Test(pool_buf, two_loads_at_once_get_two_buffers)
{
	unsigned char *a = pool_buf_get(KVP_RECORD_SIZE);
	unsigned char *b = pool_buf_get(KVP_RECORD_SIZE);

	cr_assert(a && b);
	cr_expect_neq(a, b);
	pool_buf_put(a);
	pool_buf_put(b); /* replaces a as the kept one; a is freed */
	cr_expect_eq(pool_buf_get(KVP_RECORD_SIZE), b);
	pool_buf_put(b);
}

Test(pool_buf, a_buffer_past_the_host_window_is_not_kept)
{
	size_t big = 1025 * (size_t)KVP_RECORD_SIZE;
	unsigned char *a = pool_buf_get(KVP_RECORD_SIZE), *b;

	pool_buf_put(a); /* kept */
	b = pool_buf_get(big);
	cr_assert_not_null(b);
	memset(b, 'z', big);
	pool_buf_put(b); /* freed, not kept: the slot is empty now */
	a = pool_buf_get(KVP_RECORD_SIZE);
	cr_assert_not_null(a);
	pool_buf_put(a);
	pool_buf_put(NULL); /* ignored */
}

/* test_libs.c - nettle and zlib, opened on first use (util/libs.h): they
 * load and work; a library or symbol that is not there is one clear
 * KVP_ERR_IO naming it, not a crash. */
#include <criterion/criterion.h>
#include <string.h>

#include "kvp/error.h"
#include "util/libs.h"

Test(libs, nettle_loads_and_hashes)
{
	static const unsigned char abc[32] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	const struct libs_nettle *n = libs_nettle();
	struct sha256_ctx ctx;
	uint8_t digest[32];
	char b64[8];

	cr_assert_not_null(n, "%s", kvp_error_last()->message);
	cr_assert_eq(libs_nettle(), n, "loaded once");
	n->sha_init(&ctx);
	n->sha_update(&ctx, 3, (const uint8_t *)"abc");
	n->sha_digest(&ctx, sizeof(digest), digest);
	cr_expect_eq(memcmp(digest, abc, sizeof(abc)), 0, "SHA-256(abc)");
	n->b64_encode_raw(b64, 3, (const uint8_t *)"abc");
	cr_expect_eq(memcmp(b64, "YWJj", 4), 0);
}

Test(libs, zlib_loads)
{
	const struct libs_zlib *z = libs_zlib();
	z_stream s = {0};

	cr_assert_not_null(z, "%s", kvp_error_last()->message);
	cr_assert_eq(
	    z->inflate_init2(&s, 15, ZLIB_VERSION, (int)sizeof(z_stream)),
	    Z_OK);
	cr_expect_eq(z->inflate_end(&s), Z_OK);
}

Test(libs, a_missing_library_is_an_io_error_naming_it)
{
	static const char *const names[] = {"inflate"};
	void (*table[1])(void) = {NULL};

	cr_assert_eq(libs_load("libkvp-no-such-library.so.0", names, 1, table),
		     KVP_ERR_IO);
	cr_expect_str_eq(kvp_error_last()->path, "libkvp-no-such-library.so.0");
	cr_expect(strstr(kvp_error_last()->message, "cannot load it"), "%s",
		  kvp_error_last()->message);
	cr_expect_null(table[0]);
}

Test(libs, a_missing_symbol_is_an_io_error_naming_it)
{
	static const char *const names[] = {"inflate", "kvp_no_such_symbol"};
	void (*table[2])(void) = {NULL, NULL};

	cr_assert_eq(libs_load("libz.so.1", names, 2, table), KVP_ERR_IO);
	cr_expect_str_eq(kvp_error_last()->path, "libz.so.1");
	cr_expect(strstr(kvp_error_last()->message,
			 "has no symbol kvp_no_such_symbol"),
		  "%s", kvp_error_last()->message);
	cr_expect_not_null(table[0], "the symbols before it were found");
}

/* libs.c - see libs.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/internal.h"
#include "util/libs.h"

#ifndef KVP_NETTLE_SONAME
#define KVP_NETTLE_SONAME "libnettle.so.8"
#endif
#ifndef KVP_ZLIB_SONAME
#define KVP_ZLIB_SONAME "libz.so.1"
#endif

int libs_load(const char *soname, const char *const *names, size_t n,
	      void *table)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

	if (!h)
		return err_fail(KVP_ERR_IO, soname, 0, 0, "cannot load it: %s",
				dlerror());
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(h, names[i]);
		if (!f)
			return err_fail(KVP_ERR_IO, soname, 0, 0,
					"has no symbol %s", names[i]);
		/* POSIX: a function pointer holds what dlsym returns. */
		memcpy((char *)table + i * sizeof(void (*)(void)), &f,
		       sizeof(f));
	}
	return 0;
}

/* The order of the members of struct libs_nettle / libs_zlib. */
static const char *const nettle_names[] = {
    "nettle_sha256_init",	   "nettle_sha256_update",
    "nettle_sha256_digest",	   "nettle_hmac_sha256_set_key",
    "nettle_hmac_sha256_update",   "nettle_hmac_sha256_digest",
    "nettle_base64_encode_raw",	   "nettle_base64_decode_init",
    "nettle_base64_decode_update", "nettle_base64_decode_final",
};
static const char *const zlib_names[] = {
    "deflateInit2_", "deflate", "deflateEnd",
    "inflateInit2_", "inflate", "inflateEnd",
};

_Static_assert(sizeof(struct libs_nettle) == sizeof(nettle_names) /
						 sizeof(nettle_names[0]) *
						 sizeof(void (*)(void)),
	       "one name per member of struct libs_nettle");
_Static_assert(sizeof(struct libs_zlib) == sizeof(zlib_names) /
					       sizeof(zlib_names[0]) *
					       sizeof(void (*)(void)),
	       "one name per member of struct libs_zlib");

/* A library's table and the outcome of its one load. The message of a
 * failed load is kept, so that every later call reports it too. */
struct lazy {
	pthread_once_t once;
	const char *soname;
	const char *const *names;
	size_t n;
	void *table;
	bool ok;
	char why[512];
};

static struct libs_nettle nettle;
static struct libs_zlib zlib;
static struct lazy lazy_nettle = {
    PTHREAD_ONCE_INIT, KVP_NETTLE_SONAME, nettle_names,
    sizeof(nettle_names) / sizeof(nettle_names[0]), &nettle};
static struct lazy lazy_zlib = {PTHREAD_ONCE_INIT, KVP_ZLIB_SONAME, zlib_names,
				sizeof(zlib_names) / sizeof(zlib_names[0]),
				&zlib};

static void open_lazy(struct lazy *l)
{
	l->ok = libs_load(l->soname, l->names, l->n, l->table) == 0;
	if (!l->ok)
		snprintf(l->why, sizeof(l->why), "%s",
			 kvp_error_last()->message);
}

static void open_nettle(void)
{
	open_lazy(&lazy_nettle);
}

static void open_zlib(void)
{
	open_lazy(&lazy_zlib);
}

static const void *get(struct lazy *l, void (*open)(void))
{
	pthread_once(&l->once, open);
	if (l->ok)
		return l->table;
	err_fail(KVP_ERR_IO, l->soname, 0, 0, "%s", l->why);
	return NULL;
}

const struct libs_nettle *libs_nettle(void)
{
	return get(&lazy_nettle, open_nettle);
}

const struct libs_zlib *libs_zlib(void)
{
	return get(&lazy_zlib, open_zlib);
}

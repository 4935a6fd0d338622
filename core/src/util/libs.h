/* libs.h - nettle and zlib, opened on first use (dlopen) rather than
 * linked into libkvpcore.
 *
 * Why: every process that loads pam_kvp.so pays for each library it
 * needs when libpam loads the module, and most never use these two.
 * nettle is used only for a hashed field, the users sketch of a failure
 * summary and DIAG payloads; zlib only for compressed DIAG payloads.
 * Loading them cost 135 us (nettle: its start-up asks the CPU's features
 * with cpuid, 5 us an instruction on the VM measured) and 65-90 us
 * (zlib) in every sshd-session, su and sudo, on the VM measured.
 *
 * Each is opened once per process by its soname (the one the build
 * compiled against, KVP_NETTLE_SONAME and KVP_ZLIB_SONAME from the
 * Makefile), RTLD_NOW | RTLD_NODELETE, from the system's library path
 * only in a setuid program, as the dynamic loader would have. The
 * packages depend on them as before (debian/control names them, since
 * dpkg-shlibdeps no longer sees them).
 */
#ifndef KVP_LIBS_H
#define KVP_LIBS_H

#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <stddef.h>
#include <zlib.h>

struct libs_nettle {
	__typeof__(&nettle_sha256_init) sha_init;
	__typeof__(&nettle_sha256_update) sha_update;
	__typeof__(&nettle_sha256_digest) sha_digest;
	__typeof__(&nettle_hmac_sha256_set_key) hmac_set_key;
	__typeof__(&nettle_hmac_sha256_update) hmac_update;
	__typeof__(&nettle_hmac_sha256_digest) hmac_digest;
	__typeof__(&nettle_base64_encode_raw) b64_encode_raw;
	__typeof__(&nettle_base64_decode_init) b64_decode_init;
	__typeof__(&nettle_base64_decode_update) b64_decode_update;
	__typeof__(&nettle_base64_decode_final) b64_decode_final;
};

struct libs_zlib {
	__typeof__(&deflateInit2_) deflate_init2;
	__typeof__(&deflate) deflate;
	__typeof__(&deflateEnd) deflate_end;
	__typeof__(&inflateInit2_) inflate_init2;
	__typeof__(&inflate) inflate;
	__typeof__(&inflateEnd) inflate_end;
};

/* The library's functions, loaded on the first call of the process; NULL
 * when it cannot be loaded, with err_fail(KVP_ERR_IO, soname, ...) set
 * ("libnettle.so.8: cannot load it: <dlerror>"). */
const struct libs_nettle *libs_nettle(void);
const struct libs_zlib *libs_zlib(void);

/* What both use: open `soname` and fill table (n function pointers, in
 * the order of names[]) from it. 0, or KVP_ERR_IO naming the soname and
 * what failed (the library, or a symbol missing from it). */
int libs_load(const char *soname, const char *const *names, size_t n,
	      void *table);

#endif

/* hv_daemon.h - the real hv_kvp_daemon under test, and the "host" that
 * drives it the way the hv_utils kernel driver does.
 *
 * hv_start() runs /usr/sbin/hv_kvp_daemon -n (or $HV_KVP_DAEMON) with the
 * hv_shim.so preload in a private mount namespace where <dir>/varlib, in a
 * fresh temporary directory, is bind-mounted over /var/lib: the daemon's
 * hard-coded /var/lib/hyperv is <dir>/varlib/hyperv, the test reads and
 * writes the same files at d->pool_dir, and the real /var/lib/hyperv is
 * never touched. The device
 * is a SOCK_SEQPACKET socketpair; hv_start() completes the registration
 * handshake before it returns. Every wait is bounded; every failure is a
 * Criterion assertion (a daemon that cannot run fails the test).
 *
 * hv_stop() hangs up, waits briefly, then SIGKILLs and always reaps; call
 * hv_stop_all() from a suite's .fini so a failed assertion cannot leave a
 * daemon behind (it also dies with the test worker: PR_SET_PDEATHSIG).
 */
#ifndef KVP_HV_DAEMON_H
#define KVP_HV_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "hv_wire.h"
#include "kvp/kvp.h"

/* Optional shim features (see hv_shim.c). */
#define HV_WITH_PAUSE	0x1 /* d->pause_fd: arm/observe one pause */
#define HV_WITH_WINDOWS 0x2 /* log the daemon's unlocked rewrite gaps */

struct hv_daemon {
	pid_t pid;	   /* 0 when not running */
	int host_fd;	   /* our end of the device */
	int pause_fd;	   /* our end of the pause socket, or -1 */
	int window_fd;	   /* the window log, opened for reading, or -1 */
	char *dir;	   /* the test's temporary directory */
	char *pool_dir;	   /* <dir>/varlib/hyperv, /var/lib/hyperv for it */
	char *log_path;	   /* <dir>/daemon.log: its stderr and syslog lines */
	char *lic_version; /* the version our handshake gave it */
	unsigned long requests; /* requests answered so far */
};

/* An unlocked gap of the daemon between reading a pool and rewriting it. */
struct hv_window {
	struct timespec read_end;
	struct timespec lock_grant;
};

/* A reply from the daemon, decoded: error is HVW_S_OK, HVW_S_CONT (not
 * found / end of enumeration) or another status. key and value are
 * the fields' bytes up to the first NUL (or the whole field). */
struct hv_reply {
	uint32_t error;
	size_t key_len;
	size_t value_len;
	char key[HVW_KEY_SIZE + 1];
	char value[HVW_VALUE_SIZE + 1];
	unsigned char raw_key[HVW_KEY_SIZE];
	unsigned char raw_value[HVW_VALUE_SIZE];
};

/* A running, registered daemon. The state is owned by this module (it
 * outlives a failed test's stack frame) and released by hv_stop_all(). */
struct hv_daemon *hv_start(int flags);
/* Hang up and reap; the wait status, or -1 if it was not running. */
int hv_stop(struct hv_daemon *d);
/* Stop every daemon, remove their directories, free them (for .fini). */
void hv_stop_all(void);

/* A store on the daemon's pool file of `pool`; caller frees. */
kvp_store *hv_store(const struct hv_daemon *d, kvp_pool pool, kvp_mode mode);
/* "<pool_dir>/.kvp_pool_N", malloc'd. */
char *hv_pool_path(const struct hv_daemon *d, kvp_pool pool);
/* The daemon's log so far (malloc'd, "" when empty). */
char *hv_log(const struct hv_daemon *d);
/* HV_WITH_PAUSE: arm one pause (taken after the daemon's next pool read),
 * wait until the daemon sits in it, let it go on. */
void hv_pause_arm(struct hv_daemon *d);
void hv_pause_wait(struct hv_daemon *d);
void hv_pause_release(struct hv_daemon *d);
/* Every window logged so far (HV_WITH_WINDOWS); caller frees. */
struct hv_window *hv_windows(const struct hv_daemon *d, size_t *count);

/* --- the host side (hv_host.c) ------------------------------------------ */

/* Send one request as the kernel driver builds it and read the reply;
 * or the two halves apart (op: the request's operation). */
void hv_request(struct hv_daemon *d, const struct hvw_msg *msg,
		struct hv_reply *out);
void hv_send(struct hv_daemon *d, const struct hvw_msg *msg);
void hv_receive(struct hv_daemon *d, int op, struct hv_reply *out);
/* Build the SET request hv_set() sends. */
void hv_msg_set(struct hvw_msg *msg, int pool, const char *key,
		const char *value);
/* HVW_OP_SET as the driver forwards a host REG_SZ: UTF-8, sizes count the
 * terminating NUL. */
uint32_t hv_set(struct hv_daemon *d, int pool, const char *key,
		const char *value);
uint32_t hv_delete(struct hv_daemon *d, int pool, const char *key);
/* HVW_OP_GET. The driver sends value_size 0; `value_size` lets a test ask
 * for more to see which record the daemon matched. */
uint32_t hv_get(struct hv_daemon *d, int pool, const char *key,
		uint32_t value_size, struct hv_reply *out);
uint32_t hv_enumerate(struct hv_daemon *d, int pool, uint32_t index,
		      struct hv_reply *out);
/* Enumerate indexes 0.. until HVW_S_CONT; the records as a list (caller
 * frees with kvp_record_list_free). Asserts on any other status. */
void hv_enumerate_all(struct hv_daemon *d, int pool, kvp_record_list *out);

/* UTF-16 code units the driver would send the host for `len` bytes of
 * UTF-8, or -1 when they are not valid UTF-8 (the driver then fails the
 * whole reply with HVW_E_FAIL). */
long hv_utf16_units(const char *s, size_t len);

/* Assert two record lists hold the same records, in order, byte for byte;
 * `what` names the comparison in the failure message. */
void hv_assert_same_records(const kvp_record_list *got,
			    const kvp_record_list *want, const char *what);

/* Assert a list holds exactly the NULL-terminated {key, value, ..., NULL}
 * pairs of `kv`, in order. */
void hv_assert_records_are(const kvp_record_list *got, const char *const *kv,
			   const char *what);

double hv_now_ms(void);

#endif

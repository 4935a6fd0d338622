/* pam_internal.h - what the harness's own files share (pam_harness.c,
 * pam_logs.c, pam_procs.c, pam_records.c); the suites use pam_harness.h. */
#ifndef PAM_KVP_PAM_INTERNAL_H
#define PAM_KVP_PAM_INTERNAL_H

/* Absolute path of the module under test: $KVP_PAM_MODULE, else
 * $KVP_TEST_HELPERS/../pam_kvp.so. malloc'd. */
char *ph_module_path(void);

/* Start capturing syslog lines into ph.log (stderr under pam_wrapper, a
 * private /dev/log otherwise); stop and restore. */
void ph_log_start(void);
void ph_log_stop(void);

/* Remember a mount point of ours; ph_unmount_all() detaches them all,
 * newest first (ph_fini calls it before removing the directory). */
void ph_track_mount(const char *path);
void ph_unmount_all(void);
/* rm -r that never crosses into another mounted filesystem. */
void ph_rmtree(const char *path);

#endif

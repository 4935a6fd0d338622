/* sshd_internal.h - what the harness's files share between them. */
#ifndef KVP_SSHD_INTERNAL_H
#define KVP_SSHD_INTERNAL_H

#include <sys/types.h>

/* Our `sshd` service file's text, to know pam_wrapper's copies of it. */
extern char *sh_svc_text;

/* Write a printf-formatted file and give it `mode`. */
void sh_write(const char *path, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Path of a library loaded in this process whose file name starts with
 * `prefix` ("libasan.so"), or NULL; malloc'd. */
char *sh_loaded_lib(const char *prefix);
/* `name` under libc's (multiarch) directory, with or without /usr:
 * "security/pam_permit.so", "libpam_wrapper.so"; malloc'd. */
char *sh_system_file(const char *name);

/* Keys, users, PAM service files, pam_kvp.conf (with `events`, see
 * sh_setup()); sh's paths must be set. sh.svc_dir and sh.module too. */
void sh_make_tree(const char *events);
/* sshd_config for sh.port. */
void sh_write_sshd_config(void);

#endif

#!/bin/sh
# run_pam_tests.sh - runs pam_tests.bin (installed beside this script as
# pam_tests) under pam_wrapper. Criterion re-executes its workers with the
# runner's environment, so the preload must be in place before it starts.
#
#  LD_PRELOAD=libpam_wrapper.so, PAM_WRAPPER=1: libpam reads service files
#    from the directory each test names in PAM_WRAPPER_SERVICE_DIR (set by
#    the harness in the worker, before its first pam_start).
#  UID_WRAPPER_DISABLE_DEEPBIND=1: pam_wrapper would dlopen libpam with
#    RTLD_DEEPBIND, which binds libpam past ASan's (and valgrind's)
#    malloc; this pam_wrapper reads this name, not PAM_WRAPPER_DISABLE_*.
#  verify_asan_link_order=0: under check-asan, libasan is not first in
#    the initial library list once pam_wrapper is preloaded.
set -eu
here=$(dirname "$0")
LD_PRELOAD="libpam_wrapper.so${LD_PRELOAD:+:$LD_PRELOAD}"
PAM_WRAPPER=1
UID_WRAPPER_DISABLE_DEEPBIND=1
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
unset PAM_WRAPPER_SERVICE_DIR
export LD_PRELOAD PAM_WRAPPER UID_WRAPPER_DISABLE_DEEPBIND ASAN_OPTIONS
exec "$here/pam_tests.bin" "$@"

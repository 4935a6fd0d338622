#!/bin/sh
# System calls made by one store operation: strace the benchmark running
# the operation once between two marker calls and count what lies between.
# Usage: syscalls.sh PATH/TO/store_bench
#
# Each operation first checks the pool directory from / by path
# (util/trust.c, trust_check_dir: a stat of /, then an lstat per
# component): the "dir" column, 4 for the benchmark's
# /tmp/kvp-bench.XXXXXX/pool, and for /var/lib/hyperv; 0 when the process
# checked the same directory less than a second before (the memo), as the
# benchmark's setup usually did. "file" is the rest: the pool file's own
# calls, from its openat on.
set -eu
bench=${1:?usage: syscalls.sh store_bench}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '\nsystem calls per operation (1000-record pool in /tmp/kvp-bench.*;'
printf ' append on empty)\n'
printf '%-16s %5s %4s %4s  %s\n' op count dir file calls
for op in append insert-new insert-existing read delete entries len \
	len-missing; do
	strace -qq -o "$log" "$bench" --strace "$op"
	calls=$(awk '/kvp-bench-start/ {on=1; next} /kvp-bench-end/ {on=0}
		on {sub(/\(.*/, ""); print}' "$log")
	count=$(echo "$calls" | grep -c .)
	# The check: everything before the pool's openat, which the first
	# flock follows (with no file, the failed openat is the file's one
	# call).
	lock=$(echo "$calls" | grep -n -m1 '^flock$' | cut -d: -f1 || true)
	dir=$((${lock:-$((count + 1))} - 2))
	printf '%-16s %5d %4d %4d  %s\n' "$op" "$count" "$dir" \
		"$((count - dir))" "$(echo "$calls" | tr '\n' ' ')"
done

# With pam_bench and the module: the system calls of one session_open
# event at steady state (200 foreign records, our budget full), all of
# them and those on the pool file (from its open to its close).
pam_bench=${2:-}
module=${3:-}
[ -n "$pam_bench" ] && [ -n "$module" ] || exit 0
strace -qq -o "$log" "$pam_bench" --strace "$module"
calls=$(awk '/kvp-bench-start/ {on=1; next} /kvp-bench-end/ {on=0} on' "$log")
fd=$(echo "$calls" | sed -n 's/^openat(.*\.kvp_pool_[0-9]".* = \([0-9]*\)$/\1/p' | head -1)
pool=$(echo "$calls" | awk -v fd="$fd" '
	/^openat\(.*\.kvp_pool_[0-9]"/ {on = 1}
	on && (/^openat\(.*\.kvp_pool_[0-9]"/ || index($0, "(" fd ",") ||
	       index($0, "(" fd ")")) {line = $0; sub(/\(.*/, "", line); print line}
	on && index($0, "close(" fd ")") == 1 {on = 0}')
printf '\nsystem calls of one session_open at steady state (pam_kvp)\n'
printf '%-16s %5d  (libpam, the session id, the config'"'"'s stat, NSS, getresuid,\n' \
	"pam_open_session" "$(echo "$calls" | grep -c .)"
printf '%-16s %5s   the pool with the hint'"'"'s fgetxattr; libpam audit)\n' "" ""
printf '%-16s %5d  %s\n' "on the pool" "$(echo "$pool" | grep -c .)" \
	"$(echo "$pool" | tr '\n' ' ')"

#!/bin/sh
# make demo: run a PAM stack with pam_kvp through pam_wrapper against a
# temporary pool directory - a failed password, then a successful login
# with a session opened and closed - and show what the host would read.
# Nothing outside a temporary directory is written.
# Usage: demo.sh BUILD_DIR
set -eu
build=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd)
sh "$(dirname "$0")/../.ci/install-deps" demo

if [ ! -f "$build/pam_kvp.so" ]; then
	echo "demo: $build/pam_kvp.so is not built yet" >&2
	exit 1
fi

multiarch=$(gcc -print-multiarch)
wrapper_dir=/usr/lib/$multiarch/pam_wrapper
security_dir=/lib/$multiarch/security
tmp=$(mktemp -d /tmp/pam_kvp-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/services"

cat >"$tmp/pam_kvp.conf" <<CONF
pool_dir = "$tmp/pool";
events = ["auth", "auth_fail", "account", "session_open", "session_close"];
# alice exists only in pam_matrix's passdb, not in /etc/passwd: without
# this she would be recorded as "(invalid user)", the default for names
# that are no account on the machine.
invalid_user = "plain";
CONF
echo "alice:correct horse:kvp-demo" >"$tmp/passdb"

# The stack of conf/pam.d/sshd, with pam_matrix (a test module of
# pam_wrapper) in place of pam_unix so the demo needs no real account.
kvp="$build/pam_kvp.so config=$tmp/pam_kvp.conf"
cat >"$tmp/services/kvp-demo" <<STACK
auth	[success=1 default=ignore]	$wrapper_dir/pam_matrix.so passdb=$tmp/passdb
auth	[default=die]	$kvp event=auth_fail
auth	optional	$kvp
auth	required	$security_dir/pam_permit.so
account	optional	$kvp
account	required	$security_dir/pam_permit.so
session	optional	$kvp
session	required	$security_dir/pam_permit.so
STACK
cp "$tmp/services/kvp-demo" "$tmp/services/other"

pam() {
	LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
	PAM_WRAPPER_SERVICE_DIR="$tmp/services" \
	LD_LIBRARY_PATH="$build" \
	pamtester -I rhost=203.0.113.7 -I ruser=alice -I tty=ssh \
		kvp-demo alice "$@"
}

echo "== 1. alice types a wrong password"
if echo "wrong" | pam authenticate; then
	echo "demo: a wrong password was accepted" >&2
	exit 1
fi
echo "== 2. alice logs in: auth, account, session open and close"
printf 'correct horse\n' | pam authenticate acct_mgmt open_session \
	close_session
echo
echo "== what the host reads from $tmp/pool/.kvp_pool_1:"
LD_LIBRARY_PATH="$build" "$build/kvpctl" --dir "$tmp/pool" events
echo
echo "== the raw records (kvpctl dump):"
LD_LIBRARY_PATH="$build" "$build/kvpctl" --dir "$tmp/pool" dump

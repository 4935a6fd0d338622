#!/bin/sh
# sandbox_login.sh - run by check_deb.sh INSIDE the throwaway Debian 12
# chroot (never on the build machine): install the packages in /debs the
# way an admin would, enable the pam-auth-update profile, log in through
# the common-* stacks and check what pam_kvp recorded in this chroot's
# /var/lib/hyperv; then remove and purge.
set -u
export DEBIAN_FRONTEND=noninteractive
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok    $*"; }
bad() { failed=$((failed + 1)); echo "FAIL  $*"; }
expect() {
	what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
finish() {
	echo "sandbox: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
pool=/var/lib/hyperv/.kvp_pool_1
user=kvpuser
password='correct horse battery'

echo "-- apt-get install ./debs/*.deb"
apt-get update -qq >/tmp/apt.log 2>&1 &&
	apt-get install -y -q --no-install-recommends ./debs/*.deb \
		>>/tmp/apt.log 2>&1
rc=$?
grep -E '^(Setting up|Unpacking|Get:)' /tmp/apt.log
expect "apt-get install ./debs/*.deb (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { tail -n 30 /tmp/apt.log; finish; }
dpkg-query -W -f '${Package} ${Version} ${db:Status-Status}\n' \
	libkvpcore1 libkvpcore-dev libpam-kvp
expect "the profile is not enabled by installing" \
	sh -c '! grep -q pam_kvp /etc/pam.d/common-*'
expect "kvpctl check-config accepts the shipped pam_kvp.conf" \
	kvpctl check-config
expect "pam_kvp(8) is installed" test -f /usr/share/man/man8/pam_kvp.8.gz

echo "-- pam-auth-update --enable kvp"
expect "pam-auth-update --enable kvp" pam-auth-update --enable kvp
grep -H pam_kvp /etc/pam.d/common-*
echo "common-auth:"
grep -v -e "^#" -e "^$" /etc/pam.d/common-auth
expect "common-auth records auth_fail after pam_unix" \
	grep -Eq '^auth[[:space:]]+\[default=die\][[:space:]]+pam_kvp.so event=auth_fail' \
	/etc/pam.d/common-auth
for stack in account session password; do
	expect "common-$stack has pam_kvp.so" \
		grep -q "pam_kvp.so" "/etc/pam.d/common-$stack"
done

echo "-- a failed and a successful login through the common-* stacks"
useradd -m "$user"
printf '%s:%s\n' "$user" "$password" | chpasswd
cat >/etc/pam.d/kvp-login <<'EOF'
@include common-auth
@include common-account
@include common-session
EOF
pam() {
	pamtester -I rhost=203.0.113.7 -I tty=pts/0 kvp-login "$user" "$@"
}
# hv_kvp_daemon creates the pools 0644 (any user could read the logins
# and block every write with a lock): the first record makes it 0600.
mkdir -p /var/lib/hyperv
[ -e "$pool" ] || : >"$pool"
chmod 0644 "$pool"
expect "a 0644 pool before the first login: $user can open it" \
	runuser -u "$user" -- test -r "$pool"
if echo "wrong password" | pam authenticate; then
	bad "a wrong password is refused"
else
	ok "a wrong password is refused"
fi
expect "after that login's record the pool is 0600 root" \
	test "$(stat -c '%a %U' "$pool")" = "600 root"
expect "and $user can no longer open it" \
	sh -c '! runuser -u "$1" -- cat "$2" >/dev/null 2>&1' - "$user" "$pool"
expect "the right password: authenticate, acct_mgmt, open/close_session" \
	sh -c 'printf "%s\n" "$1" | pamtester -I rhost=203.0.113.7 \
	-I tty=pts/0 kvp-login "$2" authenticate acct_mgmt open_session \
	close_session' - "$password" "$user"
kvpctl events
kvpctl events --json >/tmp/events.json
# DIAG records (the default format): the payload is the module's JSON
# value as a string, unescaped here to read its members.
sed 's/\\"/"/g' /tmp/events.json >/tmp/values.txt
uid=$(id -u "$user")
order=$(grep -o '"event":"[a-z_]*"' /tmp/values.txt | cut -d'"' -f4 |
	tr '\n' ' ')
expect "recorded: $order" test "$order" = \
	"auth_fail session_open session_close "
expect "each names the service, $user (uid $uid) and the rhost" test \
	"$(grep -c "\"service\":\"kvp-login\",\"user\":\"$user\",\"rhost\":\"203.0.113.7\".*\"uid\":$uid" \
	/tmp/values.txt)" = 3
expect "auth_fail has result auth_err" \
	grep -q '"event":"auth_fail".*"result":"auth_err"' /tmp/values.txt
expect "session_open and session_close share one session id" test \
	"$(grep -o '"session":"[0-9a-f-]*"' /tmp/values.txt | sort -u |
	wc -l)" = 1
expect "auth_fail is a DIAG event of pam:kvp-login:auth, result fail" \
	grep -q '"agent":"pam_kvp/[^"]*",.*"kind":"event","name":"pam:kvp-login:auth",.*"result":"fail"' \
	/tmp/events.json
expect "the session is one start+finish row" \
	sh -c 'kvpctl events | grep -q "start+finish  pam:kvp-login:session  *success"'
expect "the pool is $pool, mode 0600" \
	test "$(stat -c %a "$pool")" = 600
expect "hv_kvp_daemon's directory is 0755" \
	test "$(stat -c %a /var/lib/hyperv)" = 755

echo "-- apt-get remove, then purge"
apt-get remove -y -q libpam-kvp >/tmp/apt.log 2>&1
expect "apt-get remove libpam-kvp" test $? -eq 0
expect "the common-* stacks no longer name pam_kvp" \
	sh -c '! grep -q pam_kvp /etc/pam.d/common-*'
expect "logins still work without the module" \
	sh -c 'printf "%s\n" "$1" | pamtester kvp-login "$2" authenticate \
	open_session close_session' - "$password" "$user"
expect "the conffile stays until purge" test -f /etc/security/pam_kvp.conf
apt-get purge -y -q libpam-kvp libkvpcore-dev libkvpcore1 \
	>>/tmp/apt.log 2>&1
expect "apt-get purge" test $? -eq 0
expect "purge removed /etc/security/pam_kvp.conf" \
	test ! -e /etc/security/pam_kvp.conf
expect "the recorded events stay in the pool" test -s "$pool"
finish

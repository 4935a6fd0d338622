#!/bin/sh
# check_install.sh - `make check-install`: install into temporary DESTDIRs
# and test what landed there, never the build tree and never the real /etc
# or /usr:
#   - the file list, modes and symlinks; the soname and the exported
#     symbols (exactly those of debian/libkvpcore1.symbols and the
#     README's "Library API"); the man pages render without warnings;
#   - a C program built with only `pkg-config --cflags --libs libkvpcore`
#     from the DESTDIR writes and reads back a record in a temporary pool,
#     running against the installed libkvpcore.so.1;
#   - a PAM stack naming the installed pam_kvp.so by its absolute path
#     (pam_start_confdir, a private service directory) records its events,
#     which the installed kvpctl reads back;
#   - an existing pam_kvp.conf survives install, and uninstall removes
#     everything it installed except a pam_kvp.conf that differs from the
#     shipped default (the admin's edits are kept);
#   - PREFIX and LIBDIR move what they should.
# Run from the top of the source tree by the Makefile (MAKE, BUILD set).
set -eu

make=${MAKE:-make}
build=${BUILD:-build}
ma=$(gcc -print-multiarch)
tmp=$(mktemp -d /tmp/pam_kvp-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok    $*"; }
bad() { failed=$((failed + 1)); echo "FAIL  $*"; }
# expect DESCRIPTION COMMAND...: the command must succeed.
expect() {
	what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
# install_into DESTDIR [VAR=VALUE...]: make install, output in DESTDIR.log
install_into() {
	d=$1
	shift
	$make --no-print-directory -s install BUILD="$build" DESTDIR="$d" \
		"$@" >"$d.log" 2>&1 || { cat "$d.log"; return 1; }
}
uninstall_from() {
	d=$1
	shift
	$make --no-print-directory -s uninstall BUILD="$build" DESTDIR="$d" \
		"$@" >"$d.uninstall.log" 2>&1 ||
		{ cat "$d.uninstall.log"; return 1; }
}
# has_mode PATH MODE: a regular file (not a link) with this mode
has_mode() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(stat -c %a "$1")" = "$2" ]; }
links_to() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }
# what is left in a tree: files and links, relative
leftovers() { (cd "$1" && find . ! -type d | sort); }

D=$tmp/root
lib=$D/usr/lib/$ma
echo "== make install DESTDIR=$D PREFIX=/usr"
install_into "$D" PREFIX=/usr

echo "== the installed files"
expect "libkvpcore.so.1.0.0 0644" has_mode "$lib/libkvpcore.so.1.0.0" 644
expect "libkvpcore.so.1 -> libkvpcore.so.1.0.0" \
	links_to "$lib/libkvpcore.so.1" libkvpcore.so.1.0.0
expect "libkvpcore.so -> libkvpcore.so.1" \
	links_to "$lib/libkvpcore.so" libkvpcore.so.1
for h in core/include/kvp/*.h; do
	expect "header kvp/${h##*/} 0644" \
		has_mode "$D/usr/include/kvp/${h##*/}" 644
done
expect "libkvpcore.pc 0644" has_mode "$lib/pkgconfig/libkvpcore.pc" 644
expect "pam_kvp.so 0644 in <libdir>/security" \
	has_mode "$lib/security/pam_kvp.so" 644
expect "kvpctl 0755 in /usr/sbin" has_mode "$D/usr/sbin/kvpctl" 755
expect "pam_kvp.conf 0644" has_mode "$D/etc/security/pam_kvp.conf" 644
expect "pam_kvp.conf is the shipped one" \
	cmp -s conf/pam_kvp.conf "$D/etc/security/pam_kvp.conf"
expect "pam-auth-update profile 0644" \
	has_mode "$D/usr/share/pam-configs/kvp" 644
expect "tmpfiles.d rule 0644 (the guest pool 0600 root at boot)" \
	has_mode "$D/usr/lib/tmpfiles.d/pam_kvp.conf" 644
if command -v systemd-tmpfiles >/dev/null; then
	# The rule applied to a scratch root: a world-readable pool (as
	# hv_kvp_daemon makes it) becomes 0600 root, a missing one is made so.
	tf=$(mktemp -d)
	mkdir -p "$tf/var/lib/hyperv"
	: >"$tf/var/lib/hyperv/.kvp_pool_1"
	chmod 0644 "$tf/var/lib/hyperv/.kvp_pool_1"
	systemd-tmpfiles --root="$tf" --create \
		"$D/usr/lib/tmpfiles.d/pam_kvp.conf"
	expect "systemd-tmpfiles makes a 0644 guest pool 0600 root" test \
		"$(stat -c '%a %U' "$tf/var/lib/hyperv/.kvp_pool_1")" = "600 root"
	rm -f "$tf/var/lib/hyperv/.kvp_pool_1"
	systemd-tmpfiles --root="$tf" --create \
		"$D/usr/lib/tmpfiles.d/pam_kvp.conf"
	expect "systemd-tmpfiles creates a missing guest pool 0600 root" test \
		"$(stat -c '%a %U %s' "$tf/var/lib/hyperv/.kvp_pool_1")" = \
		"600 root 0"
	rm -rf "$tf"
fi
for page in man3/libkvpcore.3 man5/pam_kvp.conf.5 man8/pam_kvp.8 \
	man8/kvpctl.8; do
	expect "man page $page 0644" has_mode "$D/usr/share/man/$page" 644
done
expect "nothing else was installed" test "$(leftovers "$D" | wc -l)" = \
	"$(( $(ls core/include/kvp/*.h | wc -l) + 13 ))"

echo "== the library and the module as linked"
soname=$(readelf -d "$lib/libkvpcore.so.1.0.0" |
	sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
expect "soname is libkvpcore.so.1 ($soname)" test "$soname" = libkvpcore.so.1
# nettle and zlib are opened on first use (core/src/util/libs.h), so that
# a login does not load them: they must not be among the libraries the
# dynamic loader loads with libkvpcore.
needed=$(readelf -d "$lib/libkvpcore.so.1.0.0" |
	sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
expect "libkvpcore does not need nettle or zlib at load ($needed)" \
	sh -c '! printf "%s\n" "$1" | grep -Eq "libnettle|libz\."' - "$needed"
exports=$(nm -D --defined-only "$lib/libkvpcore.so.1.0.0" |
	awk '{print $3}' | sed 's/@.*//' | grep -v '^KVPCORE_1$' || true)
expect "libkvpcore exports only kvp_* ($(echo "$exports" | wc -l) symbols)" \
	sh -c '! printf "%s\n" "$1" | grep -qv "^kvp_"' - "$exports"
# The API is exactly what the symbols file and the README's "Library API"
# promise: a function added or dropped must be added or dropped there too.
sorted_exports=$(printf '%s\n' "$exports" | sort)
expect "exports = debian/libkvpcore1.symbols" test "$sorted_exports" = \
	"$(sed -n 's/^ \(kvp_[a-z0-9_]*\)@KVPCORE_1 .*/\1/p' \
		debian/libkvpcore1.symbols | sort)"
expect "exports = the README's Library API" test "$sorted_exports" = \
	"$(sed -n '/^## Library API/,/^## /s/^    \(kvp_[a-z0-9_]*\) .*/\1/p' \
		README.md | sort)"
expect "exported symbols carry the version KVPCORE_1" sh -c \
	'nm -D --defined-only "$1" | grep " kvp_" | grep -qv "@@KVPCORE_1" && exit 1 || exit 0' \
	- "$lib/libkvpcore.so.1.0.0"
mod_exports=$(nm -D --defined-only "$lib/security/pam_kvp.so" |
	awk '{print $3}' | sort | tr '\n' ' ')
expect "pam_kvp.so exports the six pam_sm_* only" test "$mod_exports" = \
	"pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session pam_sm_open_session pam_sm_setcred "
expect "pam_kvp.so needs libkvpcore.so.1 and libpam.so.0" sh -c \
	'readelf -d "$1" | grep -q "NEEDED.*\[libkvpcore.so.1\]" &&
	 readelf -d "$1" | grep -q "NEEDED.*\[libpam.so.0\]"' - \
	"$lib/security/pam_kvp.so"
expect "no RPATH/RUNPATH in what was installed" sh -c \
	'! readelf -d "$@" | grep -Eq "R(UN)?PATH"' - \
	"$lib/libkvpcore.so.1.0.0" "$lib/security/pam_kvp.so" \
	"$D/usr/sbin/kvpctl"

echo "== the man pages render without warnings"
for page in "$D"/usr/share/man/man*/*; do
	warn=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
	expect "man -l ${page#"$D"} (no warnings)" test -z "$warn"
	[ -z "$warn" ] || echo "$warn"
	what=$(lexgrog "$page" 2>&1 | sed 's/^[^:]*: //' || true)
	expect "whatis entry: $what" sh -c 'case "$1" in \"*" - "*) ;; *) exit 1;; esac' - "$what"
done

echo "== a program built against the installed header (pkg-config)"
export PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR=$lib/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$D
flags=$(pkg-config --cflags --libs libkvpcore | sed 's/ *$//')
echo "pkg-config --cflags --libs libkvpcore: $flags"
expect "pkg-config flags point into the DESTDIR" test \
	"$flags" = "-I$D/usr/include -L$lib -lkvpcore"
version=$(sed -n 's/^VERSION := //p' Makefile)
expect "pkg-config --modversion" test \
	"$(pkg-config --modversion libkvpcore)" = "$version"
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
# shellcheck disable=SC2086
expect "consumer.c compiles with -Wall -Wextra -Werror" \
	gcc -std=c11 -Wall -Wextra -Werror -o "$tmp/consumer" \
	tests/install/consumer.c $flags
mkdir "$tmp/pool"
if LD_LIBRARY_PATH=$lib "$tmp/consumer" "$tmp/pool" >"$tmp/consumer.out"
then ok "consumer wrote and read back a record"
else bad "consumer wrote and read back a record"; fi
cat "$tmp/consumer.out"
expect "consumer ran against the installed libkvpcore.so.1" \
	grep -qx "libkvpcore: $lib/libkvpcore.so.1" "$tmp/consumer.out"
expect "the pool file is 0600" has_mode "$tmp/pool/.kvp_pool_1" 600
got=$(LD_LIBRARY_PATH=$lib "$D/usr/sbin/kvpctl" --dir "$tmp/pool" get \
	install-check || true)
expect "installed kvpctl reads it back ('$got')" test "$got" = installed

echo "== a PAM stack with the installed module (absolute path)"
mod=$lib/security/pam_kvp.so
conf=$tmp/pam_kvp.conf
mkdir "$tmp/services" "$tmp/pampool"
cat >"$conf" <<EOF
pool_dir = "$tmp/pampool";
events = ["auth", "auth_fail", "account", "session_open", "session_close",
	"password"];
EOF
kvp="$mod config=$conf"
# The layout of conf/pam.d/sshd: pam_permit (or pam_deny) in pam_unix's
# place.
for result in permit deny; do
	cat >"$tmp/services/kvp-$result" <<EOF
auth	[success=1 default=ignore]	pam_$result.so
auth	[default=die]	$kvp event=auth_fail
auth	optional	$kvp
auth	required	pam_permit.so
account	optional	$kvp
account	required	pam_permit.so
session	optional	$kvp
session	required	pam_permit.so
password	optional	$kvp
password	required	pam_permit.so
EOF
done
expect "pam_driver.c compiles" gcc -std=c11 -Wall -Wextra -Werror \
	-o "$tmp/pam_driver" tests/install/pam_driver.c -lpam
run_pam() {
	LD_LIBRARY_PATH=$lib "$tmp/pam_driver" "$tmp/services" "$@" \
		>>"$tmp/pam.out" 2>&1
}
expect "a failed login: authenticate gives PAM_AUTH_ERR" \
	run_pam kvp-deny root authenticate=auth_err
expect "a login: authenticate, acct_mgmt, open/close_session, chauthtok" \
	run_pam kvp-permit root authenticate acct_mgmt open_session \
	close_session chauthtok
cat "$tmp/pam.out"
expect "libpam loaded the installed pam_kvp.so" \
	grep -qx "loaded: $mod" "$tmp/pam.out"
expect "pam_kvp.so ran against the installed libkvpcore.so.1" \
	grep -qx "loaded: $lib/libkvpcore.so.1" "$tmp/pam.out"
LD_LIBRARY_PATH=$lib "$D/usr/sbin/kvpctl" --config "$conf" events \
	>"$tmp/events.txt"
LD_LIBRARY_PATH=$lib "$D/usr/sbin/kvpctl" --config "$conf" events --json \
	>"$tmp/events.json"
cat "$tmp/events.txt"
# The records are DIAG (format = "diag", the default): each payload is the
# module's JSON value as a string, unescaped here to read its members.
sed 's/\\"/"/g' "$tmp/events.json" >"$tmp/values.txt"
order=$(grep -o '"event":"[a-z_]*"' "$tmp/values.txt" | cut -d'"' -f4 |
	tr '\n' ' ')
expect "events recorded in order: $order" test "$order" = \
	"auth_fail auth account session_open session_close password "
expect "every event names the service, root (uid 0) and the rhost" \
	test "$(grep -c '"user":"root","rhost":"203.0.113.7".*"uid":0' \
	"$tmp/values.txt")" = 6
sessions=$(grep -o '"session":"[0-9a-f-]*"' "$tmp/values.txt" | sort -u |
	wc -l)
expect "session_open and session_close carry one session id" \
	test "$(grep -c '"session":"' "$tmp/values.txt")" = 2 -a \
	"$sessions" = 1
expect "session_close reports duration_s" \
	grep -q '"event":"session_close".*"duration_s":' "$tmp/values.txt"
expect "every record is pam_kvp's DIAG record" test \
	"$(grep -c '"schema":"diag","agent":"pam_kvp/'"$version"'"' \
	"$tmp/events.json")" = 6
session_id=$(grep -o '"session":"[0-9a-f-]*"' "$tmp/values.txt" | head -1 |
	cut -d'"' -f4)
expect "the session is one start and one finish with its id as event_id" \
	test "$(grep -c '"kind":"\(start\|finish\)","name":"pam:kvp-permit:session","event_id":"'"$session_id"'"' \
	"$tmp/events.json")" = 2
expect "the finish carries the duration" \
	grep -q '"kind":"finish",.*"result":"success","duration":' \
	"$tmp/events.json"
expect "kvpctl events shows the session as one start+finish row" \
	grep -q "start+finish  pam:kvp-permit:session  *success" \
	"$tmp/events.txt"
expect "the failed login is an event of pam:kvp-deny:auth with result fail" \
	grep -q '"kind":"event","name":"pam:kvp-deny:auth",.*"result":"fail"' \
	"$tmp/events.json"
expect "the PAM pool file is 0600" has_mode "$tmp/pampool/.kvp_pool_1" 600

echo "== the configuration: shipped file and pam_kvp.conf(5) examples"
expect "kvpctl check-config accepts the installed pam_kvp.conf" \
	env LD_LIBRARY_PATH="$lib" "$D/usr/sbin/kvpctl" check-config \
	"$D/etc/security/pam_kvp.conf"
# Every libconfig example block of the man page must load.
awk -v dir="$tmp" '
	/^```/ { inblock = !inblock; if (inblock) { n++; f = dir "/example" n ".conf" } ; next }
	inblock { print > f }
' man/pam_kvp.conf.5.scd
for ex in "$tmp"/example*.conf; do
	grep -q '=' "$ex" && ! grep -q '^kvpctl' "$ex" || continue
	expect "pam_kvp.conf(5) example ${ex##*/} is valid" \
		env LD_LIBRARY_PATH="$lib" "$D/usr/sbin/kvpctl" check-config \
		"$ex"
done

echo "== an existing pam_kvp.conf is never overwritten"
printf '# the admin edited this\nmax_records = 100;\n' \
	>"$D/etc/security/pam_kvp.conf"
cp "$D/etc/security/pam_kvp.conf" "$tmp/admin.conf"
install_into "$D" PREFIX=/usr
expect "install again: the admin's pam_kvp.conf is unchanged" \
	cmp -s "$tmp/admin.conf" "$D/etc/security/pam_kvp.conf"
expect "install says it kept it" grep -q "kept the existing" "$D.log"

echo "== make uninstall"
uninstall_from "$D" PREFIX=/usr
expect "uninstall removes everything but the changed pam_kvp.conf" \
	test "$(leftovers "$D")" = "./etc/security/pam_kvp.conf"
expect "uninstall says it kept pam_kvp.conf" \
	grep -q "kept .*pam_kvp.conf" "$D.uninstall.log"
expect "the kvp include directory is gone" test ! -e "$D/usr/include/kvp"
D2=$tmp/fresh
install_into "$D2" PREFIX=/usr
uninstall_from "$D2" PREFIX=/usr
expect "install + uninstall (unchanged pam_kvp.conf) leaves no file" \
	test -z "$(leftovers "$D2")"

echo "== PREFIX, LIBDIR, SECUREDIR, SYSCONFDIR"
D3=$tmp/local
install_into "$D3" PREFIX=/usr/local
expect "PREFIX=/usr/local: library in /usr/local/lib/$ma" \
	test -f "$D3/usr/local/lib/$ma/libkvpcore.so.1.0.0"
expect "PREFIX=/usr/local: module in /usr/local/lib/$ma/security" \
	test -f "$D3/usr/local/lib/$ma/security/pam_kvp.so"
expect "PREFIX=/usr/local: kvpctl in /usr/local/sbin" \
	test -x "$D3/usr/local/sbin/kvpctl"
expect "PREFIX=/usr/local: pam_kvp.conf still in /etc/security" \
	test -f "$D3/etc/security/pam_kvp.conf"
expect "PREFIX=/usr/local: libkvpcore.pc says prefix=/usr/local" \
	grep -qx 'prefix=/usr/local' \
	"$D3/usr/local/lib/$ma/pkgconfig/libkvpcore.pc"
uninstall_from "$D3" PREFIX=/usr/local
expect "PREFIX=/usr/local: uninstall leaves no file" \
	test -z "$(leftovers "$D3")"
D4=$tmp/custom
install_into "$D4" PREFIX=/opt/kvp LIBDIR=/opt/kvp/lib64 \
	SECUREDIR=/opt/pam SYSCONFDIR=/opt/etc
expect "LIBDIR=/opt/kvp/lib64" test -f "$D4/opt/kvp/lib64/libkvpcore.so.1.0.0"
expect "SECUREDIR=/opt/pam" test -f "$D4/opt/pam/pam_kvp.so"
expect "SYSCONFDIR=/opt/etc" test -f "$D4/opt/etc/security/pam_kvp.conf"
expect "libkvpcore.pc: libdir=\${prefix}/lib64" \
	grep -qx 'libdir=${prefix}/lib64' \
	"$D4/opt/kvp/lib64/pkgconfig/libkvpcore.pc"
uninstall_from "$D4" PREFIX=/opt/kvp LIBDIR=/opt/kvp/lib64 \
	SECUREDIR=/opt/pam SYSCONFDIR=/opt/etc
expect "custom directories: uninstall leaves no file" \
	test -z "$(leftovers "$D4")"

echo
echo "check-install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

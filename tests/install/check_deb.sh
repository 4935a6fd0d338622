#!/bin/sh
# check_deb.sh - `make check-deb`, after `make deb`: check the Debian
# packages in OUT_DIR.
#   1. lintian (pedantic, info included): no error and no warning;
#   2. their sizes and dependencies;
#   3. libkvpcore-dev + libkvpcore1 unpacked into a temporary root: a
#      program builds with their pkg-config file and runs;
#   4. a sandbox: a minimal Debian 12 (debootstrap from the apt archive)
#      in a temporary directory, entered with chroot in a private mount
#      namespace (its /proc is gone when the namespace ends). In it:
#      `apt-get install ./*.deb` (dependencies from the archive),
#      `pam-auth-update --enable kvp`, a failed and a successful login
#      through the resulting common-* stacks (pamtester, pam_unix, a
#      real account) recorded in its /var/lib/hyperv, then removal and
#      purge (the stacks lose pam_kvp, logins still work).
# The build machine's /etc, /usr and /var/lib/hyperv are never touched.
# KVP_DEB_MIRROR overrides the archive (default: the one apt uses here).
# Usage: check_deb.sh OUT_DIR
set -eu
out=$(cd "${1:?usage: check_deb.sh OUT_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok    $*"; }
bad() { failed=$((failed + 1)); echo "FAIL  $*"; }
expect() {
	what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "check-deb: needs root (debootstrap, chroot, unshare)" >&2
	exit 1
fi
debs=$(ls "$out"/*.deb | grep -v -- '-dbgsym_')
tmp=$(mktemp -d /tmp/pam_kvp-deb.XXXXXX)
root=$tmp/sandbox
cleanup() {
	# Mounts live only in the namespace of the unshare below; refuse to
	# delete a tree that still has one (it would reach the host).
	if grep -q " $tmp/" /proc/self/mounts; then
		echo "check-deb: $tmp still has mounts, not removed" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

echo "== lintian"
# lintian warns when run as root; the packages are what it checks.
lintian -I -E --pedantic --show-overrides "$out"/*.changes \
	>"$tmp/lintian.out" 2>&1 || true
grep -v '^running with root privileges' "$tmp/lintian.out" || true
expect "lintian: no error" sh -c '! grep -q "^E: " "$1"' - "$tmp/lintian.out"
expect "lintian: no warning" sh -c '! grep -q "^W: " "$1"' - "$tmp/lintian.out"

echo "== the packages"
for deb in $debs; do
	printf '%-40s %7s bytes, Installed-Size %s KiB\n' "${deb##*/}" \
		"$(stat -c %s "$deb")" "$(dpkg-deb -f "$deb" Installed-Size)"
	printf '    Depends: %s\n' "$(dpkg-deb -f "$deb" Depends)"
done
pam_deb=$(ls "$out"/libpam-kvp_*.deb)
if [ -n "${VERSION:-}" ]; then
	expect "package version $(dpkg-deb -f "$pam_deb" Version) is the source's ($VERSION)" \
		test "$(dpkg-deb -f "$pam_deb" Version)" = "$VERSION"
fi
expect "libpam-kvp depends on libkvpcore1 and libpam-runtime" sh -c \
	'd=$(dpkg-deb -f "$1" Depends); case "$d" in *libkvpcore1*) ;; *) exit 1;; esac;
	 case "$d" in *libpam-runtime*) ;; *) exit 1;; esac' - "$pam_deb"
expect "/etc/security/pam_kvp.conf is a conffile" sh -c \
	'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles |
	 grep -qx /etc/security/pam_kvp.conf' - "$pam_deb"
expect "libkvpcore1 has a symbols file" sh -c \
	'dpkg-deb --ctrl-tarfile "$1" | tar -t | grep -qx ./symbols' - \
	"$(ls "$out"/libkvpcore1_*.deb)"

echo "== libkvpcore-dev: build a program with its pkg-config file"
mkdir "$tmp/dev"
for deb in "$out"/libkvpcore1_*.deb "$out"/libkvpcore-dev_*.deb; do
	dpkg-deb -x "$deb" "$tmp/dev"
done
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
flags=$(PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$tmp/dev/usr/lib/$ma/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$tmp/dev pkg-config --cflags --libs libkvpcore)
echo "pkg-config --cflags --libs libkvpcore: $flags"
# shellcheck disable=SC2086
expect "consumer.c builds against the -dev package" \
	gcc -std=c11 -Wall -Wextra -Werror -o "$tmp/consumer" \
	"$here/consumer.c" $flags
mkdir "$tmp/pool"
expect "and runs against libkvpcore1's library" sh -c \
	'LD_LIBRARY_PATH=$1 "$2" "$3" | grep -qx "libkvpcore: $1/libkvpcore.so.1"' \
	- "$tmp/dev/usr/lib/$ma" "$tmp/consumer" "$tmp/pool"

echo "== sandbox: debootstrap bookworm"
mirror=${KVP_DEB_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
start=$(date +%s)
if ! debootstrap --variant=minbase --include=pamtester bookworm "$root" \
	"$mirror" >"$tmp/debootstrap.log" 2>&1; then
	tail -n 30 "$tmp/debootstrap.log"
	bad "debootstrap bookworm from $mirror"
	echo "check-deb: $passed passed, $failed failed"
	exit 1
fi
ok "debootstrap bookworm from $mirror ($(( $(date +%s) - start )) s)"

mkdir "$root/debs"
cp $debs "$root/debs/"
cp "$here/sandbox_login.sh" "$root/sandbox_login.sh"
# No service may start inside (none should be installed anyway).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

start=$(date +%s)
set +e
unshare --mount --propagation private sh -c '
	mount -t proc proc "$1/proc" &&
	exec chroot "$1" /bin/sh /sandbox_login.sh' - "$root" \
	>"$tmp/sandbox.log" 2>&1
rc=$?
set -e
cat "$tmp/sandbox.log"
passed=$((passed + $(grep -c '^ok    ' "$tmp/sandbox.log" || true)))
failed=$((failed + $(grep -c '^FAIL  ' "$tmp/sandbox.log" || true)))
expect "sandbox test finished (exit $rc, $(( $(date +%s) - start )) s)" \
	test "$rc" -eq 0

echo
echo "check-deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# build_deb.sh - `make deb`: build the Debian packages from a copy of the
# source tree, so that dpkg-buildpackage's outputs (it writes them beside
# the source directory) and debian/'s build files stay out of the
# checkout. The copy holds what git tracks plus untracked files it does
# not ignore (no build directories); outside git, the tree less build*/.
# Usage: build_deb.sh OUT_DIR   (the .debs land in OUT_DIR)
set -eu
out=${1:?usage: build_deb.sh OUT_DIR}
version=$(dpkg-parsechangelog -S Version)
src=$out/pam-kvp-$version

rm -rf "$out"
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -c -f - 2>/dev/null |
		tar -x -f - -C "$src"
else
	tar --exclude=./.git --exclude='./build' --exclude='./build-*' \
		-c -f - . | tar -x -f - -C "$src"
fi
rm -rf "$src/debian/.debhelper" "$src/debian/tmp"

start=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 60 "$out/build.log"
	echo "deb: dpkg-buildpackage failed; the whole log: $out/build.log" >&2
	exit 1
}
grep 'dpkg-gensymbols' "$out/build.log" || true
echo "deb: built in $(( $(date +%s) - start )) s (log: $out/build.log):"
ls -l "$out"/*.deb

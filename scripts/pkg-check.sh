#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make pkg-check: build the Debian packages, run lintian on them, and
# install them in a clean bookworm chroot, where DKMS must build and install
# the module for the chroot's kernel headers and removing the packages must
# remove it again.
#
#   scripts/pkg-check.sh [--no-build] [--keep]
#
#   --no-build  use the packages already in build/deb
#   --keep      leave the chroot of this run in place (its path is printed)
#
# The base chroot (debootstrap --variant=minbase of bookworm, plus
# linux-headers-amd64) is made once and cached as a tarball under
# $VMI_CACHE/pkg-chroot, named by a hash of what goes into it; each run
# unpacks a fresh copy.  The mirror is the one of the machine's own apt
# sources.  Downloaded packages are kept in $VMI_CACHE/pkg-chroot/archives,
# bind-mounted into every copy.
#
# Prints "ok N - ...", "not ok N - ...", "ok N - ... # SKIP ...", then
# "N passed, N failed, N skipped".  Needs root (debootstrap, chroot).
set -uo pipefail

. "$(dirname "$0")/lib.sh"

SUITE=bookworm
# what the base chroot holds besides minbase; part of the cache key
BASE_PKGS=(linux-headers-amd64)
# bump to rebuild every cached base chroot
BASE_RECIPE=1
DEB=$VMI_TOP/build/deb
PKGCACHE=$VMI_CACHE/pkg-chroot
ARCHIVES=$PKGCACHE/archives
APT_OPTS=(-y -q -o Dpkg::Options::=--force-confold --no-install-recommends)

N=0
PASSED=0
FAILED=0
SKIPPED=0
ROOT=""
KEEP=0
MOUNTS=()

ok() { N=$((N + 1)); PASSED=$((PASSED + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
skip() { N=$((N + 1)); SKIPPED=$((SKIPPED + 1)); echo "ok $N - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: one result line for a command's status
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# indent a file as a comment under the last result
show() { sed 's/^/#   /' "$@" | tail -n 30; }

finish() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ $FAILED -eq 0 ]
}

# --- the chroot's mounts: everything mounted is unmounted on exit ----------

# mount_in PATH MOUNT-ARGS...: mount at PATH inside the chroot
mount_in() {
	local target=$ROOT$1
	shift
	mkdir -p "$target"
	mount "$@" "$target" && MOUNTS+=("$target")
}

# mounts under the chroot, deepest first (also ones a package made)
mounts_below() {
	findmnt -rn -o TARGET | awk -v r="$1" 'index($0, r "/") == 1' | sort -r
}

cleanup() {
	local m left
	[ -n "$ROOT" ] || return 0
	# first what we mounted, in reverse order, then whatever is left
	for ((m = ${#MOUNTS[@]} - 1; m >= 0; m--)); do
		umount "${MOUNTS[m]}" 2>/dev/null || umount -l "${MOUNTS[m]}" 2>/dev/null || true
	done
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(mounts_below "$ROOT")
	left=$(mounts_below "$ROOT")
	if [ -n "$left" ]; then
		log "still mounted, $ROOT not removed: $left"
	elif [ $KEEP = 1 ]; then
		log "chroot kept in $ROOT"
	else
		rm -rf "$ROOT"
	fi
	ROOT=""
}

in_chroot() {
	chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

setup_mounts() {
	mount_in /proc -t proc proc &&
		mount_in /dev --bind /dev &&
		mount_in /sys -t sysfs sysfs &&
		mkdir -p "$ARCHIVES/partial" &&
		mount_in /var/cache/apt/archives --bind "$ARCHIVES"
}

# --- the cached base chroot -----------------------------------------------

# The base's cache key: everything that decides its content.
base_key() {
	local mirror=$1
	printf '%s\n' "$SUITE" "$mirror" minbase "${BASE_PKGS[*]}" "$BASE_RECIPE" \
		"$(dpkg-query -W -f='${Version}' debootstrap)" | sha256sum | cut -c1-16
}

# make_base TARBALL MIRROR KEYRING
make_base() {
	local tarball=$1 mirror=$2 keyring=$3 tmp rc=0 i
	tmp=$(mktemp -d "$PKGCACHE/base.XXXXXX")
	ROOT=$tmp/root
	log "debootstrap $SUITE (minbase) from $mirror"
	if ! debootstrap --variant=minbase --keyring="$keyring" "$SUITE" "$ROOT" "$mirror" \
		>"$PKGCACHE/debootstrap.log" 2>&1; then
		log "debootstrap failed, see $PKGCACHE/debootstrap.log"
		cleanup
		rm -rf "$tmp"
		return 1
	fi
	printf 'deb %s %s main\n' "$mirror" "$SUITE" >"$ROOT/etc/apt/sources.list"
	# no daemon starts in the chroot
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 755 "$ROOT/usr/sbin/policy-rc.d"
	log "installing ${BASE_PKGS[*]} in the base chroot"
	setup_mounts || rc=1
	if [ $rc = 0 ]; then
		in_chroot apt-get update -q >"$PKGCACHE/base-apt.log" 2>&1 &&
			in_chroot apt-get install "${APT_OPTS[@]}" "${BASE_PKGS[@]}" \
				>>"$PKGCACHE/base-apt.log" 2>&1 || rc=1
	fi
	if [ $rc = 0 ]; then
		# the archive cache is a mount: it stays out of the tarball
		for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
			umount "${MOUNTS[i]}" || rc=1
		done
		MOUNTS=()
	fi
	if [ $rc = 0 ] && [ -z "$(mounts_below "$ROOT")" ]; then
		tar -C "$ROOT" --zstd -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball" || rc=1
	else
		log "preparing the base chroot failed, see $PKGCACHE/base-apt.log"
		rc=1
	fi
	cleanup
	rm -rf "$tmp"
	return $rc
}

# --- the checks ------------------------------------------------------------

check_build() {
	if scripts/make-deb.sh >"$TMPD/make-deb.log" 2>&1; then
		ok "make deb builds the packages"
	else
		not_ok "make deb builds the packages"
		show "$TMPD/make-deb.log"
	fi
}

check_debs() {
	local version=$1 p
	for p in "vminspect_${version}_amd64.deb" "vminspect-dkms_${version}_all.deb"; do
		if [ -f "$DEB/$p" ]; then ok "build/deb/$p exists"; else not_ok "build/deb/$p exists"; fi
	done
}

# Every lintian error or warning that is not overridden is one failure.
check_lintian() {
	local changes=$1 line n=0
	if ! command -v lintian >/dev/null; then
		not_ok "lintian is installed (scripts/deps.sh host)"
		return
	fi
	lintian --display-info "$changes" >"$TMPD/lintian.log" 2>"$TMPD/lintian.err"
	while IFS= read -r line; do
		case $line in
		E:* | W:*)
			not_ok "lintian: $line"
			n=$((n + 1))
			;;
		esac
	done <"$TMPD/lintian.log"
	if grep -qv 'running with root privileges is not recommended' "$TMPD/lintian.err"; then
		not_ok "lintian runs cleanly"
		show "$TMPD/lintian.err"
	elif [ $n -eq 0 ]; then
		ok "lintian: no errors or warnings ($(grep -c '^[IPX]:' "$TMPD/lintian.log") info/pedantic/experimental tags)"
	fi
	grep -E '^[IPX]:' "$TMPD/lintian.log" | sed 's/^/#   /'
}

# A contract path of the companion's install: checked in the chroot when
# this build installed it (build/deb/src/debian/tmp), else skipped.
check_contract_file() {
	local what=$1 path=$2
	if [ ! -e "$DEB/src/debian/tmp$path" ]; then
		skip "$what $path is installed" "make -C tools install does not install it yet"
	elif [ -e "$ROOT$path" ]; then
		ok "$what $path is installed"
	else
		not_ok "$what $path is installed (make -C tools install has it, the package not)"
	fi
}

check_chroot() {
	local version=$1 kver ko pkgs=()
	ROOT=$(mktemp -d "$PKGCACHE/run.XXXXXX")
	log "unpacking the base chroot into $ROOT"
	if ! tar -C "$ROOT" --zstd -xf "$TARBALL" || ! setup_mounts; then
		not_ok "unpack the base chroot"
		return
	fi
	cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
	kver=$(find "$ROOT/usr/src" -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' |
		sed 's/^linux-headers-//' | sort -V | tail -n 1)
	# build is an absolute link: follow it inside the chroot
	if [ -n "$kver" ] && in_chroot test -f "/lib/modules/$kver/build/Makefile"; then
		ok "the chroot has kernel headers ($kver)"
	else
		not_ok "the chroot has kernel headers"
		return
	fi

	mkdir -p "$ROOT/tmp/debs"
	cp "$DEB/vminspect_${version}_amd64.deb" "$DEB/vminspect-dkms_${version}_all.deb" "$ROOT/tmp/debs/"
	if in_chroot apt-get update -q >"$TMPD/apt.log" 2>&1 &&
		in_chroot sh -c "cd /tmp/debs && apt-get install ${APT_OPTS[*]} \
			./vminspect_${version}_amd64.deb ./vminspect-dkms_${version}_all.deb" \
			>>"$TMPD/apt.log" 2>&1; then
		ok "apt-get install ./vminspect_${version}_amd64.deb ./vminspect-dkms_${version}_all.deb"
	else
		not_ok "apt-get install of the packages"
		show "$TMPD/apt.log"
		return
	fi
	check "dkms knows vminspect/$version (added by the postinst)" \
		grep -q "^vminspect/$version" <(in_chroot dkms status -m vminspect 2>&1)

	# no /boot/config-* and uname -r is the host's: the postinst cannot
	# find the chroot's kernel; build for it by name
	if in_chroot dkms install -m vminspect -v "$version" -k "$kver" >"$TMPD/dkms.log" 2>&1; then
		ok "dkms builds and installs vminspect for $kver"
	else
		not_ok "dkms builds and installs vminspect for $kver"
		show "$TMPD/dkms.log"
		find "$ROOT/var/lib/dkms/vminspect/$version/build" -name make.log -exec tail -n 20 {} \; 2>/dev/null |
			sed 's/^/#   /'
	fi
	check "dkms status: vminspect/$version, $kver, x86_64: installed" \
		grep -q "^vminspect/$version, $kver, x86_64: installed" <(in_chroot dkms status -m vminspect -k "$kver" 2>&1)
	ko=$(find "$ROOT/lib/modules/$kver/updates/dkms" -name 'vminspect.ko*' 2>/dev/null | head -n 1)
	if [ -n "$ko" ]; then
		ok "the module is at ${ko#"$ROOT"}"
		check "its vermagic is $kver" \
			grep -q "^$kver " <(in_chroot modinfo -F vermagic "${ko#"$ROOT"}" 2>&1)
	else
		not_ok "the module is under /lib/modules/$kver/updates/dkms"
		skip "its vermagic is $kver" "no module"
	fi

	check "vminspect --version prints $version" \
		grep -q "^vminspect $version\$" <(in_chroot vminspect --version 2>&1)
	check "vminspect status without the module exits 3" \
		test "$(in_chroot vminspect status >/dev/null 2>&1; echo $?)" = 3
	check "man page vminspect(8) is installed" test -f "$ROOT/usr/share/man/man8/vminspect.8.gz"
	check "man page vminspect(4) is installed" test -f "$ROOT/usr/share/man/man4/vminspect.4.gz"
	check "man page libvminspect(3) is installed" test -f "$ROOT/usr/share/man/man3/libvminspect.3.gz"
	check "the module's source is in /usr/src/vminspect-$version" \
		test -f "$ROOT/usr/src/vminspect-$version/dkms.conf" -a \
		-f "$ROOT/usr/src/vminspect-$version/Kbuild" -a \
		-f "$ROOT/usr/src/vminspect-$version/include/uapi/linux/vminspect.h"
	check_contract_file "bash completion" /usr/share/bash-completion/completions/vminspect
	check_contract_file "systemd unit" /usr/lib/systemd/system/vminspect-export.service
	check_contract_file "systemd unit" /usr/lib/systemd/system/vminspect-export.timer
	check_contract_file "library" "/usr/lib/x86_64-linux-gnu/libvminspect.so.0"
	check_contract_file "pkg-config file" "/usr/lib/x86_64-linux-gnu/pkgconfig/libvminspect.pc"
	check_contract_file "example" /usr/share/doc/vminspect/examples/hotarray.c

	pkgs=(vminspect vminspect-dkms)
	if in_chroot apt-get purge "${APT_OPTS[@]}" "${pkgs[@]}" >"$TMPD/purge.log" 2>&1; then
		ok "apt-get purge ${pkgs[*]}"
	else
		not_ok "apt-get purge ${pkgs[*]}"
		show "$TMPD/purge.log"
	fi
	check "dkms no longer knows vminspect" \
		test -z "$(in_chroot dkms status -m vminspect 2>/dev/null)"
	check "the module is gone from /lib/modules/$kver" \
		test -z "$(find "$ROOT/lib/modules/$kver" -name 'vminspect.ko*' 2>/dev/null)"
	check "/usr/src/vminspect-$version is gone" test ! -e "$ROOT/usr/src/vminspect-$version"
	check "/usr/bin/vminspect is gone" test ! -e "$ROOT/usr/bin/vminspect"
}

main() {
	local build=1 version mirror keyring key start
	while [ $# -gt 0 ]; do
		case $1 in
		--no-build) build=0 ;;
		--keep) KEEP=1 ;;
		*) die "usage: $0 [--no-build] [--keep]" ;;
		esac
		shift
	done
	[ "$(id -u)" = 0 ] || die "pkg-check.sh must run as root (debootstrap, chroot)"
	cd "$VMI_TOP" || exit 1
	start=$(date +%s)
	TMPD=$(mktemp -d)
	trap 'cleanup; rm -rf "$TMPD"' EXIT
	trap 'exit 130' INT TERM
	version=$(cat VERSION)

	if [ $build = 1 ]; then
		check_build
	fi
	check_debs "$version"
	check_lintian "$DEB/vminspect_${version}_amd64.changes"

	mkdir -p "$PKGCACHE"
	read -r mirror keyring < <(base_mirror)
	key=$(base_key "$mirror")
	TARBALL=$PKGCACHE/$SUITE-minbase-$key.tar.zst
	if [ -f "$TARBALL" ]; then
		ok "base chroot cached ($TARBALL)"
	else
		local t0
		t0=$(date +%s)
		# one builder at a time
		exec 8>"$PKGCACHE/base.lock"
		flock 8
		if [ -f "$TARBALL" ] || make_base "$TARBALL" "$mirror" "$keyring"; then
			ok "base chroot made in $(($(date +%s) - t0)) s ($TARBALL)"
			# older recipes' tarballs are of no further use
			find "$PKGCACHE" -maxdepth 1 -name "$SUITE-minbase-*.tar.zst" ! -path "$TARBALL" -delete
		else
			not_ok "make the base chroot"
		fi
		exec 8>&-
	fi
	if [ -f "$TARBALL" ] && [ -f "$DEB/vminspect_${version}_amd64.deb" ]; then
		check_chroot "$version"
	else
		skip "install test in the chroot" "no base chroot or no packages"
	fi
	cleanup
	log "pkg-check took $(($(date +%s) - start)) s"
	finish
}

main "$@"

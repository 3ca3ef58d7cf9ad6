#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything vminspect needs to build, lint and test, idempotently.
#
#   scripts/deps.sh [host|kernels|qemu|vng|source|mm-selftests|sid|sid-image|all]
#                                                    (default: all)
#
# Extra apt suites are derived from the machine's own apt sources: no mirror
# host is written here.  bookworm-backports goes into the system sources
# (backports are never installed or upgraded unless asked for by name);
# sid and experimental are only used through a private apt configuration
# under $VMI_CACHE, for downloading virtme-ng and for the sid build chroot.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o Dpkg::Options::=--force-confold --no-install-recommends)
PRIV="$VMI_CACHE/apt-sid"

need_root() {
	[ "$(id -u)" = 0 ] || die "deps.sh must run as root (it installs packages)"
}

apt_update_once() {
	local stamp="$VMI_CACHE/apt-updated"
	# refresh at most once an hour
	if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
		apt-get update -q >/dev/null
		touch "$stamp"
	fi
}

setup_backports() {
	local mirror keyring list=/etc/apt/sources.list.d/vminspect-backports.sources
	read -r mirror keyring < <(base_mirror)
	if ! grep -rqs "$CODENAME-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "adding $CODENAME-backports from $mirror"
		printf 'Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\nSigned-By: %s\n' \
			"$mirror" "$CODENAME" "$keyring" >"$list"
		rm -f "$VMI_CACHE/apt-updated"
	fi
}

setup_private_apt() {
	local mirror keyring
	read -r mirror keyring < <(base_mirror)
	mkdir -p "$PRIV"/{lists/partial,archives/partial,etc/preferences.d}
	touch "$PRIV/status"
	printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" sid "$keyring" "$mirror" experimental \
		>"$PRIV/etc/sources.list"
	cat >"$PRIV/apt.conf" <<-EOF
		Dir::State "$PRIV";
		Dir::State::Lists "$PRIV/lists";
		Dir::State::status "$PRIV/status";
		Dir::Etc::SourceList "$PRIV/etc/sources.list";
		Dir::Etc::SourceParts "/nonexistent";
		Dir::Etc::Preferences "$PRIV/etc/preferences";
		Dir::Etc::PreferencesParts "$PRIV/etc/preferences.d";
		Dir::Cache "$PRIV";
		Acquire::Check-Valid-Until "false";
	EOF
	if [ -z "$(find "$PRIV/updated" -mmin -360 2>/dev/null)" ]; then
		APT_CONFIG="$PRIV/apt.conf" apt-get update -q >/dev/null
		touch "$PRIV/updated"
	fi
}

# newest package name matching an extended regex, from the given suite
newest_pkg() {
	apt-cache pkgnames "$1" | grep -E "^$2\$" | sort -V | tail -n 1
}

install_host() {
	apt_update_once
	local pkgs=(build-essential bc bison flex libelf-dev kmod cpio zstd xz-utils
		qemu-system-x86 qemu-utils busybox-static sparse dkms debootstrap
		shellcheck clang-format g++ gcc-multilib python3 python3-requests
		python3-argcomplete python3-numpy file iproute2 kbd util-linux-extra procps
		initramfs-tools jq prometheus libnuma-dev librsvg2-bin
		debhelper dpkg-dev fakeroot lintian man-db groff-base)
	local missing=() p
	# dh_dkms: in its own package dh-dkms from bookworm on (dkms 3.0.3-4),
	# part of dkms before
	if apt-cache show dh-dkms >/dev/null 2>&1; then
		pkgs+=(dh-dkms)
	fi
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		apt-get install "${APT_OPTS[@]}" "${missing[@]}" >/dev/null
	fi
}

install_kernels() {
	setup_backports
	apt_update_once
	local k61 k612 want=()
	k61=$(newest_pkg linux-image-6.1 'linux-image-6\.1\.0-[0-9]+-amd64')
	k612=$(apt-cache madison linux-image-amd64 | awk '/backports/ { print $3; exit }')
	[ -n "$k61" ] || die "no 6.1 kernel image found"
	[ -n "$k612" ] || die "no $CODENAME-backports kernel found"
	# the backports meta-package version maps to one image package
	k612=$(apt-cache show "linux-image-amd64=$k612" | awk -F': ' '/^Depends:/ { print $2; exit }' |
		tr ',' '\n' | grep -oE 'linux-image-[0-9][^ ]*-amd64' | head -n 1)
	[ -n "$k612" ] || die "cannot resolve the backports kernel"
	local img hdr
	for img in "$k61" "$k612"; do
		hdr=${img/linux-image/linux-headers}
		dpkg-query -W -f='${Status}' "$img" 2>/dev/null | grep -q "ok installed" || want+=("$img")
		dpkg-query -W -f='${Status}' "$hdr" 2>/dev/null | grep -q "ok installed" || want+=("$hdr")
	done
	if [ ${#want[@]} -gt 0 ]; then
		log "installing ${want[*]}"
		apt-get install "${APT_OPTS[@]}" -t "$CODENAME-backports" "${want[@]}" >/dev/null
	fi
}

# QEMU from $CODENAME-backports where it is newer (10.0 on bookworm, whose
# own is 7.2): the VM tests run the vCPUs in parallel (multi-threaded TCG),
# and 10.0 leaves patched kernel text stale on the other vCPU less often
# than 7.2 (bench/README.md, "Which QEMU").  Where the release itself is
# newer, nothing is done.
install_qemu() {
	local bpo have pkgs=(qemu-system-x86 qemu-system-common qemu-system-data qemu-utils)
	install_host
	setup_backports
	apt_update_once
	bpo=$(apt-cache madison qemu-system-x86 | awk -v s="$CODENAME-backports" '$0 ~ s { print $3; exit }')
	have=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
	if [ -n "$bpo" ] && dpkg --compare-versions "$have" lt "$bpo"; then
		log "installing QEMU $bpo from $CODENAME-backports"
		apt-get install "${APT_OPTS[@]}" -t "$CODENAME-backports" "${pkgs[@]}" >/dev/null
	fi
}

# What install_source takes from the kernel source: the kselftest harness
# and the shell tests' KTAP helpers, checkpatch, the mm tools, and the mm
# selftests with what their Makefile reads (lib.mk, the x86 compiler probes,
# gup_test.h, vdso/time64.h).
SOURCE_PARTS=(
	'*/tools/testing/selftests/kselftest*.h'
	'*/tools/testing/selftests/kselftest/ktap_helpers.sh'
	'*/tools/testing/selftests/lib.mk'
	'*/tools/testing/selftests/mm/*'
	'*/tools/testing/selftests/x86/check_cc.sh'
	'*/tools/testing/selftests/x86/trivial_*.c'
	'*/mm/gup_test.h'
	'*/include/vdso/time64.h'
	'*/scripts/checkpatch.pl' '*/scripts/spelling.txt'
	'*/scripts/const_structs.checkpatch'
	'*/tools/mm/thpmaps' '*/tools/mm/page-types.c'
	'*/.clang-format'
	'*/Documentation/userspace-api/ioctl/ioctl-number.rst'
)

install_source() {
	setup_backports
	apt_update_once
	if ! ls /usr/src/linux-source-6.12.tar.* >/dev/null 2>&1; then
		log "installing linux-source-6.12"
		apt-get install "${APT_OPTS[@]}" -t "$CODENAME-backports" linux-source-6.12 >/dev/null
	fi
	local tarball want dst="$VMI_CACHE/linux-source-6.12"
	tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-6.12.tar.*' | sort | head -n 1)
	# the stamp names the parts: a longer list extracts again
	want=$(printf '%s\n' "${SOURCE_PARTS[@]}" | md5sum | cut -d' ' -f1)
	if [ ! -f "$dst/.stamp" ] || [ "$tarball" -nt "$dst/.stamp" ] ||
		[ "$(cat "$dst/.stamp")" != "$want" ]; then
		log "extracting kselftests, checkpatch and mm tools from $tarball"
		rm -rf "$dst"
		mkdir -p "$dst"
		tar -C "$dst" --strip-components=1 -xf "$tarball" --wildcards "${SOURCE_PARTS[@]}"
		echo "$want" >"$dst/.stamp"
	fi
}

# The kernel's own mm selftests that selftests/mm_selftests_test.sh runs
# under walkers, built with the host's headers (linux-libc-dev) and
# libraries.  They go under $VMI_IMAGES, not $VMI_CACHE: a virtme-ng guest
# mounts a tmpfs over /var/cache, and it runs host binaries from the host's
# root.  make rebuilds only what changed.
MM_SELFTESTS=(cow khugepaged split_huge_page_test migration uffd-stress
	hugepage-mmap hugepage-shm hugepage-mremap hugetlb-madvise map_hugetlb
	hugetlb_fault_after_madv hugetlb_madv_vs_map ksm_tests ksm_functional_tests)

install_mm_selftests() {
	local src="$VMI_CACHE/linux-source-6.12/tools/testing/selftests/mm"
	local out="$VMI_IMAGES/mm-selftests" t stamp
	local -a targets=()
	install_source
	stamp=$(cat "$VMI_CACHE/linux-source-6.12/.stamp")
	if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$out"
		mkdir -p "$out"
		echo "$stamp" >"$out/.stamp"
	fi
	for t in "${MM_SELFTESTS[@]}"; do
		targets+=("$out/$t")
	done
	log "building the mm selftests into $out"
	make -s -C "$src" -j"$(nproc)" OUTPUT="$out" "${targets[@]}" >"$out/build.log" 2>&1 ||
		die "building the mm selftests failed, see $out/build.log"
}

install_vng() {
	local want have deb
	setup_private_apt
	want=$(APT_CONFIG="$PRIV/apt.conf" apt-cache policy virtme-ng | awk '/Candidate:/ { print $2 }')
	have=$(dpkg-query -W -f='${Version}' virtme-ng 2>/dev/null || true)
	[ -n "$want" ] || die "virtme-ng not found in sid"
	if [ "$have" != "$want" ]; then
		install_host
		log "installing virtme-ng $want from sid (dependencies from $CODENAME)"
		(cd "$PRIV/archives" && APT_CONFIG="$PRIV/apt.conf" apt-get download -q virtme-ng >/dev/null)
		deb=$(find "$PRIV/archives" -maxdepth 1 -name 'virtme-ng_*.deb' | sort -V | tail -n 1)
		apt-get install "${APT_OPTS[@]}" "$deb" >/dev/null
	fi
}

# A sid chroot with the newest 7.x headers (sid or experimental), for building
# the module against kernels whose headers need sid's compiler.
install_sid() {
	local root="$VMI_CACHE/sid-chroot" mirror keyring hdr suite
	setup_private_apt
	read -r mirror keyring < <(base_mirror)
	if [ ! -x "$root/usr/bin/apt-get" ] || [ ! -f "$root/.vmi-bootstrapped" ]; then
		install_host
		log "debootstrap sid into $root"
		rm -rf "$root"
		debootstrap --variant=minbase --keyring="$keyring" sid "$root" "$mirror" >"$VMI_CACHE/debootstrap.log" 2>&1 ||
			die "debootstrap failed, see $VMI_CACHE/debootstrap.log"
		printf 'deb %s sid main\ndeb %s experimental main\n' "$mirror" "$mirror" >"$root/etc/apt/sources.list"
		echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99vminspect"
		touch "$root/.vmi-bootstrapped"
	fi
	hdr=$(sid_headers_pkg)
	[ -n "$hdr" ] || die "no 7.x headers in sid or experimental"
	if ! chroot "$root" dpkg-query -W -f="\${Status}" "$hdr" 2>/dev/null | grep -q "ok installed"; then
		log "installing $hdr in the sid chroot"
		chroot "$root" apt-get update -q >/dev/null
		suite=sid
		chroot "$root" apt-cache show "$hdr" 2>/dev/null | grep -q . || die "$hdr unknown in the chroot"
		chroot "$root" apt-cache madison "$hdr" | grep -q ' sid/' || suite=experimental
		chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" \
			make gcc libc6-dev sparse "$hdr/$suite" >/dev/null
	fi
	install_checker_valid "$root"
}

# Debian's 7.x headers lack scripts/checker-valid.sh, which their Makefile
# runs for C=1: without it sparse is silently skipped.  Provide a minimal
# one: it answers 1 when the checker runs at all.
install_checker_valid() {
	local root=$1 d f
	for d in "$root"/usr/src/linux-headers-7*-common; do
		f=$d/scripts/checker-valid.sh
		if [ ! -d "$d/scripts" ] || [ -e "$f" ]; then
			continue
		fi
		log "adding the missing $f"
		cat >"$f" <<-'EOS'
			#!/bin/sh
			# Added by vminspect's scripts/deps.sh: missing from Debian's headers.
			echo 'int x;' | "$@" -x c - >/dev/null 2>&1 && echo 1
		EOS
		chmod 755 "$f"
	done
}

# The bootable 7.x kernel matching the sid chroot's headers, for the VM tests:
# its image, modules and module lists are extracted under $VMI_IMAGES/sid-image
# (not installed: no package of the host changes), indexed with depmod, and
# linked at /lib/modules/<kver>, where virtme-ng and the guest look for them.
install_sid_image() {
	local root="$VMI_CACHE/sid-chroot" img="$VMI_IMAGES/sid-image" hdr kver ver deb p
	local -a pkgs=()
	install_sid
	hdr=$(sid_headers_pkg)
	kver=${hdr#linux-headers-}
	ver=$(chroot "$root" dpkg-query -W -f="\${Version}" "$hdr")
	[ -n "$ver" ] || die "$hdr is not installed in the sid chroot"
	if [ ! -f "$img/.stamp" ] || [ "$(cat "$img/.stamp")" != "$kver $ver" ]; then
		log "extracting the $kver kernel ($ver) into $img"
		rm -rf "$img"
		# links left to a previous version's modules
		find /lib/modules -maxdepth 1 -xtype l -lname "$img/*" -delete
		mkdir -p "$img/debs" "$img/root"
		for p in binary modules base; do
			pkgs+=("linux-$p-$kver=$ver")
		done
		(cd "$img/debs" && APT_CONFIG="$PRIV/apt.conf" apt-get download -q "${pkgs[@]}" >/dev/null 2>&1) ||
			die "cannot download ${pkgs[*]}"
		for deb in "$img"/debs/*.deb; do
			dpkg-deb -x "$deb" "$img/root"
		done
		rm -rf "$img/debs"
		[ -f "$img/root/usr/lib/modules/$kver/vmlinuz" ] || die "no vmlinuz in linux-binary-$kver"
		# depmod -b looks under lib/modules; the packages use usr/lib/modules
		ln -s usr/lib "$img/root/lib"
		depmod -b "$img/root" "$kver"
		echo "$kver $ver" >"$img/.stamp"
	fi
	if [ -L "/lib/modules/$kver" ] || [ ! -e "/lib/modules/$kver" ]; then
		ln -sfn "$img/root/usr/lib/modules/$kver" "/lib/modules/$kver"
	elif [ ! -f "/lib/modules/$kver/modules.dep.bin" ]; then
		die "/lib/modules/$kver exists but has no modules: remove it and rerun"
	fi
}

# the newest linux-headers-7.*-amd64 that sid or experimental offers
sid_headers_pkg() {
	APT_CONFIG="$PRIV/apt.conf" apt-cache pkgnames linux-headers-7 |
		grep -E '^linux-headers-7\.[0-9.]+(\+deb[0-9]+)?(-[0-9]+)?-amd64$' | sort -V | tail -n 1
}

main() {
	need_root
	mkdir -p "$VMI_CACHE"
	# one installer at a time: parallel make targets may all ask for it
	exec 9>"$VMI_CACHE/deps.lock"
	flock 9
	case "${1:-all}" in
	host) install_host ;;
	kernels) install_kernels ;;
	qemu) install_qemu ;;
	source) install_source ;;
	mm-selftests) install_mm_selftests ;;
	vng) install_vng ;;
	sid) install_sid ;;
	sid-image) install_sid_image ;;
	sid-headers) setup_private_apt; sid_headers_pkg ;;
	all)
		install_host
		install_kernels
		install_qemu
		install_source
		install_mm_selftests
		install_vng
		install_sid
		install_sid_image
		;;
	*) die "usage: $0 [host|kernels|qemu|source|mm-selftests|vng|sid|sid-image|all]" ;;
	esac
}

main "$@"

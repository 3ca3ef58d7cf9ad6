#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel matrix vminspect is built and tested against, one line
# per kernel:
#
#   <kver> <kdir> <vmlinuz-or-'-'> <host|chroot>
#
# kver     the release (uname -r in a guest booted from it)
# kdir     the headers tree to build against, as a host path
# vmlinuz  the bootable image, or '-' when there is none (build only)
# how      'host' builds with the host compiler; 'chroot' needs the sid
#          chroot at $VMI_CACHE/sid-chroot (kdir lies inside it)
#
#   scripts/kernels.sh [--runnable] [--with-debug | --debug]
#
# --runnable   lists only the kernels with a vmlinuz
# --with-debug adds the debug kernel (scripts/debug-kernel.sh), once built
# --debug      lists the debug kernel alone
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SID_ROOT="$VMI_CACHE/sid-chroot"
SID_IMAGE="$VMI_IMAGES/sid-image"

usage() {
	echo "usage: $0 [--runnable] [--with-debug | --debug]" >&2
	exit 2
}

# Newest release matching an extended regex among the header trees in a
# directory (generic amd64 flavour only: no rt, no cloud).
newest_headers() {
	local dir=$1 re=$2
	[ -d "$dir" ] || return 0
	find "$dir" -mindepth 1 -maxdepth 1 -name 'linux-headers-*' -printf '%f\n' |
		sed 's/^linux-headers-//' | grep -E "$re" | grep -vE -- '-(rt|cloud)-amd64$' |
		sort -V | tail -n 1
}

# The bootable image of a release, or '-'.
vmlinuz_of() {
	local kver=$1 f
	for f in "/boot/vmlinuz-$kver" "/lib/modules/$kver/vmlinuz" \
		"$SID_IMAGE/root/usr/lib/modules/$kver/vmlinuz"; do
		if [ -r "$f" ]; then
			echo "$f"
			return
		fi
	done
	echo -
}

# A 7.x image counts as bootable only when its modules sit where virtme-ng
# looks for them, with a depmod index.
runnable_modules() {
	[ -f "/lib/modules/$1/modules.dep.bin" ]
}

# The debug kernel's line, when it has been built.
debug_kernel() {
	local kver kdir vmlinuz
	read -r kver kdir vmlinuz _ < <("$VMI_TOP/scripts/debug-kernel.sh" --print) || return 0
	[ -n "$kver" ] && echo "$kver $kdir $vmlinuz host"
}

main() {
	local runnable=0 debug=0 kver vmlinuz
	while [ $# -gt 0 ]; do
		case "$1" in
		--runnable) runnable=1 ;;
		--with-debug) debug=1 ;;
		--debug) debug=2 ;;
		-h | --help) usage ;;
		*) usage ;;
		esac
		shift
	done

	if [ $debug = 2 ]; then
		debug_kernel
		return
	fi
	kver=$(newest_headers /usr/src '^6\.1\.0-[0-9]+-amd64$')
	if [ -n "$kver" ]; then
		vmlinuz=$(vmlinuz_of "$kver")
		if [ $runnable = 0 ] || [ "$vmlinuz" != - ]; then
			echo "$kver /usr/src/linux-headers-$kver $vmlinuz host"
		fi
	fi

	kver=$(newest_headers /usr/src '^6\.12[^-]*(-[0-9]+)?-amd64$')
	if [ -n "$kver" ]; then
		vmlinuz=$(vmlinuz_of "$kver")
		if [ $runnable = 0 ] || [ "$vmlinuz" != - ]; then
			echo "$kver /usr/src/linux-headers-$kver $vmlinuz host"
		fi
	fi

	kver=$(newest_headers "$SID_ROOT/usr/src" '^7\.[^-]*(-[0-9]+)?-amd64$')
	if [ -n "$kver" ]; then
		vmlinuz=$(vmlinuz_of "$kver")
		if [ "$vmlinuz" != - ] && ! runnable_modules "$kver"; then
			vmlinuz=-
		fi
		if [ $runnable = 0 ] || [ "$vmlinuz" != - ]; then
			echo "$kver $SID_ROOT/usr/src/linux-headers-$kver $vmlinuz chroot"
		fi
	fi
	if [ $debug = 1 ]; then
		debug_kernel
	fi
}

main "$@"

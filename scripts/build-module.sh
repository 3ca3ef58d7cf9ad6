#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the module for kernels of the matrix, each in its own tree:
#
#   scripts/build-module.sh [--all | KVER...]
#
# --all is the matrix of scripts/kernels.sh; the debug kernel (once
# scripts/debug-kernel.sh built it) only by name.  The result is
# build/<kver>/vminspect.ko.  Every build runs with W=1 and
# sparse (C=1); any warning from either fails it.  Kernels marked 'chroot'
# by scripts/kernels.sh are built inside the sid chroot, whose compiler
# their headers need.  Prints one "ok"/"FAIL" line per kernel and
# "N passed, N failed" at the end; exits non-zero when any build failed.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SID_ROOT="$VMI_CACHE/sid-chroot"
SOURCES=(VERSION Kbuild module include)

build_one() {
	local kver=$1 kdir=$2 how=$3 out="$VMI_TOP/build/$1" src log rc=0
	log=$out/build.log
	rm -rf "$out"
	mkdir -p "$out"

	if [ "$how" = chroot ]; then
		src=$SID_ROOT/tmp/vminspect-build/$kver
		rm -rf "$src"
		mkdir -p "$src"
		(cd "$VMI_TOP" && cp -r "${SOURCES[@]}" "$src/")
		# objtool reads /proc; mount it for the build only
		if ! mountpoint -q "$SID_ROOT/proc"; then
			mount -t proc proc "$SID_ROOT/proc"
			trap 'umount "$SID_ROOT/proc"' EXIT
		fi
		chroot "$SID_ROOT" make -j"$JOBS" -C "${kdir#"$SID_ROOT"}" \
			M="${src#"$SID_ROOT"}" W=1 C=1 modules >"$log" 2>&1 || rc=$?
	else
		src=$out/src
		mkdir -p "$src"
		(cd "$VMI_TOP" && cp -r "${SOURCES[@]}" "$src/")
		make -j"$JOBS" -C "$kdir" M="$src" W=1 C=1 modules >"$log" 2>&1 || rc=$?
	fi

	if [ $rc -eq 0 ] && [ -f "$src/vminspect.ko" ]; then
		cp "$src/vminspect.ko" "$out/vminspect.ko"
	else
		rc=1
	fi
	# BTF is skipped without a vmlinux: that is not a warning of ours
	if grep -E 'warning:|error:' "$log" | grep -v 'Skipping BTF' >"$out/warnings.txt"; then
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		echo "ok   build $kver (W=1, sparse clean)"
	else
		echo "FAIL build $kver:"
		sed 's/^/     /' "$out/warnings.txt"
		tail -n 15 "$log" | sed 's/^/     /'
	fi
	return $rc
}

main() {
	local want=() list=(--with-debug) kver kdir vmlinuz how passed=0 failed=0

	case "${1:---all}" in
	--all) list=() ;;
	-*) die "usage: $0 [--all | KVER...]" ;;
	*) want=("$@") ;;
	esac

	while read -r kver kdir vmlinuz how; do
		: "$vmlinuz"
		if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $kver "* ]]; then
			continue
		fi
		if build_one "$kver" "$kdir" "$how"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done < <("$VMI_TOP/scripts/kernels.sh" "${list[@]}")

	[ $((passed + failed)) -gt 0 ] || die "no kernel of the matrix found: run scripts/deps.sh"
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
}

main "$@"

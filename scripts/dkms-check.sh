#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove dkms.conf works: dkms add, build and remove the module, in a private
# DKMS tree (nothing is installed), for every kernel of the matrix whose
# headers are installed on the host.  Prints "ok"/"FAIL" per kernel and
# "N passed, N failed".
set -euo pipefail

. "$(dirname "$0")/lib.sh"

WORK=""

main() {
	local version kver kdir vmlinuz how passed=0 failed=0
	command -v dkms >/dev/null || die "dkms is not installed: run scripts/deps.sh"
	version=$(cat "$VMI_TOP/VERSION")
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	mkdir -p "$WORK/src" "$WORK/tree"
	# what `make dkms-install` copies to /usr/src
	make -s -C "$VMI_TOP" dkms-install DESTDIR="$WORK/root" >/dev/null
	mv "$WORK/root/usr/src/vminspect-$version" "$WORK/src/"

	while read -r kver kdir vmlinuz how; do
		: "$vmlinuz"
		if [ "$how" != host ] || [ ! -d "/lib/modules/$kver/build" ]; then
			continue
		fi
		if dkms add -m vminspect -v "$version" --sourcetree "$WORK/src" \
			--dkmstree "$WORK/tree" >"$WORK/log" 2>&1 &&
			dkms build -m vminspect -v "$version" -k "$kver" \
				--sourcetree "$WORK/src" --dkmstree "$WORK/tree" \
				--kernelsourcedir "$kdir" >>"$WORK/log" 2>&1 &&
			[ -n "$(find "$WORK/tree/vminspect/$version/$kver" -name 'vminspect.ko*' 2>/dev/null)" ]; then
			echo "ok   dkms build $kver"
			passed=$((passed + 1))
		else
			echo "FAIL dkms build $kver"
			sed 's/^/     /' "$WORK/log" | tail -n 20
			failed=$((failed + 1))
		fi
		dkms remove -m vminspect -v "$version" --all --sourcetree "$WORK/src" \
			--dkmstree "$WORK/tree" >/dev/null 2>&1 || true
	done < <("$VMI_TOP/scripts/kernels.sh")
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
}

main "$@"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: install what is missing, build, boot a test VM with the module
# loaded and show the companion at work against a small live workload.
#
#   scripts/demo.sh [--no-deps] [--kernel KVER]
set -euo pipefail

. "$(dirname "$0")/lib.sh"

main() {
	local deps=1 kver=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--no-deps) deps=0 ;;
		--kernel) kver=$2; shift ;;
		*) die "usage: $0 [--no-deps] [--kernel KVER]" ;;
		esac
		shift
	done
	[ $deps = 0 ] || "$VMI_TOP/scripts/deps.sh" all
	# the newest kernel that can boot here
	[ -n "$kver" ] || kver=$("$VMI_TOP/scripts/kernels.sh" --runnable | tail -n 1 | cut -d' ' -f1)
	[ -n "$kver" ] || die "no bootable kernel: run scripts/deps.sh"
	make -C "$VMI_TOP" -s tools
	mkdir -p "$VMI_TOP/build/demo"
	cc -O2 -Wall -Wextra -pthread -o "$VMI_TOP/build/demo/workload" "$VMI_TOP/scripts/demo/workload.c"
	"$VMI_TOP/scripts/build-module.sh" "$kver" >/dev/null ||
		die "building the module for $kver failed: see build/$kver/build.log"
	# CPU 1 is set aside for latency-critical work, as a trading or
	# real-time system would: the TLB part names who disturbs it
	VMI_APPEND="isolcpus=1 nohz_full=1" \
		"$VMI_TOP/scripts/vmtest.sh" --kernel "$kver" --exec "$VMI_TOP/scripts/demo-guest.sh"
}

main "$@"

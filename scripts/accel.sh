#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the QEMU accelerator the VM tests should use: 'kvm' or 'tcg'.
#
#   scripts/accel.sh [--reprobe]
#
# KVM is used only after a bounded probe has shown that a guest really boots
# under it: /dev/kvm can exist while guests hang.  The probe boots a runnable
# kernel with no root file system and waits for its "VFS: Unable to mount
# root" panic on the serial console.  The answer is cached per host kernel in
# $VMI_CACHE/accel so the probe runs once.  VMI_ACCEL=kvm|tcg overrides it.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

PROBE_SECS=${VMI_ACCEL_PROBE_SECS:-20}

# Boot $1 under KVM with the CPU model the tests use (-cpu max); succeed if
# the kernel runs far enough to look for its root file system.
probe_kvm() {
	local vmlinuz=$1 out rc=0
	out=$(mktemp)
	# -k: a wedged qemu that ignores SIGTERM is killed 2 s later
	timeout -k 2 "$PROBE_SECS" qemu-system-x86_64 -accel kvm -cpu max -smp 2 -m 256 \
		-nodefaults -display none -monitor none -serial "file:$out" -no-reboot \
		-kernel "$vmlinuz" -append "console=ttyS0 panic=-1 loglevel=4" \
		</dev/null >/dev/null 2>&1 || rc=$?
	if grep -qE 'VFS: Unable to mount root|Kernel panic' "$out"; then
		rm -f "$out"
		return 0
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		log "KVM probe: guest hung (no boot within ${PROBE_SECS} s)"
	else
		log "KVM probe: qemu failed (status $rc) before the guest booted"
	fi
	rm -f "$out"
	return 1
}

detect() {
	local vmlinuz
	if [ ! -w /dev/kvm ] || ! command -v qemu-system-x86_64 >/dev/null; then
		echo tcg
		return
	fi
	vmlinuz=$("$VMI_TOP/scripts/kernels.sh" --runnable | awk '$3 != "-" { print $3; exit }')
	if [ -z "$vmlinuz" ]; then
		# nothing to probe with: do not cache a guess
		log "no bootable kernel to probe KVM with, using tcg"
		echo tcg
		return 1
	fi
	if probe_kvm "$vmlinuz"; then
		echo kvm
	else
		echo tcg
	fi
}

main() {
	local cache="$VMI_CACHE/accel" host accel start
	case "${VMI_ACCEL:-}" in
	kvm | tcg)
		echo "$VMI_ACCEL"
		return
		;;
	"") ;;
	*) die "VMI_ACCEL must be kvm or tcg, not '$VMI_ACCEL'" ;;
	esac
	host=$(uname -r)
	if [ "${1:-}" != --reprobe ] && [ -f "$cache" ]; then
		# cache format: "<host uname -r> <accel>"
		accel=$(awk -v h="$host" '$1 == h { print $2; exit }' "$cache")
		case "$accel" in
		kvm | tcg)
			echo "$accel"
			return
			;;
		esac
	fi
	start=$SECONDS
	if accel=$(detect); then
		mkdir -p "$VMI_CACHE"
		echo "$host $accel" >"$cache"
	fi
	log "accelerator: $accel (probed in $((SECONDS - start)) s)"
	echo "$accel"
}

main "$@"

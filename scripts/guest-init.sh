#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test guests (scripts/vmtest.sh boots with init= set to this
# file): virtme-ng's own init, run without its udev step.
#
# The tests need no udev: devtmpfs makes every device node they open.
# virtme-init starts udevd, triggers a coldplug of every device and waits up
# to 300 s for it to settle.  On the debug kernel (KASAN, lockdep, kmemleak)
# that coldplug outlasts the wait, and a udevd left busy takes CPU time and
# sends IPIs that the TLB tests count.  virtme-ng has no switch for it, so
# this file runs virtme-init's text with its one top-level call of run_udevd
# replaced by the one thing of udev's that virtme-init uses: the links
# /dev/virtio-ports/NAME through which it finds the script's I/O ports.
# Where that line is not found (another virtme-ng), the init runs unchanged:
# udev then starts as before, and guest-run.sh stops it and fails its boot
# check.
#
# vmtest.sh passes virtme-init's path as vmi_virtme_init= on the kernel
# command line, which the kernel hands to init in the environment.

init=${vmi_virtme_init:-}
if [ -z "$init" ] || [ ! -r "$init" ]; then
	echo "<3>vminspect guest-init: no virtme-init at '$init'" >/dev/kmsg 2>/dev/null
	exit 1
fi
# What udev's rule for virtio serial ports does (text for the init below).
# shellcheck disable=SC2016
port_links='
vmi_virtio_port_links() {
	local port name
	mkdir -p /dev/virtio-ports
	for port in /sys/class/virtio-ports/*; do
		[ -r "$port/name" ] || continue
		read -r name <"$port/name" || continue
		[ -n "$name" ] && ln -sf "../${port##*/}" "/dev/virtio-ports/$name"
	done
}
'
nl=$'\n'
text=$(<"$init")
if [[ $text == *"${nl}run_udevd${nl}"* ]]; then
	text=$port_links${text/"${nl}run_udevd${nl}"/"${nl}vmi_virtio_port_links${nl}"}
fi
# $0 stays virtme-init's path: it finds its helper scripts beside itself
exec /bin/bash -c "$text" "$init" "$@"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TLB tracking's memory (per possible CPU a ring, 88 KiB, and a row of
# initiator counts, 304 KiB; the initiator table) exists only from the
# first enable to unload.  On a fresh load, with reads and a reset: no
# vmalloc area of vminspect's TLB code (/proc/vmallocinfo names the
# caller); after "on": the rings and rows of every possible CPU; after off
# and on again: the same areas, no more; after rmmod: none.  Switched
# only while the guest is quiet.  KTAP output; leaves the module loaded
# as the runner loaded it.
#
# Runs as root in the test VM (scripts/guest-run.sh loaded the module).
set -u
cd "$(dirname "$0")/.." || exit 1
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

KO="build/$(uname -r)/vminspect.ko"
TLB=/proc/vminspect/tlb
# per CPU in module/tlb.c: VMI_TLB_RING_LEN records of 88 bytes, and
# VMI_TLB_SLOTS rows of struct vmi_tlb_counts (1216 bytes)
PCPU_BYTES=$((1024 * 88 + 256 * 1216))

# "count bytes" of vmalloc areas made by vminspect's TLB code
tlb_areas() {
	awk '/\[vminspect\]/ && $3 ~ /^vmi_tlb_/ { n++; s += $2 } END { print n + 0, s + 0 }' /proc/vmallocinfo
}

possible_cpus() {
	local n=0 r a b
	for r in $(tr ',' ' ' </sys/devices/system/cpu/possible); do
		a=${r%-*}
		b=${r#*-}
		n=$((n + b - a + 1))
	done
	echo $n
}

ktap_print_header
if [ "$(id -u)" != 0 ] || [ ! -f "$KO" ] || [ ! -e $TLB ]; then
	skip_single "TLB buffers" "needs root, the module loaded and $KO"
fi
if ! grep -q '^supported 1' $TLB; then
	skip_single "TLB buffers" "TLB tracking not supported here"
fi
ktap_set_plan "8"
rmmod vminspect && insmod "$KO" tlb_track=0
check "fresh load: tracking off" grep -q '^enabled 0$' $TLB
cat $TLB >/dev/null
echo reset >$TLB
read -r n0 s0 < <(tlb_areas)
check "no TLB buffers before the first enable (read $n0 areas, $s0 bytes)" [ "$n0" = 0 ]
check "the text file reads as zeros" \
	grep -qE '^cpu 0 ipis_sent 0 ipis_received 0 .*' $TLB
check "no initiators before the first enable" grep -q '^initiators 0$' $TLB
echo on >$TLB
read -r n1 s1 < <(tlb_areas)
want=$(($(possible_cpus) * PCPU_BYTES))
check "first enable: rings and counts for every possible CPU ($s1 bytes in $n1 areas, >= $want)" \
	[ "$s1" -ge "$want" ]
echo off >$TLB
echo on >$TLB
echo off >$TLB
read -r n2 s2 < <(tlb_areas)
check "off and on again: the same buffers ($n2 areas, $s2 bytes)" \
	[ "$n2 $s2" = "$n1 $s1" ]
rmmod vminspect
read -r n3 _ < <(tlb_areas)
check "rmmod frees them ($n3 areas left)" [ "$n3" = 0 ]
insmod "$KO"
check "loads again" [ -e $TLB ]
ktap_finished

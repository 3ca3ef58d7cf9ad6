#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hook whose prototype differs stays off and the limits say so.
# scripts/tlb-hooks-check.sh builds the module against copies of this
# kernel's headers with one prototype changed (build/<kver>/hooks/<HOOK>/);
# each is loaded in turn, tracking is switched on, a second of shootdowns
# runs (vmi_flusher: mprotect on CPU 0, a toucher on CPU 1), tracking is
# switched off, and:
#  - tlb_flush changed: limits name it; no per-reason counts move, the
#    initiator side still counts; target time falls back from the csd
#    tracepoints (which need tlb_flush) to flush_tlb_func;
#  - native_flush_tlb_multi changed: limits name it and flush_tlb_func
#    (checked through it); no probe on it is listed while on (kprobes, or
#    fprobes in ftrace's enabled_functions); the tlb_flush counts still
#    move, no initiator of an mm flush is counted.
# Hooks switch only while the guest is quiet.  Then the module as built
# for this kernel is loaded again.  KTAP output.
#
# Runs as root in the test VM (scripts/guest-run.sh loaded the module).
set -u
cd "$(dirname "$0")/.." || exit 1
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

KO="build/$(uname -r)/vminspect.ko"
HOOKS="build/$(uname -r)/hooks"
TLB=/proc/vminspect/tlb
KPROBES=/sys/kernel/debug/kprobes/list
ENABLED=/sys/kernel/tracing/enabled_functions

# sum of "KEY N" over the text file's cpu lines
cpu_sum() {
	awk -v k="$1" '$1 == "cpu" { for (i = 3; i < NF; i++) if ($i == k) s += $(i + 1) } END { print s + 0 }' $TLB
}

no_reason_counts() {
	[ "$(cpu_sum ipis_received)" = 0 ] && [ "$(cpu_sum local)" = 0 ]
}

# the initiators of mm flushes: those with a cause other than "kernel"
# (on_each_cpu_cond_mask() is still hooked)
mm_initiators() {
	awk '$1 == "initiator" { for (i = 2; i < NF; i++) if ($i == "causes" && $(i + 1) !~ /^kernel:[0-9]+$/) n++ } END { print n + 0 }' $TLB
}

not_hooked_while_on() {
	[ -n "$HOOKED_ON" ] && ! grep -qw "$1" <<<"$HOOKED_ON"
}

limits_have() {
	grep -q "^limits.* $1\( \|$\)" $TLB
}

# load $1, switch on, flush for a second, read the file while still on,
# switch off
run_variant() {
	rmmod vminspect && insmod "$1" || return 1
	echo on >$TLB
	selftests/vmi_flusher 1 >/dev/null
	ON_TEXT=$(cat $TLB)
	# the functions hooked: by kprobes, and by fprobes (ftrace)
	HOOKED_ON=$(cat $KPROBES 2>/dev/null
		awk '{ print $1 }' $ENABLED 2>/dev/null)
	echo off >$TLB
}

on_value() {
	awk -v k="$1" '$1 == k { print $2; exit }' <<<"$ON_TEXT"
}

ktap_print_header
if [ "$(id -u)" != 0 ] || [ ! -f "$KO" ] || [ ! -e $TLB ] ||
	! grep -q '^supported 1' $TLB || [ ! -x selftests/vmi_flusher ]; then
	skip_single "hook prototypes" "needs root, TLB tracking, $KO and selftests/vmi_flusher"
fi
[ -d /sys/kernel/debug/kprobes ] || mount -t debugfs debugfs /sys/kernel/debug
[ -e $ENABLED ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ktap_set_plan "12"

if [ -f "$HOOKS/TLB_FLUSH/vminspect.ko" ] && run_variant "$HOOKS/TLB_FLUSH/vminspect.ko"; then
	check "tlb_flush changed: limits name it" limits_have prototype_differs:tlb_flush
	check "tlb_flush changed: only it is named" \
		[ "$(grep -o 'prototype_differs:[a-z_]*' $TLB | tr '\n' ' ')" = "prototype_differs:tlb_flush " ]
	check "tlb_flush changed: no flush counted by reason ($(cpu_sum ipis_received) received)" \
		no_reason_counts
	check "tlb_flush changed: initiators still counted ($(cpu_sum shootdowns) shootdowns)" \
		[ "$(cpu_sum shootdowns)" -gt 0 ]
	check "tlb_flush changed: target time from flush_tlb_func ($(on_value target_time))" \
		[ "$(on_value target_time)" = flush_tlb_func ]
	check "tlb_flush changed: enabled while on" [ "$(on_value enabled)" = 1 ]
else
	for i in 1 2 3 4 5 6; do
		ktap_print_msg "tlb_flush changed $i: no $HOOKS/TLB_FLUSH/vminspect.ko: run scripts/tlb-hooks-check.sh"
		ktap_test_skip "tlb_flush changed $i"
	done
fi

if [ -f "$HOOKS/MULTI/vminspect.ko" ] && run_variant "$HOOKS/MULTI/vminspect.ko"; then
	check "native_flush_tlb_multi changed: limits name it" \
		limits_have prototype_differs:native_flush_tlb_multi
	check "native_flush_tlb_multi changed: and flush_tlb_func" \
		limits_have prototype_differs:flush_tlb_func
	check "native_flush_tlb_multi changed: no probe on it while on" \
		not_hooked_while_on native_flush_tlb_multi
	check "native_flush_tlb_multi changed: on_each_cpu_cond_mask still hooked" \
		grep -qw on_each_cpu_cond_mask <<<"$HOOKED_ON"
	check "native_flush_tlb_multi changed: tlb_flush counts ($(cpu_sum ipis_received) received)" \
		[ "$(cpu_sum ipis_received)" -gt 0 ]
	check "native_flush_tlb_multi changed: no initiator of an mm flush ($(mm_initiators))" \
		[ "$(mm_initiators)" = 0 ]
else
	for i in 1 2 3 4 5 6; do
		ktap_print_msg "native_flush_tlb_multi changed $i: no $HOOKS/MULTI/vminspect.ko: run scripts/tlb-hooks-check.sh"
		ktap_test_skip "native_flush_tlb_multi changed $i"
	done
fi

rmmod vminspect 2>/dev/null
insmod "$KO" || ktap_test_fail "the module built for this kernel loads again"
ktap_finished

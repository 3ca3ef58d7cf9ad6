#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TLB hooks' prototype checks (Kbuild, module/tlb_hooks_check.c) at
# work, for kernels of the matrix:
#
#   scripts/tlb-hooks-check.sh [--all | KVER...]
#
# Per kernel, in a copy of its headers (a tree of symlinks), first as they
# are: every hook the headers declare must pass its check.  Then once per
# hook, with that one prototype changed in the copy: module/tlb.o must be
# built with that hook's VMI_HOOK_<HOOK>=0 (tlb.c leaves it off and names
# it in its limits; with FPROBE off it hooks by kprobes) and every other
# hook as before.  For the tlb_flush
# and native_flush_tlb_multi changes the whole module is built too (W=1,
# sparse clean), as build/<kver>/hooks/<hook>/vminspect.ko, for
# selftests/tlb_hooks_test.sh to load in the test VM.
# Prints one "ok"/"FAIL" line per kernel and change, then
# "N passed, N failed"; exits non-zero when any failed.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SID_ROOT="$VMI_CACHE/sid-chroot"
SOURCES=(VERSION Kbuild module include)
passed=0
failed=0

# One change per hook: the hook, the header (in the common tree), the
# hooks it must switch off, a sed script.  Each keeps the headers compiling.
CHANGES=(
	"TLB_FLUSH|include/trace/events/tlb.h|TLB_FLUSH|s/TP_PROTO(int reason, unsigned long pages)/TP_PROTO(int reason, long pages)/"
	"CSD|include/trace/events/csd.h|CSD|s/TP_PROTO(smp_call_func_t func, call_single_data_t \\*csd)/TP_PROTO(smp_call_func_t func, void *csd)/"
	"MULTI|arch/x86/include/asm/paravirt.h|MULTI,FUNC|s/native_flush_tlb_multi(const struct cpumask/native_flush_tlb_multi(struct cpumask/"
	"KERNEL_RANGE|include/linux/smp.h|KERNEL_RANGE|s/void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func,/void on_each_cpu_cond_mask(smp_cond_func_t cond_func, void *func,/"
	"MM_RANGE|arch/x86/include/asm/tlbflush.h|MM_RANGE|s/flush_tlb_mm_range(struct mm_struct \\*mm,/flush_tlb_mm_range(const struct mm_struct *mm,/"
	"FPROBE|include/linux/fprobe.h|FPROBE|s/typedef int (\\*fprobe_entry_cb)/typedef void (*fprobe_entry_cb)/"
)
# the changes whose module selftests/tlb_hooks_test.sh loads
VM_CHANGES=" TLB_FLUSH MULTI "

result() {
	if [ "$1" = 0 ]; then
		echo "ok   $2"
		passed=$((passed + 1))
	else
		echo "FAIL $2"
		[ -z "${3:-}" ] || sed 's/^/     /' "$3" | tail -n 15
		failed=$((failed + 1))
	fi
}

# Run a shell command where the kernel's headers are: on the host, or in
# the sid chroot (paths then are the chroot's).
run_in() {
	if [ "$HOW" = chroot ]; then
		chroot "$SID_ROOT" /bin/bash -c "$1"
	else
		/bin/bash -c "$1"
	fi
}

# The VMI_HOOK_* values module/tlb.o was compiled with, "NAME=V" sorted.
hook_values() {
	grep -o 'VMI_HOOK_[A-Z_]*=[0-9]' "$1" | sed 's/^VMI_HOOK_//' | sort | tr '\n' ' '
}

# Build in the copy $WORK/kdir (headers) from $WORK/src; $1: "tlb.o" for
# the object alone, "modules" for the module.
build() {
	local target=$1 log=$2 make_target=module/tlb.o
	[ "$target" = modules ] && make_target="W=1 C=1 modules"
	rm -rf "$HOST_WORK/src"
	mkdir -p "$HOST_WORK/src"
	(cd "$VMI_TOP" && cp -r "${SOURCES[@]}" "$HOST_WORK/src/")
	run_in "make -j$JOBS -C $WORK/kdir M=$WORK/src $make_target" >"$log" 2>&1
}

# A copy of the headers: symlinks, with the -amd64 tree's Makefile
# pointing at the copies (Debian's names the common tree, and from 7.x
# its own as KBUILD_OUTPUT).
copy_headers() {
	local kdir=$1 common
	common=$(sed -n 's/^include \(.*\)\/Makefile$/\1/p' "$HOST_ROOT$kdir/Makefile")
	[ -n "$common" ] || return 1
	COMMON=$common
	rm -rf "$HOST_WORK"
	mkdir -p "$HOST_WORK"
	run_in "cp -rs $common $WORK/common && cp -rs $kdir $WORK/kdir"
	rm -f "$HOST_WORK/kdir/Makefile"
	sed "s|$common|$WORK/common|; s|$kdir\$|$WORK/kdir|" "$HOST_ROOT$kdir/Makefile" \
		>"$HOST_WORK/kdir/Makefile"
}

check_kernel() {
	local kver=$1 kdir=$2 base vals c hook file expr off want h log out
	log=$(mktemp)
	if [ "$HOW" = chroot ]; then
		HOST_ROOT=$SID_ROOT
		kdir=${kdir#"$SID_ROOT"}
		WORK=/tmp/vmi-hooks/$kver
		if ! mountpoint -q "$SID_ROOT/proc"; then
			mount -t proc proc "$SID_ROOT/proc"
			trap 'umount "$SID_ROOT/proc"' EXIT
		fi
	else
		HOST_ROOT=
		WORK=$VMI_TOP/build/$kver/hooks/work
	fi
	HOST_WORK=$HOST_ROOT$WORK
	out=$VMI_TOP/build/$kver/hooks
	if ! copy_headers "$kdir"; then
		result 1 "hooks $kver: no common header tree named in $kdir/Makefile"
		return
	fi

	build tlb.o "$log" || true
	base=$(hook_values "$HOST_WORK/src/module/.tlb.o.cmd" 2>/dev/null || true)
	# every hook the headers declare has the prototype tlb.c reads it by
	[ -n "$base" ] && ! grep -q '=0' <<<"$base"
	result $? "hooks $kver: headers as they are: $base" "$log"

	for c in "${CHANGES[@]}"; do
		IFS='|' read -r hook file off expr <<<"$c"
		if [ ! -f "$HOST_ROOT$COMMON/$file" ] || [[ " $base" != *" $hook="* ]]; then
			echo "ok   hooks $kver: $hook not in these headers # SKIP"
			continue
		fi
		rm "$HOST_WORK/common/$file"
		sed "$expr" "$HOST_ROOT$COMMON/$file" >"$HOST_WORK/common/$file"
		if cmp -s "$HOST_ROOT$COMMON/$file" "$HOST_WORK/common/$file"; then
			result 1 "hooks $kver: $hook: '$expr' changes nothing in $file"
			ln -sf "$COMMON/$file" "$HOST_WORK/common/$file"
			continue
		fi
		want=$base
		for h in ${off//,/ }; do
			want=" $want"
			want=${want// $h=1/ $h=0}
			want=${want# }
		done
		if [[ "$VM_CHANGES" == *" $hook "* ]]; then
			build modules "$log" || true
			rm -rf "${out:?}/$hook"
			mkdir -p "$out/$hook"
			cp "$HOST_WORK/src/vminspect.ko" "$out/$hook/" 2>/dev/null || true
			if grep -E 'warning:|error:' "$log" | grep -qv 'Skipping BTF'; then
				rm -f "$out/$hook/vminspect.ko"
			fi
		else
			build tlb.o "$log" || true
		fi
		vals=$(hook_values "$HOST_WORK/src/module/.tlb.o.cmd" 2>/dev/null || true)
		[ "$vals" = "$want" ] &&
			{ [[ "$VM_CHANGES" != *" $hook "* ]] || [ -f "$out/$hook/vminspect.ko" ]; }
		result $? "hooks $kver: $hook prototype changed: $vals" "$log"
		ln -sf "$COMMON/$file" "$HOST_WORK/common/$file"
	done
	rm -rf "$HOST_WORK" "$log"
}

main() {
	local want=() kver kdir vmlinuz
	case "${1:---all}" in
	--all) ;;
	-*) die "usage: $0 [--all | KVER...]" ;;
	*) want=("$@") ;;
	esac
	while read -r kver kdir vmlinuz HOW; do
		: "$vmlinuz"
		if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $kver "* ]]; then
			continue
		fi
		check_kernel "$kver" "$kdir"
	done < <("$VMI_TOP/scripts/kernels.sh")
	[ $((passed + failed)) -gt 0 ] || die "no kernel of the matrix found: run scripts/deps.sh"
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
}

main "$@"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot each test kernel in a VM with virtme-ng and run the module tests in it.
#
#   scripts/vmtest.sh [--kernel KVER]... [--debug]
#                     [--exec 'CMD' | --single-lane | --isolated-lane]
#                     [--timeout SECS] [--no5lvl]
#
# --kernel KVER  test this release (repeatable; default: every kernel that
#                scripts/kernels.sh lists; those without an image are skipped)
# --exec CMD     run CMD in the guest (from the top of the tree, after insmod)
#                instead of selftests/run.sh; rmmod and the kernel-log check
#                still follow
# --debug        test the debug kernel (KASAN, lockdep, kmemleak...) that
#                scripts/debug-kernel.sh built
# --timeout SECS bound on one VM run (default: 2400 under TCG, 600 under KVM;
#                three times that for the debug kernel)
# --no5lvl       boot with 4-level paging (no5lvl) and run the tests whose
#                subject is the page tables (selftests/run.sh --lane
#                paging); results go to build/vmtest/<kver>-4level
# --single-lane  the single-threaded TCG lane: only the tests that switch
#                hooks (TLB tracking, module load) while a load runs
#                (selftests/run.sh --lane single), with both vCPUs on one
#                host thread; results go to build/vmtest/<kver>-single
# --isolated-lane  CPU 1 set aside (isolcpus=1 nohz_full=1), as a
#                low-latency system sets a CPU aside: only the tests that
#                need it (selftests/run.sh --lane isolated); results go to
#                build/vmtest/<kver>-isolated
#
# Under TCG the vCPUs run in parallel, a host thread each
# (-accel tcg,thread=multi).  Kernel text patched while another vCPU runs
# it can then stay stale there (the other vCPU hits the int3 the kernel's
# patching left: "Oops: int3" in __schedule or flush_tlb_func), so tests
# switch hooks only while the guest is quiet, and the few that must switch
# under load skip and run in the single-threaded lane.  QEMU 10.0 (from
# bookworm-backports, scripts/deps.sh qemu) shows that oops less often than
# bookworm's 7.2 (bench/README.md, "Which QEMU").
#
# The guest side is scripts/guest-run.sh; the module must already be built at
# build/<kver>/vminspect.ko.  Per kernel, the VM's whole output goes to
# build/vmtest/<kver>/console.log, the guest's own report to guest.log there,
# its kernel log at the end to dmesg.txt; the output of an --exec CMD is also
# printed.
# Environment: VMI_ACCEL=kvm|tcg, VMI_VM_CPUS (2), VMI_VM_MEMORY (6G),
# VMI_VM_CPU (QEMU CPU model, max), VMI_TCG_THREAD (multi, or single: the
# vCPUs take turns on one host thread), VMI_APPEND (extra kernel command
# line, e.g. no5lvl), VMI_QEMU_OPTS (extra QEMU options), VMI_BOOT_LIMIT (900: seconds a boot may take before
# the guest runs our runner; a boot that hangs is tried once more).
#
# Prints one line per kernel and, last, "N passed, N failed, N skipped" over
# all kernels; a kernel that does not boot or finish counts as one failure.
# Exits non-zero when anything failed.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

CMDLINE="hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=64"
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
# set by --no5lvl: kernel command line addition and results/label suffix
PAGING_APPEND=""
SUFFIX=""
# set by --single-lane and --isolated-lane: the guest runner's lane, the
# label's addition and the lane's kernel command line addition
LANE=""
LANE_APPEND=""
LABEL=""

VM_PID=""
# the debug kernel's release, if one is built (scripts/debug-kernel.sh)
DEBUG_KVER=""

# timeout puts the VM in a process group of its own: stop it with us.
on_signal() {
	trap - INT TERM HUP
	if [ -n "$VM_PID" ]; then
		log "interrupted: stopping the VM"
		kill -TERM "$VM_PID" 2>/dev/null || true
		wait "$VM_PID" 2>/dev/null || true
	fi
	exit 130
}

usage() {
	sed -n '/^#   scripts/,/^# Exits/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# Wait while VM $VM_PID runs; stop it and fail if its guest has not
# started our runner (results dir $1 has no guest.log) within $2 seconds.
# A boot takes 20 s on the distribution kernels and about 300 s on the
# debug kernel; one that hangs would otherwise hold the host until the
# run's own timeout.
watch_boot() {
	local dir=$1 limit=$2 t=0
	while kill -0 "$VM_PID" 2>/dev/null; do
		[ -e "$dir/guest.log" ] && return 0
		if [ "$t" -ge "$limit" ]; then
			kill -TERM "$VM_PID" 2>/dev/null || true
			return 1
		fi
		sleep 5
		t=$((t + 5))
	done
	return 0
}

# Record one kernel's outcome; print its summary line.
account() {
	local kver=$1 p=$2 f=$3 s=$4 note=$5
	TOTAL_PASSED=$((TOTAL_PASSED + p))
	TOTAL_FAILED=$((TOTAL_FAILED + f))
	TOTAL_SKIPPED=$((TOTAL_SKIPPED + s))
	echo "kernel $kver$SUFFIX$LABEL: $p passed, $f failed, $s skipped ($note)"
}

# Value of a "key N" line in a result file, or empty.
result_of() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# The start of the first kernel crash report in a console log, if any: the
# lines that say where it happened (tails alone show only the panic).
show_oops() {
	local line
	line=$(grep -nE 'BUG:|Oops|general protection|Kernel panic' "$1" | head -n 1 | cut -d: -f1)
	[ -n "$line" ] || return 0
	log "crash report in ${1#"$VMI_TOP"/} from line $line:"
	sed -n "$((line > 5 ? line - 5 : 1)),$((line + 40))p" "$1" >&2
}


# Each failed test of a guest log with what it printed since the result
# line before it (the harness's "#  RUN" line, its diagnostics, its
# assertion), the last 25 lines of each: a CI log shows why, not only what.
failures() {
	awk '
	/^ *(not )?ok [0-9]+/ {
		if ($0 ~ /^ *not ok/ && $0 !~ /# *SKIP/) {
			for (i = (n > 25 ? n - 25 : 0); i < n; i++)
				print "  | " buf[i]
			print "  " $0
		}
		n = 0
		next
	}
	{ buf[n++] = $0 }
	' "$1"
}
# virtme-init, in the virtme package of the Python that runs vng.
virtme_init_path() {
	local py
	py=$(sed -n '1s/^#! *//p' "$(command -v vng)")
	${py:-python3} -c 'import os, virtme.guest; print(os.path.dirname(virtme.guest.__file__) + "/virtme-init")' 2>/dev/null
}

run_kernel() {
	local kver=$1 vmlinuz=$2 accel=$3 limit=$4 exec_cmd=$5
	local dir="$VMI_TOP/build/vmtest/$kver$SUFFIX" guest_cmd rc=0 start secs p f s boot attempt qemu_opts
	local boot_limit=${VMI_BOOT_LIMIT:-900} hung=0
	local how=$accel thread=${VMI_TCG_THREAD:-multi} others
	local -a vng_opts

	rm -rf "$dir"
	mkdir -p "$dir"
	guest_cmd=$(printf '%q --results %q' "$VMI_TOP/scripts/guest-run.sh" "$dir")
	if [ -n "$exec_cmd" ]; then
		guest_cmd+=$(printf ' --exec %q' "$exec_cmd")
	fi
	if [ -n "$LANE" ]; then
		guest_cmd+=$(printf ' --lane %q' "$LANE")
		[ "$LANE" != single ] || thread=single
	elif [ -z "$exec_cmd" ] && [ "$kver" = "$DEBUG_KVER" ]; then
		# the tests of the module's own code (selftests/run.sh)
		guest_cmd+=" --lane debug"
	elif [ -z "$exec_cmd" ] && [ -n "$PAGING_APPEND" ]; then
		# 4-level paging: the tests whose subject is the tables
		guest_cmd+=" --lane paging"
	fi
	qemu_opts="-cpu ${VMI_VM_CPU:-max}${VMI_QEMU_OPTS:+ $VMI_QEMU_OPTS}"
	# the guest's tests read how TCG runs from the command line (see
	# switch_under_load_hazard() in selftests/vmi_util.c)
	local append="$CMDLINE$PAGING_APPEND$LANE_APPEND${VMI_APPEND:+ $VMI_APPEND}"
	if [ "$accel" != kvm ]; then
		qemu_opts+=" -accel tcg,thread=$thread"
		append+=" vmi_tcg_thread=$thread"
		how="$accel, thread=$thread"
	fi
	# PID 1 is scripts/guest-init.sh (virtme-init without udev).  The
	# initramfs, forced so that every kernel boots the same way, starts
	# the first init= of the command line, ours; vng's own comes last.
	append+=" init=$VMI_TOP/scripts/guest-init.sh vmi_virtme_init=$VIRTME_INIT"
	vng_opts=(--run "$vmlinuz" --cpus "${VMI_VM_CPUS:-2}" --memory "${VMI_VM_MEMORY:-6G}"
		--qemu-opts="$qemu_opts" --append "$append" --force-initramfs
		--rwdir="$VMI_TOP" --cwd "$VMI_TOP" --verbose --exec "$guest_cmd")
	[ "$accel" = kvm ] || vng_opts+=(--disable-kvm)

	# parallel vCPUs need host cores of their own (parallel_test.c)
	others=$(pgrep -c qemu-system || true)
	if [ "$accel" != kvm ] && [ "$thread" = multi ] && [ "$others" -gt 0 ]; then
		log "note: $others other QEMU process(es) share the host: timing tests may fail"
	fi
	start=$SECONDS
	for attempt in 1 2; do
		log "booting $kver$LABEL ($how, $QEMU_VERSION, timeout ${limit} s), console: ${dir#"$VMI_TOP"/}/console.log"
		rc=0
		# no terminal and no stdin, as in CI; timeout kills qemu with vng,
		# and runs in the background so that a signal to us reaches it
		CI=true timeout -k 10 "$limit" vng "${vng_opts[@]}" </dev/null >"$dir/console.log" 2>&1 &
		VM_PID=$!
		watch_boot "$dir" "$boot_limit" || hung=1
		wait "$VM_PID" || rc=$?
		VM_PID=""
		if [ "$hung" = 1 ]; then
			hung=0
			mv "$dir/console.log" "$dir/console-hung-boot-$attempt.log"
			log "the guest did not start its runner within $boot_limit s: a hung boot (console kept in ${dir#"$VMI_TOP"/}/console-hung-boot-$attempt.log)"
			show_oops "$dir/console-hung-boot-$attempt.log"
			[ "$attempt" = 1 ] && continue
			account "$kver" 0 1 0 "the guest hung in boot twice ($boot_limit s each)"
			return
		fi
		# The guest kernel died before our runner started (no guest.log):
		# nothing of ours was loaded yet, so the crash is not the
		# module's.  Boot once more, and keep the first console for the
		# record.
		if [ "$attempt" = 1 ] && [ ! -e "$dir/guest.log" ] &&
			grep -qE 'Kernel panic|BUG:|Oops' "$dir/console.log"; then
			mv "$dir/console.log" "$dir/console-first-boot.log"
			log "the guest kernel crashed during boot, before any test ran:"
			show_oops "$dir/console-first-boot.log"
			log "booting again (first console kept in ${dir#"$VMI_TOP"/}/console-first-boot.log)"
			continue
		fi
		break
	done
	secs=$((SECONDS - start))

	if [ -n "$exec_cmd" ] && [ -f "$dir/exec.log" ]; then
		echo "--- $kver: $exec_cmd"
		cat "$dir/exec.log"
		echo "---"
	fi
	if [ -f "$dir/result" ]; then
		p=$(result_of "$dir/result" passed)
		f=$(result_of "$dir/result" failed)
		s=$(result_of "$dir/result" skipped)
		boot=$(result_of "$dir/result" boot_secs)
		account "$kver" "${p:-0}" "${f:-1}" "${s:-0}" "boot ${boot:-?} s, total $secs s"
		if [ "${f:-1}" != 0 ]; then
			failures "$dir/guest.log"
			log "last lines of ${dir#"$VMI_TOP"/}/guest.log (kernel log: console.log, dmesg.txt):"
			tail -n 40 "$dir/guest.log" >&2
		fi
		return
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		account "$kver" 0 1 0 "timed out after $secs s"
	else
		account "$kver" 0 1 0 "no result: the guest did not boot or finish, vng exit $rc, $secs s"
	fi
	show_oops "$dir/console.log"
	log "last lines of ${dir#"$VMI_TOP"/}/console.log:"
	tail -n 40 "$dir/console.log" >&2
}

main() {
	local -a want=()
	local exec_cmd="" limit="" accel matrix kver k v vmlinuz found debug=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel | --exec | --timeout)
			[ $# -ge 2 ] || usage
			case "$1" in
			--kernel) want+=("$2") ;;
			--exec) exec_cmd=$2 ;;
			--timeout) limit=$2 ;;
			esac
			shift
			;;
		--debug)
			DEBUG_KVER=$("$VMI_TOP/scripts/kernels.sh" --debug | cut -d' ' -f1)
			[ -n "$DEBUG_KVER" ] || die "no debug kernel built: run scripts/debug-kernel.sh"
			want+=("$DEBUG_KVER")
			debug=1
			# KASAN reports only its first finding by default:
			# kasan_multi_shot shows them all.  The 5-level boot
			# of 6.12 makes KASAN see wild accesses while
			# identify_cpu() has LA57 cleared; with every report
			# shown, a tick in that window prints reports whose
			# printing makes more, and the boot never ends.  So
			# the debug kernel boots with 4-level paging (the
			# other kernels run both).  A race that fires often
			# must not push the start marker out of the log
			# either (guest-run.sh fails if it does).
			CMDLINE+=" kasan_multi_shot log_buf_len=16M no5lvl"
			;;
		--no5lvl)
			PAGING_APPEND=" no5lvl"
			SUFFIX="-4level"
			;;
		--single-lane)
			LANE=single
			LABEL=" (single-threaded TCG lane)"
			;;
		--isolated-lane)
			LANE=isolated
			LABEL=" (CPU 1 isolated and nohz_full)"
			LANE_APPEND=" isolcpus=1 nohz_full=1"
			;;
		-h | --help) usage ;;
		*) usage ;;
		esac
		shift
	done
	[ -z "$LANE" ] || [ -z "$exec_cmd" ] || usage
	[ -z "$LANE" ] || SUFFIX+="-$LANE"
	trap on_signal INT TERM HUP
	command -v vng >/dev/null || die "vng (virtme-ng) is missing: run scripts/deps.sh vng"
	VIRTME_INIT=$(virtme_init_path)
	[ -r "$VIRTME_INIT" ] || die "virtme-ng's virtme-init not found (vng's Python has no virtme.guest)"
	QEMU_VERSION=$(qemu-system-x86_64 --version | awk 'NR == 1 { print "QEMU " $4 }')

	accel=$("$VMI_TOP/scripts/accel.sh")
	if [ -z "$limit" ]; then
		limit=2400
		[ "$accel" != kvm ] || limit=600
		[ $debug = 0 ] || limit=$((limit * 3))
	fi
	matrix=$("$VMI_TOP/scripts/kernels.sh" --with-debug)

	if [ ${#want[@]} = 0 ]; then
		while read -r k _; do
			[ -z "$k" ] || want+=("$k")
		done < <("$VMI_TOP/scripts/kernels.sh")
		[ ${#want[@]} -gt 0 ] || die "scripts/kernels.sh lists no kernel: run scripts/deps.sh"
	fi

	for kver in "${want[@]}"; do
		found=0
		while read -r k _ v _; do
			if [ "$k" = "$kver" ]; then
				found=1
				vmlinuz=$v
				break
			fi
		done <<<"$matrix"
		if [ $found = 0 ]; then
			account "$kver" 0 1 0 "not in the kernel matrix (scripts/kernels.sh)"
		elif [ "$vmlinuz" = - ]; then
			account "$kver" 0 0 1 "no bootable image, build only"
		else
			run_kernel "$kver" "$vmlinuz" "$accel" "$limit" "$exec_cmd"
		fi
	done

	echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
	[ "$TOTAL_FAILED" = 0 ]
}

main "$@"

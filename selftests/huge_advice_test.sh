#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "vminspect huge PID --json" against situations built on purpose: for each
# reason the tool can give, selftests/huge_scenarios builds it in a process
# of its own, and the VMA holding the range the scenario names must carry
# exactly that reason (a VMA fully on THP: none).  The THP policy and the
# khugepaged settings are changed for some cases and restored on exit.  KTAP
# output, as companion_test.sh.
set -u
cd "$(dirname "$0")/.." || exit 1

VMI=tools/vminspect/vminspect
SCN=selftests/huge_scenarios
THP=/sys/kernel/mm/transparent_hugepage
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

# name scenario expected-reasons (comma-separated; "-" for none) enabled
CASES=(
	"thp_covered thp - always"
	"thp_disabled_system plain thp_disabled_system never"
	"thp_madvise_only plain thp_madvise_only madvise"
	"thp_disabled_prctl prctl thp_disabled_prctl always"
	"madv_nohugepage nohugepage madv_nohugepage always"
	"too_small too_small too_small always"
	"unaligned unaligned unaligned always"
	"not_touched not_touched not_touched always"
	"khugepaged_pending khugepaged khugepaged_pending always"
	"split_thp split split_thp always"
	"hugetlb_pool_empty hugetlb hugetlb_pool_empty always"
	"file_no_large_folios file file_no_large_folios always"
	"shmem_thp_disabled shmem shmem_thp_disabled always"
	"special_mapping special special_mapping always"
)

ktap_print_header
ktap_set_plan "${#CASES[@]}"
if [ ! -x "$VMI" ] || [ ! -x "$SCN" ] || [ ! -e /proc/vminspect/ctl ] ||
	[ ! -w "$THP/enabled" ] || ! command -v python3 >/dev/null; then
	skip_all "${#CASES[@]}" "huge advice" "no companion, scenarios, module, THP sysfs or python3"
fi

TMP=$(mktemp -d)
# the file scenario needs a file system that is not tmpfs: the tree's own
FILEDIR=$(mktemp -d "$PWD/build/huge-advice.XXXXXX" 2>/dev/null || mktemp -d "$PWD/.huge-advice.XXXXXX")
CHILD=""
# the word in brackets of a sysfs choice file
choice() { sed 's/.*\[\(.*\)\].*/\1/' "$1"; }
SAVED_ENABLED=$(choice "$THP/enabled")
SAVED_PTES_NONE=$(cat "$THP/khugepaged/max_ptes_none")
SAVED_SHMEM=$(choice "$THP/shmem_enabled")

cleanup() {
	[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	echo "$SAVED_ENABLED" >"$THP/enabled"
	echo "$SAVED_PTES_NONE" >"$THP/khugepaged/max_ptes_none"
	echo "$SAVED_SHMEM" >"$THP/shmem_enabled"
	rm -rf "$TMP" "$FILEDIR"
}
trap cleanup EXIT

# khugepaged must not collapse the khugepaged_pending scenario under the
# test: it leaves one page per 2 MiB block out, and with max_ptes_none 0
# khugepaged does not touch such a block
echo 0 >"$THP/khugepaged/max_ptes_none"
# memfd memory stays on 4K pages
echo never >"$THP/shmem_enabled"

# check_vma RANGE_FILE JSON_FILE EXPECTED: the VMA holding the range
# carries exactly the expected reasons; prints what differs
check_vma() {
	python3 - "$@" <<'EOF'
import json, sys
rng, out, want = sys.argv[1:4]
s, e = (int(x, 16) for x in open(rng).read().split())
d = json.load(open(out))
want = [] if want == "-" else want.split(",")
vs = [v for v in d["vmas"] if int(v["start"], 16) <= s and e <= int(v["end"], 16)]
if len(vs) != 1:
    sys.exit(f"{len(vs)} VMAs hold {s:#x}-{e:#x}")
v = vs[0]
if "large_folios" in v["hflags"] and "file_no_large_folios" in want:
    sys.exit("SKIP")
got = [a["reason"] for a in v["advice"]]
if sorted(got) != sorted(want):
    sys.exit(f"reasons {got}, want {want}; VMA {json.dumps(v)}")
EOF
}

run_case() {
	local name=$1 scn=$2 want=$3 enabled=$4 msg rc
	echo "$enabled" >"$THP/enabled"
	rm -f "$TMP/range"
	"$SCN" "$scn" "$TMP/range" "$FILEDIR" </dev/null >/dev/null 2>"$TMP/scn.err" &
	CHILD=$!
	for _ in $(seq 300); do
		[ -s "$TMP/range" ] && break
		kill -0 "$CHILD" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$TMP/range" ]; then
		wait "$CHILD"
		rc=$?
		CHILD=""
		if [ "$rc" -eq 4 ]; then
			ktap_print_msg "$name: $(head -n 1 "$TMP/scn.err")"
			ktap_test_skip "$name"
		else
			ktap_test_fail "$name"
			sed 's/^/# /' "$TMP/scn.err"
		fi
		return
	fi
	if "$VMI" huge "$CHILD" --json >"$TMP/out.json" 2>"$TMP/vmi.err"; then
		msg=$(check_vma "$TMP/range" "$TMP/out.json" "$want" 2>&1)
		rc=$?
	else
		msg="vminspect huge failed: $(cat "$TMP/vmi.err")"
		rc=1
	fi
	kill "$CHILD" 2>/dev/null
	wait "$CHILD" 2>/dev/null
	CHILD=""
	if [ "$rc" -eq 0 ]; then
		ktap_test_pass "$name"
	elif [ "$msg" = "SKIP" ]; then
		ktap_print_msg "$name: the file system of the tree caches files in large folios"
		ktap_test_skip "$name"
	else
		ktap_test_fail "$name"
		printf '%s\n' "$msg" | sed 's/^/# /'
	fi
}

for c in "${CASES[@]}"; do
	# shellcheck disable=SC2086 # the case is four words
	run_case $c
done

ktap_finished

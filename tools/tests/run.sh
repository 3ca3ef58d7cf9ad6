#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the vminspect companion (no kernel module needed): the C unit
# tests (tests/test_host) and the CLI's exit codes and messages.  A fake
# /proc/vminspect is a directory given through VMINSPECT_PROC_DIR.
# Run from tools/ (make -C tools test).  Ends with "N passed, N failed".

set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

VMI=./vminspect/vminspect
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }

# expect CODE PATTERN_IN_OUTPUT DESCRIPTION -- ARGS...   (stdout+stderr)
expect() {
	local want=$1 pat=$2 what=$3 rc
	shift 4
	# shellcheck disable=SC2086 # VMI may carry a setpriv prefix
	$VMI "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$what: exit $rc, want $want"
		sed 's/^/  | /' "$tmp/out" "$tmp/err"
		return
	fi
	if [ -n "$pat" ] && ! grep -qF -- "$pat" "$tmp/out" "$tmp/err"; then
		bad "$what: output lacks '$pat'"
		sed 's/^/  | /' "$tmp/out" "$tmp/err"
		return
	fi
	ok
}

# -- C unit tests --
unit=$(./tests/test_host tests/data/status.txt)
printf '%s\n' "$unit" | grep -v ' passed, .* failed$'
read -r up _ uf _ < <(printf '%s\n' "$unit" | tail -n 1)
if [[ "$up" =~ ^[0-9]+$ && "$uf" =~ ^[0-9]+$ ]]; then
	pass=$((pass + up))
	fail=$((fail + uf))
else
	bad "test_host did not report its counts"
fi

# -- global options and usage errors --
expect 0 "Exit status:" "--help" -- --help
expect 0 "5  permission denied" "-h" -- -h
expect 0 "vminspect 0" "--version" -- --version
expect 0 "ABI version" "-V" -- -V
expect 2 "no command given" "no command" --
expect 2 "unknown command 'frob'" "unknown command" -- frob
expect 2 "unknown option '--frob'" "unknown global long option" -- --frob
expect 2 "unknown option '-x'" "unknown global short option" -- -x
expect 0 "Usage: vminspect status" "status --help" -- status --help
expect 0 "Usage: vminspect status" "help status" -- help status
expect 0 "Commands:" "help" -- help
expect 2 "unknown command 'frob'" "help frob" -- help frob
expect 2 "unknown option '--frob'" "status --frob" -- status --frob
expect 2 "unknown option '-x'" "status -x" -- status -x
expect 2 "unexpected argument 'extra'" "status extra" -- status extra
expect 2 "Try 'vminspect status --help'" "status usage hint" -- status --bogus

first=$("$VMI" --version | head -n 1)
if [[ "$first" =~ ^vminspect\ [0-9]+\.[0-9]+\.[0-9]+ ]]; then ok; else bad "--version first line: '$first'"; fi

# -- module not loaded --
msg="vminspect: kernel module not loaded (/proc/vminspect missing); load it with 'modprobe vminspect' or 'insmod vminspect.ko'"
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "not loaded" -- status
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "not loaded, json" -- status --json
if [ ! -e /proc/vminspect ]; then
	expect 3 "$msg" "not loaded (real /proc)" -- status
	if [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "$(cat "$tmp/err")" = "$msg" ] &&
	   [ ! -s "$tmp/out" ]; then ok; else bad "not-loaded message not exactly one stderr line"; fi
fi

# -- fake module directory: ctl is a plain file, so GET_INFO fails with
#    ENOTTY and status falls back to the status file --
fake=$tmp/proc
mkdir -p "$fake"
: >"$fake/ctl"
cp tests/data/status.txt "$fake/status"
VMINSPECT_PROC_DIR=$fake expect 0 "page sizes         4K 2M 1G" "fallback text" -- status
VMINSPECT_PROC_DIR=$fake expect 0 "warning: VMI_IOC_GET_INFO" "fallback warns" -- status
VMINSPECT_PROC_DIR=$fake expect 0 '"page_sizes": [' "fallback json" -- status --json
if command -v jq >/dev/null; then
	if VMINSPECT_PROC_DIR=$fake "$VMI" status --json 2>/dev/null |
	   jq -e '.abi_version == 1 and .page_sizes == [4096, 2097152, 1073741824] and
		  .features == ["status", "walk", "huge", "tlb"] and .pfn_visible == true and
		  .other_processes == true and .nr_cpus == 2 and .pgtable_levels == 5 and
		  (.companion_version | type) == "string" and (keys | length) == 11' \
		  >/dev/null; then ok; else bad "status --json does not parse as expected"; fi
fi

# ABI mismatch
sed 's/^abi_version .*/abi_version 7/' tests/data/status.txt >"$fake/status"
VMINSPECT_PROC_DIR=$fake expect 4 "kernel module ABI v7 not supported by this vminspect (ABI v1)" \
	"ABI mismatch" -- status

# garbage status file: the original ioctl error is reported
echo "abi_version one" >"$fake/status"
VMINSPECT_PROC_DIR=$fake expect 4 "not supported by the loaded kernel module" "bad status file" -- status

# directory present but ctl missing and status unreadable
rm -f "$fake/ctl" "$fake/status"
VMINSPECT_PROC_DIR=$fake expect 1 "No such file or directory" "ctl missing" -- status

# permission denied: as root, drop to nobody when setpriv is available
: >"$fake/ctl"
chmod 000 "$fake/ctl"
chmod 755 "$tmp" "$fake"
if [ "$(id -u)" -ne 0 ]; then
	VMINSPECT_PROC_DIR=$fake expect 5 "permission denied" "permission denied" -- status
elif command -v setpriv >/dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$VMI" --version >/dev/null 2>&1; then
	VMI_SAVED=$VMI
	VMI="setpriv --reuid=65534 --regid=65534 --clear-groups $VMI"
	VMINSPECT_PROC_DIR=$fake expect 5 "permission denied" "permission denied" -- status
	VMI=$VMI_SAVED
fi

# a failed write to stdout is an error
if [ -w /dev/full ]; then
	"$VMI" --help >/dev/full 2>/dev/null
	rc=$?
	if [ "$rc" -eq 1 ]; then ok; else bad "--help >/dev/full: exit $rc, want 1"; fi
fi

printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]

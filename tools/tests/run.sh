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

# -- walk, translate, maps: command lines (no module needed) --
for c in walk translate maps; do
	case $c in
	walk) args=(0x1000+4K) ;;
	translate) args=(0x1000) ;;
	maps) args=() ;;
	esac
	expect 0 "Usage: vminspect $c PID" "$c --help" -- "$c" --help
	expect 0 "Usage: vminspect $c PID" "help $c" -- help "$c"
	expect 2 "no PID given" "$c without PID" -- "$c"
	expect 2 "invalid PID '1x'" "$c bad PID" -- "$c" 1x "${args[@]}"
	expect 2 "unknown option '--frob'" "$c --frob" -- "$c" 1 --frob
	expect 2 "Try 'vminspect $c --help'" "$c usage hint" -- "$c"
	VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "$c: not loaded" -- "$c" self "${args[@]}"
	# a ctl file without the ioctls: GET_INFO answers ENOTTY
	VMINSPECT_PROC_DIR=$fake expect 4 "VMI_IOC_GET_INFO: operation not supported by the loaded kernel module" \
		"$c: ioctl unknown" -- "$c" self "${args[@]}"
done
expect 2 "invalid range '0x1000' (START-END or START+SIZE)" "walk range without end" -- walk 1 0x1000
expect 2 "invalid range '0x1000+2X'" "walk bad size" -- walk 1 0x1000+2X
expect 2 "invalid address 'zz'" "walk bad START" -- walk 1 zz 0x2000
expect 2 "invalid address '0x'" "walk bad END" -- walk 1 0x1000 0x
expect 2 "unexpected argument '2'" "walk too many" -- walk 1 0 1 2
expect 2 "no address given" "translate without address" -- translate 1
expect 2 "invalid address '0xg'" "translate bad address" -- translate 1 0xg
expect 2 "unexpected argument 'x'" "translate too many" -- translate 1 0x1000 x
expect 2 "unexpected argument '2'" "maps too many" -- maps 1 2
expect 0 "Usage: vminspect huge PID" "huge --help" -- huge --help
expect 2 "no PID given" "huge without PID" -- huge
expect 2 "unexpected argument '2'" "huge too many" -- huge 1 2
expect 2 "unexpected argument '1'" "huge --all with PID" -- huge --all 1
expect 2 "--top needs --all" "huge --top without --all" -- huge 1 --top 3
expect 2 "invalid --top 'x'" "huge bad --top" -- huge --all --top x
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "huge: not loaded" -- huge self --json
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "huge --all: not loaded" -- huge --all
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "walk: options anywhere" -- walk --json self --per-page --holes 0x1000 0x2000
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "walk: START+SIZE" -- walk 1 7f0000000000+2M

# -- walk, translate, maps --json: sample renderings, parsed --
for r in walk translate translate-hidden translate-unmapped maps maps-nopt huge huge-all; do
	if command -v python3 >/dev/null; then
		if ./tests/test_host --render "$r" | python3 tests/check_json.py "$r"; then
			ok
		else
			bad "--json rendering '$r' does not have the documented shape"
		fi
	elif command -v jq >/dev/null; then
		if ./tests/test_host --render "$r" | jq -e . >/dev/null; then
			ok
		else
			bad "--json rendering '$r' is not JSON"
		fi
	fi
done

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
	VMINSPECT_PROC_DIR=$fake expect 5 "permission denied" "walk: permission denied" -- walk self
elif command -v setpriv >/dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$VMI" --version >/dev/null 2>&1; then
	VMI_SAVED=$VMI
	VMI="setpriv --reuid=65534 --regid=65534 --clear-groups $VMI"
	VMINSPECT_PROC_DIR=$fake expect 5 "permission denied" "permission denied" -- status
	VMINSPECT_PROC_DIR=$fake expect 5 "permission denied" "walk: permission denied" -- walk self
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

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the vminspect companion (no kernel module needed): the C unit
# tests (tests/test_host, test_huge, test_huge_blocks, test_export, test_svg: kselftest
# harness, KTAP) and the CLI's exit codes and messages.  A fake /proc/vminspect is a
# directory given through VMINSPECT_PROC_DIR.
#
#   tests/run.sh [--no-unit]
#
# --no-unit: the unit tests were not built (no kselftest harness, see
# tools/Makefile): they and the renderings they print are skipped.
# Run from tools/ (make -C tools test).  Ends with "N passed, N failed"
# (", N skipped" when something was skipped).

set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# the install checks run make themselves: variables given to the make that
# runs us (debian/rules passes LIBDIR=/usr/lib/<triplet>), which make also
# exports to the environment, must not leak in
unset MAKEFLAGS MFLAGS MAKEOVERRIDES PREFIX BINDIR LIBDIR INCLUDEDIR PKGCONFIGDIR \
	COMPLETIONDIR SYSTEMDUNITDIR DOCDIR DESTDIR

unit_tests=1
[ "${1:-}" = --no-unit ] && unit_tests=0

VMI=./vminspect/vminspect
# the shared library's file is named after the release, ../VERSION
sover=$(cat ../VERSION)
pass=0
fail=0
skipped=0
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
# unit NAME: run tests/NAME, show its KTAP but the passed tests, and add
# its "# Totals:" line (xfail counts as passed, xpass and error as failed)
unit() {
	local out counts up uf us
	out=$("./tests/$1" 2>&1)
	printf '%s\n' "$out" | grep -vE '^ok [0-9]+ |^#  RUN |^# +OK '
	counts=$(printf '%s\n' "$out" | awk '
		/^# Totals: pass:[0-9]+ fail:[0-9]+/ {
			n = split($0, w, /[ :]+/)
			for (i = 1; i < n; i++) {
				v = w[i + 1] + 0
				if (w[i] == "pass" || w[i] == "xfail") p += v
				else if (w[i] == "fail" || w[i] == "xpass" || w[i] == "error") f += v
				else if (w[i] == "skip") s += v
			}
			found = 1
		}
		END { if (found) print p + 0, f + 0, s + 0 }')
	if [ -z "$counts" ]; then
		bad "$1 did not print its totals"
		return
	fi
	read -r up uf us <<<"$counts"
	pass=$((pass + up))
	fail=$((fail + uf))
	skipped=$((skipped + us))
}
if [ "$unit_tests" = 1 ]; then
	unit test_host
	unit test_huge
	unit test_huge_blocks
	unit test_export
	unit test_svg
else
	echo "# skip: the unit tests (test_host, test_huge, test_huge_blocks, test_export, test_svg) were not built"
	skipped=$((skipped + 5))
fi

# render WHAT: the unit test binary's sample rendering WHAT
render() {
	case $1 in
	huge*) ./tests/test_huge --render "$1" ;;
	export*) ./tests/test_export --render "$1" ;;
	svg*) ./tests/test_svg --render "$1" ;;
	*) ./tests/test_host --render "$1" ;;
	esac
}

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
VMINSPECT_PROC_DIR=$fake expect 0 '"page_sizes":[' "fallback json" -- status --json
VMINSPECT_PROC_DIR=$fake expect 0 '  "page_sizes": [' "fallback json, --pretty" -- status --pretty
lines=$(VMINSPECT_PROC_DIR=$fake "$VMI" status --json 2>/dev/null | wc -l)
if [ "$lines" = 1 ]; then ok; else bad "status --json: $lines lines, want 1"; fi
if command -v jq >/dev/null; then
	if VMINSPECT_PROC_DIR=$fake "$VMI" status --json 2>/dev/null |
	   jq -e '.abi_version == 3 and .page_sizes == [4096, 2097152, 1073741824] and
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
expect 2 "--json and --svg exclude each other" "maps --json --svg" -- maps 1 --json --svg "$tmp/x.svg"
expect 2 "option '--svg' needs an argument" "maps --svg without FILE" -- maps 1 --svg
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "$msg" "maps --svg: not loaded" -- maps self --svg "$tmp/x.svg"
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
	if [ "$unit_tests" = 0 ]; then
		skipped=$((skipped + 1))
	elif command -v python3 >/dev/null; then
		if render "$r" | python3 tests/check_json.py "$r"; then
			ok
		else
			bad "--json rendering '$r' does not have the documented shape"
		fi
	elif command -v jq >/dev/null; then
		if render "$r" | jq -e . >/dev/null; then
			ok
		else
			bad "--json rendering '$r' is not JSON"
		fi
	fi
done

# -- maps --svg: the sample picture, well formed, rendered by a real SVG
# renderer, each colour's pixels against the bytes of its "huge --json" --
if [ "$unit_tests" = 0 ]; then
	# the picture is test_svg's: both checks are skipped
	skipped=$((skipped + 2))
else
	render svg >"$tmp/maps.svg"
	render svg-json >"$tmp/maps.json"
	if command -v xmllint >/dev/null; then
		if xmllint --noout "$tmp/maps.svg"; then ok; else bad "maps --svg: not well-formed XML"; fi
	fi
	if ! command -v rsvg-convert >/dev/null || ! command -v python3 >/dev/null; then
		echo "SKIP maps --svg pixels: no rsvg-convert (librsvg2-bin, scripts/deps.sh host) or python3"
	elif rsvg-convert -o "$tmp/maps.png" "$tmp/maps.svg" &&
		python3 tests/svg_pixels.py "$tmp/maps.svg" "$tmp/maps.png" "$tmp/maps.json" >"$tmp/pixels"; then
		ok
	else
		bad "maps --svg: the rendered colours do not follow the bytes"
		sed 's/^/  | /' "$tmp/pixels"
	fi
fi

# ABI mismatch
sed 's/^abi_version .*/abi_version 7/' tests/data/status.txt >"$fake/status"
VMINSPECT_PROC_DIR=$fake expect 4 "kernel module ABI v7 not supported by this vminspect (ABI v3)" \
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

# -- colour: only on a terminal, never with NO_COLOR, --color overrides --
esc=$'\e['
if "$VMI" --help | grep -qF "$esc"; then bad "--help into a pipe has colour"; else ok; fi
if "$VMI" --color=always --help | grep -qF "${esc}1mCommands:"; then ok; else bad "--color=always: no bold heading"; fi
if NO_COLOR=1 "$VMI" --color=always --help | grep -qF "$esc"; then ok; else bad "--color=always must beat NO_COLOR"; fi
if "$VMI" --color=never --help | grep -qF "$esc"; then bad "--color=never has colour"; else ok; fi
expect 2 "invalid --color 'sometimes'" "--color bad value" -- --color=sometimes status
expect 2 "needs an argument" "--color without value" -- --color
if command -v script >/dev/null; then
	# a pseudo-terminal: colour by default, none with NO_COLOR set
	out=$(env -u NO_COLOR script -qec "$VMI --help" /dev/null)
	if [[ $out == *"${esc}1mCommands:"* ]]; then ok; else bad "--help on a terminal: no colour"; fi
	out=$(NO_COLOR=1 script -qec "$VMI --help" /dev/null)
	if [[ $out == *"$esc"* ]]; then bad "NO_COLOR=1 on a terminal: colour"; else ok; fi
	out=$(NO_COLOR='' script -qec "$VMI --help" /dev/null)
	if [[ $out == *"${esc}1m"* ]]; then ok; else bad "NO_COLOR empty counts as unset"; fi
	out=$(script -qec "$VMI --color=never --help" /dev/null)
	if [[ $out == *"$esc"* ]]; then bad "--color=never on a terminal: colour"; else ok; fi
else
	echo "# skip: script(1) missing, no pseudo-terminal checks"
fi

# -- export: command line, and module missing still writes vminspect_up 0 --
expect 2 "no format given (--prometheus)" "export without format" -- export
expect 2 "invalid --top 'x'" "export bad --top" -- export --prometheus --top x
expect 2 "unexpected argument 'x'" "export extra" -- export --prometheus x
expect 0 "Usage: vminspect export" "export --help" -- export --help
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "vminspect_up 0" "export: not loaded, stdout" -- export --prometheus
mkdir -p "$tmp/prom"
VMINSPECT_PROC_DIR=$tmp/absent expect 3 "" "export: not loaded, --output" -- \
	export --prometheus --output "$tmp/prom/vminspect.prom"
if grep -qx "vminspect_up 0" "$tmp/prom/vminspect.prom" 2>/dev/null &&
   [ "$(find "$tmp/prom" -name '*.tmp.*' | wc -l)" -eq 0 ]; then ok; else bad "export --output: file or leftover temporary wrong"; fi
VMINSPECT_PROC_DIR=$tmp/absent expect 1 "No such file or directory" "export: unwritable directory" -- \
	export --prometheus --output "$tmp/nodir/x.prom"
if command -v promtool >/dev/null; then
	for r in export export-tlb-off export-down; do
		if [ "$unit_tests" = 0 ]; then
			skipped=$((skipped + 1))
		elif render "$r" | promtool check metrics >"$tmp/pt" 2>&1; then
			ok
		else
			bad "promtool check metrics: rendering '$r'"
			sed 's/^/  | /' "$tmp/pt"
		fi
	done
	if promtool check metrics <"$tmp/prom/vminspect.prom" >"$tmp/pt" 2>&1; then ok; else bad "promtool: export --output file"; fi
else
	echo "# skip: promtool missing (scripts/deps.sh host installs prometheus)"
fi

# -- systemd units --
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$tmp/units"
	sed "s|/usr/bin/vminspect|$PWD/vminspect/vminspect|" systemd/vminspect-export.service \
		>"$tmp/units/vminspect-export.service"
	cp systemd/vminspect-export.timer "$tmp/units/"
	if systemd-analyze verify --man=no "$tmp/units/vminspect-export.service" \
	   "$tmp/units/vminspect-export.timer" >"$tmp/sa" 2>&1; then
		ok
	else
		bad "systemd-analyze verify"
		sed 's/^/  | /' "$tmp/sa"
	fi
else
	echo "# skip: systemd-analyze missing, units not verified"
fi

# -- the shared library: soname, only vmi_* exported --
so=lib/libvminspect.so.$sover
if readelf -d "$so" | grep -q 'SONAME.*\[libvminspect\.so\.0\]'; then ok; else bad "$so: soname is not libvminspect.so.0"; fi
# the version node itself (VMINSPECT_0, type A) is not a function
others=$(nm -D --defined-only "$so" | awk '$2 != "A" && $3 !~ /^vmi_/ { print $3 }')
if [ -z "$others" ]; then ok; else bad "$so exports non-vmi_ symbols: $others"; fi
nexp=$(nm -D --defined-only "$so" | awk '$3 ~ /^vmi_/' | wc -l)
napi=$(grep -cE '^[a-z].*\bvmi_[a-z0-9_]+\(' lib/vminspect.h)
if [ "$nexp" -ge "$napi" ] && [ "$nexp" -gt 50 ]; then ok; else bad "$so exports $nexp vmi_ symbols, the header declares $napi"; fi
if nm -D "$so" | grep -q ' vmi_open@@VMINSPECT_0$'; then ok; else bad "$so: vmi_open not versioned VMINSPECT_0"; fi

# -- install: the layout the packaging relies on, and pkg-config works --
dest=$tmp/dest
if make -s install DESTDIR="$dest" PREFIX=/usr >"$tmp/inst" 2>&1; then ok; else bad "make install"; sed 's/^/  | /' "$tmp/inst"; fi
for f in usr/bin/vminspect "usr/lib/libvminspect.so.$sover" usr/lib/libvminspect.a \
	 usr/lib/pkgconfig/libvminspect.pc usr/include/vminspect.h usr/include/linux/vminspect.h \
	 usr/share/bash-completion/completions/vminspect \
	 usr/lib/systemd/system/vminspect-export.service usr/lib/systemd/system/vminspect-export.timer \
	 usr/share/doc/vminspect/examples/hotarray.c; do
	if [ -f "$dest/$f" ]; then ok; else bad "make install: $f missing"; fi
done
if [ "$(readlink "$dest/usr/lib/libvminspect.so.0")" = "libvminspect.so.$sover" ] &&
   [ "$(readlink "$dest/usr/lib/libvminspect.so")" = libvminspect.so.0 ]; then ok; else bad "make install: .so symlinks"; fi
if [ -x "$dest/usr/bin/vminspect" ] && ! ldd "$dest/usr/bin/vminspect" | grep -q libvminspect; then ok; else bad "installed CLI must not need libvminspect.so"; fi
cat >"$tmp/user.c" <<'EOC'
#include <stdio.h>
#include <vminspect.h>

int main(void)
{
	int err = 0;
	struct vmi_handle *h = vmi_open(&err);

	if (h)
		vmi_close(h);
	printf("abi %d: %s\n", VMI_ABI_VERSION, h ? "open" : vmi_strerror(err));
	return 0;
}
EOC
if command -v pkg-config >/dev/null; then
	pc() { PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$dest/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config "$@"; }
	if [ "$(pc --modversion libvminspect)" = "$(sed -n 's/^Version: //p' "$dest/usr/lib/pkgconfig/libvminspect.pc")" ]; then ok; else bad "pkg-config --modversion"; fi
	# shellcheck disable=SC2046 # the flags are words
	if ${CC:-cc} -Wall -Werror -o "$tmp/user" "$tmp/user.c" $(pc --cflags --libs libvminspect) 2>"$tmp/cc"; then
		ok
		if LD_LIBRARY_PATH="$dest/usr/lib" VMINSPECT_PROC_DIR=$tmp/absent "$tmp/user" | grep -q "^abi 3: kernel module not loaded"; then ok; else bad "program built with pkg-config does not run"; fi
		if ldd "$tmp/user" 2>/dev/null | grep -q 'libvminspect.so.0 '; then ok; else bad "program does not link libvminspect.so.0"; fi
	else
		bad "a program built with pkg-config --cflags --libs libvminspect does not link"
		sed 's/^/  | /' "$tmp/cc"
	fi
else
	echo "# skip: pkg-config missing"
fi
# Debian's multiarch libdir
if make -s install-lib DESTDIR="$tmp/deb" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu >/dev/null 2>&1 &&
   [ -f "$tmp/deb/usr/lib/x86_64-linux-gnu/pkgconfig/libvminspect.pc" ] &&
   grep -qx 'libdir=/usr/lib/x86_64-linux-gnu' "$tmp/deb/usr/lib/x86_64-linux-gnu/pkgconfig/libvminspect.pc"; then
	ok
else
	bad "install-lib with LIBDIR=/usr/lib/x86_64-linux-gnu"
fi
make -s lib/libvminspect.pc >/dev/null 2>&1 # back to the default paths

# -- the example links the shared library and finds it in-tree --
if ldd examples/hotarray | grep -q "$PWD/lib/libvminspect.so.0\|lib/../lib/libvminspect.so.0\|examples/../lib/libvminspect.so.0"; then ok; else bad "hotarray does not use the in-tree libvminspect.so.0"; ldd examples/hotarray | sed 's/^/  | /'; fi
VMI_SAVED=$VMI
VMI=./examples/hotarray
VMINSPECT_PROC_DIR=$tmp/absent expect 2 "kernel module not loaded" "hotarray: not loaded" --
expect 2 "invalid --mib" "hotarray: bad --mib" -- --mib 0
expect 0 "Exit status: 0 fully on huge pages" "hotarray --help" -- --help
VMI=$VMI_SAVED

# -- bash completion --
comp() { # comp WORDS... : the completions of the last word
	bash -c '. completion/vminspect.bash
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_vminspect vminspect "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' comp "$@"
}
has() { # has "WORDS" WANT...: each WANT is among the completions
	local got want
	read -ra words <<<"$1"
	shift
	got=$(comp "${words[@]}" "")
	for want in "$@"; do
		grep -qx -- "$want" <<<"$got" || { bad "completion of '${words[*]} ': no '$want' in: ${got//$'\n'/ }"; return; }
	done
	ok
}
# shellcheck disable=SC2317 # called through has
has "vminspect" status walk translate maps huge pgtables tlb export help
has "vminspect pgtables" self
got=$(comp vminspect pgtables --)
if grep -qx -- --shared <<<"$got" && grep -qx -- --all <<<"$got"; then ok; else bad "pgtables options lack --shared or --all: ${got//$'\n'/ }"; fi
got=$(comp vminspect wa)
if [ "$got" = walk ]; then ok; else bad "completion of 'vminspect wa': '$got'"; fi
got=$(comp vminspect walk --)
for w in --per-page --holes --json --pretty --help; do
	grep -qx -- "$w" <<<"$got" || { bad "walk options lack $w: ${got//$'\n'/ }"; break; }
done && ok
has "vminspect walk" self 1 "$$"
has "vminspect huge" self
got=$(comp vminspect huge 1 --)
if grep -qx -- --blocks <<<"$got"; then ok; else bad "huge options lack --blocks: ${got//$'\n'/ }"; fi
got=$(comp vminspect maps --)
if grep -qx -- --svg <<<"$got" && grep -qx -- --json <<<"$got"; then ok; else bad "maps options: ${got//$'\n'/ }"; fi
touch "$tmp/picture-file.svg"
got=$(comp vminspect maps 1 --svg "$tmp/picture-f")
if [ "$got" = "$tmp/picture-file.svg" ]; then ok; else bad "--svg file completion: '$got'"; fi
has "vminspect maps --svg $tmp/picture-file.svg" self
got=$(comp vminspect walk 1 "")
if ! grep -qx self <<<"$got"; then ok; else bad "walk: a second PID offered"; fi
got=$(comp vminspect export --)
if grep -qx -- --prometheus <<<"$got" && grep -qx -- --output <<<"$got"; then ok; else bad "export options: ${got//$'\n'/ }"; fi
touch "$tmp/prom/metrics-file.prom"
got=$(comp vminspect export --prometheus --output "$tmp/prom/metrics-f")
if [ "$got" = "$tmp/prom/metrics-file.prom" ]; then ok; else bad "--output file completion: '$got'"; fi
has "vminspect tlb --pid" self 1
got=$(comp vminspect -)
if grep -qx -- --version <<<"$got" && grep -qx -- --color= <<<"$got"; then ok; else bad "global options: ${got//$'\n'/ }"; fi
has "vminspect --color" auto always never
has "vminspect help" walk export

# a failed write to stdout is an error
if [ -w /dev/full ]; then
	"$VMI" --help >/dev/full 2>/dev/null
	rc=$?
	if [ "$rc" -eq 1 ]; then ok; else bad "--help >/dev/full: exit $rc, want 1"; fi
fi

if [ "$skipped" -gt 0 ]; then
	printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skipped"
else
	printf '%d passed, %d failed\n' "$pass" "$fail"
fi
[ "$fail" -eq 0 ]

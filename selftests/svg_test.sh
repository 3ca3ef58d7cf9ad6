#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "vminspect maps PID --svg FILE" against a live process that holds 4K
# pages, THP, PTE-mapped large folios and, where the pools have them free,
# hugetlb 2M and 1G pages (selftests/huge_scenarios mixed).  The picture is
# rendered by a real SVG renderer (rsvg-convert, package librsvg2-bin,
# scripts/deps.sh host) and the pixels of each colour, band by band, must
# follow the bytes that "vminspect huge PID --json" gives for that kind
# (tools/tests/svg_pixels.py states the tolerance).  KTAP output, as
# companion_test.sh.
set -u
cd "$(dirname "$0")/.." || exit 1

VMI=tools/vminspect/vminspect
SCN=selftests/huge_scenarios
HP=/sys/kernel/mm/hugepages
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

ktap_print_header
ktap_set_plan 7
if [ ! -x "$VMI" ] || [ ! -x "$SCN" ] || [ ! -e /proc/vminspect/ctl ] ||
	! command -v python3 >/dev/null; then
	skip_all 7 "maps --svg" "no companion, scenarios, module or python3"
fi

TMP=$(mktemp -d)
CHILD=""
cleanup() {
	[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# hugetlb pages of a pool free for a new mapping: free less reserved
pool_free() {
	local d=$HP/hugepages-$1kB
	[ -r "$d/free_hugepages" ] || { echo 0; return; }
	echo $(($(cat "$d/free_hugepages") - $(cat "$d/resv_hugepages")))
}
FREE_2M=$(pool_free 2048)
FREE_1G=$(pool_free 1048576)
THP_ENABLED=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo never)

"$SCN" mixed "$TMP/range" </dev/null >/dev/null 2>"$TMP/scn.err" &
CHILD=$!
for _ in $(seq 600); do
	[ -s "$TMP/range" ] && break
	kill -0 "$CHILD" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$TMP/range" ]; then
	ktap_test_fail "the workload (huge_scenarios mixed) started"
	sed 's/^/# /' "$TMP/scn.err"
	ktap_print_msg "maps --svg 2 to 7: no workload"
	for i in $(seq 2 7); do ktap_test_skip "maps --svg $i"; done
	ktap_finished
fi

# the VMAs and their bytes of a "huge --json", to compare two of them
vmas_of() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for v in d["vmas"]:
    print(v["start"], v["end"], v["rss"], v["swap"], sorted(v["bytes"].items()))' "$1"
}

# huge --json, the picture, huge --json again: the picture is of a process
# that did not change between the two (tried three times)
snapshot() {
	local try
	for try in 1 2 3; do
		"$VMI" huge "$CHILD" --json >"$TMP/huge.json" 2>"$TMP/err" &&
			"$VMI" maps "$CHILD" --svg "$TMP/maps.svg" 2>>"$TMP/err" &&
			"$VMI" huge "$CHILD" --json >"$TMP/huge2.json" 2>>"$TMP/err" || return 1
		[ "$(vmas_of "$TMP/huge.json")" = "$(vmas_of "$TMP/huge2.json")" ] && return 0
		echo "# try $try: the process changed between the two queries"
	done
	return 1
}

if snapshot && python3 -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.tag == "{http://www.w3.org/2000/svg}svg" and r.get("version") == "1.1", r.attrib' "$TMP/maps.svg"; then
	ktap_test_pass "maps --svg: a well-formed SVG 1.1 picture of the workload"
else
	ktap_test_fail "maps --svg: a well-formed SVG 1.1 picture of the workload"
	sed 's/^/# /' "$TMP/err"
fi

check "maps --svg: one band per VMA of huge --json, in address order" \
	python3 -c 'import json, sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
bands = [int(g.get("id")[4:], 16) for g in r.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "vma"]
vmas = [int(v["start"], 16) for v in json.load(open(sys.argv[2]))["vmas"]]
assert bands == vmas, (len(bands), len(vmas))' "$TMP/maps.svg" "$TMP/huge.json"

check "maps --svg -: the same picture on stdout" \
	bash -c "$VMI maps $CHILD --svg - | cmp -s - $TMP/maps.svg"

# what the workload holds: the picture has every kind the machine allows
check "the workload holds 4K, THP, PTE-mapped THP and the free hugetlb sizes" \
	python3 -c "import json
b = json.load(open('$TMP/huge.json'))['bytes']
assert b['4k'] >= 4 << 20, b
if '$THP_ENABLED' != 'never':
    assert b['thp_pmd'] >= 2 << 20 and b['thp_pte'] > 0, b
if $FREE_2M >= 2:
    assert b['hugetlb_2m'] == 4 << 20, b
if $FREE_1G >= 1:
    assert b['hugetlb_1g'] == 1 << 30, b
print('# THP %s, free hugetlb pages 2M %d, 1G %d: %s' % ('$THP_ENABLED', $FREE_2M, $FREE_1G, b))"

if ! command -v rsvg-convert >/dev/null; then
	ktap_print_msg "rsvg-convert: each colour's pixels follow huge --json:" \
		"no rsvg-convert (librsvg2-bin: scripts/deps.sh host)"
	ktap_test_skip "rsvg-convert: each colour's pixels follow huge --json"
elif rsvg-convert -o "$TMP/maps.png" "$TMP/maps.svg" 2>"$TMP/err" &&
	python3 tools/tests/svg_pixels.py "$TMP/maps.svg" "$TMP/maps.png" \
		"$TMP/huge.json" >"$TMP/pixels" 2>&1; then
	ktap_test_pass "rsvg-convert: each colour's pixels follow huge --json"
	sed 's/^/# /' "$TMP/pixels"
else
	ktap_test_fail "rsvg-convert: each colour's pixels follow huge --json"
	sed 's/^/# /' "$TMP/err" "$TMP/pixels"
fi

check "maps --svg to a file that cannot be created: exit 1, nothing left" \
	bash -c "$VMI maps $CHILD --svg $TMP/none/x.svg 2>$TMP/err; test \$? -eq 1 &&
		grep -q 'No such file or directory' $TMP/err && [ ! -e $TMP/none ]"

check "maps --svg of another user's process as nobody: exit 5" \
	bash -c "setpriv --reuid=65534 --regid=65534 --clear-groups $VMI maps $CHILD --svg - >/dev/null 2>&1; test \$? -eq 5"

ktap_finished

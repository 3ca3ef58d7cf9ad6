#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The companion end to end, in the VM with the module loaded: every command
# runs against a live process and its JSON is checked, key by key, against
# the kernel's own view (pagemap, /proc/PID/maps, smaps).  KTAP output.
set -u
cd "$(dirname "$0")/.." || exit 1

VMI=tools/vminspect/vminspect
# KTAP output: the kernel's ktap_* and check, skip_all, skip_single
# shellcheck source=vmi_ktap.sh
. selftests/vmi_ktap.sh

# python3 -c PROGRAM: reads JSON on stdin, asserts, exits non-zero on failure
json() {
	python3 -c "import json, sys
d = json.load(sys.stdin)
$1"
}
export -f json
export VMI

ktap_print_header
ktap_set_plan "12"
if [ ! -x "$VMI" ] || [ ! -e /proc/vminspect/ctl ]; then
	skip_all 12 companion "no companion or module"
fi

# a live target: 8 MiB, every other 4K page touched
python3 -c '
import mmap, os, sys, time
m = mmap.mmap(-1, 8 << 20)
m.madvise(mmap.MADV_NOHUGEPAGE)
for i in range(0, 8 << 20, 8192):
    m[i] = 1
import ctypes
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
print(addr, flush=True)
time.sleep(300)
' >/tmp/vmi-companion-target &
TARGET=$!
trap 'kill $TARGET 2>/dev/null' EXIT
for _ in $(seq 100); do
	[ -s /tmp/vmi-companion-target ] && break
	sleep 0.1
done
ADDR=$(printf '0x%x' "$(head -n 1 /tmp/vmi-companion-target)")
END=$(printf '0x%x' $((ADDR + (8 << 20))))

check "status --json: the module's facts" \
	bash -c "$VMI status --json | json '
assert d[\"abi_version\"] == $(sed -n 's/^#define VMI_ABI_VERSION //p' include/uapi/linux/vminspect.h)
assert d[\"kernel_release\"] == \"$(uname -r)\"
assert 4096 in d[\"page_sizes\"] and d[\"pfn_visible\"] is True
assert \"walk\" in d[\"features\"]'"

check "walk --json: keys and types" \
	bash -c "$VMI walk $TARGET $ADDR-$END --json | json '
assert d[\"pid\"] == $TARGET
for e in d[\"extents\"]:
    for k in (\"start\", \"end\", \"page_size\", \"level\", \"kind\", \"pfn\", \"flags\", \"thp\", \"hugetlb\"):
        assert k in e, k
    assert e[\"start\"].startswith(\"0x\") and e[\"level\"] in (\"pte\", \"pmd\", \"pud\")
assert len(d[\"extents\"]) > 0'"

# the frames the companion prints are pagemap's
check "walk --json: frames agree with pagemap" \
	python3 -c "
import json, struct, subprocess
d = json.loads(subprocess.check_output(['$VMI', 'walk', '$TARGET', '$ADDR-$END', '--json']))
pm = open('/proc/$TARGET/pagemap', 'rb')
n = 0
for e in d['extents']:
    s, t = int(e['start'], 16), int(e['end'], 16)
    for a in range(s, t, 4096):
        pm.seek(a // 4096 * 8)
        v, = struct.unpack('<Q', pm.read(8))
        assert v >> 63 == 1, hex(a)
        if e['page_size'] == 4096:
            assert v & ((1 << 55) - 1) == e['pfn'] + (a - s) // 4096, hex(a)
        n += 1
assert n == 1024, n
"

check "walk --holes --json: the holes tile the range" \
	bash -c "$VMI walk $TARGET $ADDR-$END --holes --json | json '
x = d[\"extents\"]
assert int(x[0][\"start\"], 16) == $ADDR and int(x[-1][\"end\"], 16) == $END
assert all(int(a[\"end\"], 16) == int(b[\"start\"], 16) for a, b in zip(x, x[1:]))'"

check "translate --json: the path and the leaf" \
	bash -c "$VMI translate $TARGET $ADDR --json | json '
lv = [l[\"level\"] for l in d[\"levels\"]]
assert lv[0] == \"pgd\" and lv[-1] in (\"pte\", \"pmd\"), lv
assert d[\"pfn\"] is not None and int(d[\"pa\"], 16) == d[\"pfn\"] << 12
assert all(l[\"entry\"].startswith(\"0x\") for l in d[\"levels\"])'"

check "maps --json: VMAs agree with /proc/PID/maps" \
	bash -c "$VMI maps $TARGET --json | json '
want = [tuple(int(x, 16) for x in l.split()[0].split(\"-\")) for l in open(\"/proc/$TARGET/maps\") if \"vsyscall\" not in l]
got = [(int(v[\"start\"], 16), int(v[\"end\"], 16)) for v in d[\"vmas\"]]
assert got == want, (len(got), len(want))
pt = d[\"page_tables\"]
assert pt[\"pte\"] > 0 and pt[\"bytes\"] > 0
for v in d[\"vmas\"]:
    assert set(v[\"bytes_by_page_size\"]) == {\"4096\", \"2097152\", \"1073741824\"}'"

check "maps --json: the target region's rss is what was touched" \
	bash -c "$VMI maps $TARGET --json | json '
v = [v for v in d[\"vmas\"] if int(v[\"start\"], 16) <= $ADDR < int(v[\"end\"], 16)][0]
assert v[\"rss\"] >= 1024 * 4096, v[\"rss\"]'"

check "no such process: exit 1 and a message" \
	bash -c "! $VMI walk 1073741823 --json >/dev/null 2>/tmp/vmi-err && grep -qi 'no such process' /tmp/vmi-err"

check "an unprivileged user: no frames, and no other process" \
	bash -c "setpriv --reuid=65534 --regid=65534 --clear-groups $VMI walk self --json | json '
assert all(e[\"pfn\"] is None for e in d[\"extents\"])' &&
		setpriv --reuid=65534 --regid=65534 --clear-groups $VMI walk $TARGET >/dev/null 2>&1; test \$? -eq 5"

# the system-wide part is the kernel's own files, figure for figure
check "huge --all --json: pools, nodes, counters and zones are the kernel's" \
	bash -c "$VMI huge --all --top 1 --json | json '
import os
def num(p):
    return int(open(p).read())
hp = \"/sys/kernel/mm/hugepages\"
sizes = sorted(int(d.split(\"-\")[1][:-2]) << 10 for d in os.listdir(hp))
assert [p[\"page_size\"] for p in d[\"hugetlb_pools\"]] == sizes, sizes
for p in d[\"hugetlb_pools\"]:
    base = \"%s/hugepages-%dkB/\" % (hp, p[\"page_size\"] >> 10)
    for k, f in ((\"total\", \"nr\"), (\"free\", \"free\"), (\"reserved\", \"resv\"), (\"surplus\", \"surplus\")):
        assert p[k] == num(base + f + \"_hugepages\"), (p, k)
    for n in p[\"nodes\"]:
        nb = \"/sys/devices/system/node/node%d/hugepages/hugepages-%dkB/\" % (n[\"node\"], p[\"page_size\"] >> 10)
        assert n[\"total\"] == num(nb + \"nr_hugepages\"), n
    assert sum(n[\"total\"] for n in p[\"nodes\"]) == p[\"total\"]
vm = dict(l.split() for l in open(\"/proc/vmstat\"))
ev = d[\"thp\"][\"events\"]
assert len(ev) == 15 and all(k in vm for k in ev), ev
assert set(d[\"thp\"]) == {\"anon_thp\", \"shmem_thp\", \"shmem_pmd_mapped\", \"file_thp\", \"file_pmd_mapped\", \"events\"}
zones = [l.split()[1].rstrip(\",\") + \" \" + l.split()[3] for l in open(\"/proc/buddyinfo\")]
got = [str(z[\"node\"]) + \" \" + z[\"zone\"] for z in d[\"fragmentation\"][\"zones\"]]
assert got == zones, (got, zones)
assert all(len(z[\"free_blocks_by_order\"]) == 16 and z[\"managed_pages\"] > 0 for z in d[\"fragmentation\"][\"zones\"])
assert d[\"thp_policy\"][\"enabled\"] in (\"always\", \"madvise\", \"never\")'"

check "pgtables --json: levels add up, VmPTE matches, the region's entries" \
	bash -c "$VMI pgtables $TARGET --json | json '
vmpte = [int(l.split()[1]) for l in open(\"/proc/$TARGET/status\") if l.startswith(\"VmPTE:\")][0]
lv = d[\"levels\"]
assert (lv[\"pte\"][\"tables\"] + lv[\"pmd\"][\"tables\"] + lv[\"pud\"][\"tables\"] + d[\"deposited\"]) * 4096 == vmpte * 1024, (lv, d[\"deposited\"], vmpte)
for k, l in lv.items():
    assert len(l[\"fullness\"]) == 6 and l[\"single\"] == l[\"fullness\"][0]
    assert sum(l[\"fullness\"]) + l[\"empty\"] == l[\"tables\"], (k, l)
assert d[\"bytes\"] == 4096 * (sum(l[\"tables\"] for l in lv.values()) + d[\"deposited\"])
v = [v for v in d[\"vmas\"] if int(v[\"start\"], 16) <= $ADDR < int(v[\"end\"], 16)][0]
assert v[\"pte_entries\"] >= 1024 and 3 <= v[\"pte_tables\"] <= 6, v
assert sum(v[\"pte_tables\"] for v in d[\"vmas\"]) == lv[\"pte\"][\"tables\"]'"

check "pgtables --shared and --all --json: objects and processes" \
	bash -c "$VMI pgtables --shared --json | json '
assert d[\"processes\"][\"scanned\"] > 0
for o in d[\"objects\"]:
    assert o[\"mappers\"] >= 2 and len(o[\"pids\"]) == o[\"mappers\"], o
    assert o[\"saved_by_sharing\"] <= o[\"bytes\"] and o[\"inode\"] > 0, o
b = [o[\"bytes\"] for o in d[\"objects\"]]
assert b == sorted(b, reverse=True)' &&
		$VMI pgtables --all --top 100 --json | json '
t = d[\"top\"]
assert t and [p[\"bytes\"] for p in t] == sorted((p[\"bytes\"] for p in t), reverse=True)
assert $TARGET in [p[\"pid\"] for p in t]
assert d[\"system\"][\"page_tables\"] > 0'"

ktap_finished

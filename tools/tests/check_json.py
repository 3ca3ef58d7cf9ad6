#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Checks the JSON of "test_host --render WHAT" (sample data of
# tests/test_host.c; "test_huge --render huge|huge-all" for huge) against
# the documented shape of walk, translate, maps and huge --json.
# Usage: test_host --render WHAT | check_json.py WHAT
# Exits 0 when it matches, else prints what differs and exits 1.

import json
import sys

HEX = "0x"


def is_hex(v):
    return isinstance(v, str) and v.startswith(HEX) and int(v, 16) >= 0


def check_walk(d):
    assert set(d) == {"pid", "start", "end", "extents"}, d.keys()
    assert d["pid"] == 42 and d["start"] == "0x0"
    assert d["end"] == "0x7ffffffff000"
    ex = d["extents"]
    assert len(ex) == 5
    for e in ex:
        assert is_hex(e["start"]) and is_hex(e["end"])
        assert int(e["start"], 16) < int(e["end"], 16)
        assert e["page_size"] in (None, 4096, 2097152, 1073741824)
        assert e["level"] in (None, "pte", "pmd", "pud")
        assert isinstance(e["flags"], list) and isinstance(e["attrs"], list)
        assert isinstance(e["thp"], bool) and isinstance(e["hugetlb"], bool)
        assert ("swap" in e) == (e["kind"] == "swap")
    assert [e["kind"] for e in ex] == ["present", "present", "swap", "none",
                                       "present"]
    assert ex[0]["pfn"] == 0x1a2b3 and ex[0]["flags"] == [
        "present", "user", "accessed"]
    assert ex[1]["page_size"] == 2097152 and ex[1]["level"] == "pmd"
    assert ex[1]["thp"] and not ex[1]["hugetlb"] and "huge" in ex[1]["flags"]
    assert ex[2]["swap"] == {"type": 1, "offset": 42} and ex[2]["pfn"] is None
    assert ex[3]["page_size"] is None and ex[3]["level"] is None
    assert ex[4]["pfn"] is None and ex[4]["hugetlb"]
    assert ex[4]["flags"][-1] == "bit40" and "pfn_hidden" in ex[4]["attrs"]


def check_translate(d, root):
    assert d["pid"] == 42 and d["va"] == "0x7f0000001234"
    assert [lv["level"] for lv in d["levels"]] == ["pgd", "p4d", "pud",
                                                  "pmd", "pte"]
    for lv in d["levels"]:
        assert set(lv) == {"level", "index", "entry", "table_pa"}
        assert isinstance(lv["index"], int) and 0 <= lv["index"] < 512
        assert is_hex(lv["entry"]) and len(lv["entry"]) <= 18
        assert is_hex(lv["table_pa"]) if root else lv["table_pa"] is None
    assert d["page_size"] == 4096 and d["kind"] == "present"
    assert d["leaf_level"] == "pte"
    if root:
        assert d["pfn"] == 0x1a2b3 and d["pa"] == "0x1a2b3234"
    else:
        assert d["pfn"] is None and d["pa"] is None
    assert "present" in d["flags"] and "nx" in d["flags"]
    assert d["vma"] == {"start": "0x7f0000000000", "end": "0x7f0000021000",
                        "perms": "rw-p",
                        "flags": ["read", "write", "hugepage", "anon"]}


def check_translate_unmapped(d):
    assert d["levels"] == [] and d["vma"] is None
    assert d["pfn"] is None and d["pa"] is None and d["page_size"] is None
    assert d["kind"] == "none" and d["flags"] == []


def check_maps(d, pt):
    assert d["pid"] == 42
    for v in d["vmas"]:
        for k in ("start", "end", "perms", "name", "rss", "swap", "thp",
                  "bytes_by_page_size"):
            assert k in v, k
        assert set(v["bytes_by_page_size"]) == {"4096", "2097152",
                                                "1073741824"}
        assert len(v["perms"]) == 4
    if not pt:
        assert d["page_tables"] is None and len(d["vmas"]) == 1
        return
    assert len(d["vmas"]) == 3
    assert d["vmas"][1]["name"] == "" and d["vmas"][1]["thp"] == 4 << 20
    assert d["vmas"][2]["bytes_by_page_size"]["1073741824"] == 1 << 30
    assert d["vmas"][2]["perms"] == "rw-s"
    assert d["page_tables"] == {"pte": 3, "pmd": 2, "pud": 2, "p4d": 0,
                                "pgd": 1, "bytes": 32768}
    assert d["page_table_entries"]["pte"] == 7
    t = d["totals"]
    assert t["vmas"] == 3 and t["virtual"] == 0x2000 + (2 << 30)
    assert t["rss"] == sum(v["rss"] for v in d["vmas"])


BYTES_KEYS = {"4k", "thp_pmd", "thp_pte", "hugetlb_2m", "hugetlb_1g"}


def check_huge(d):
    for k in ("pid", "rss", "bytes", "tlb_entries", "vmas"):
        assert k in d, k
    assert d["pid"] == 42 and d["rss"] == sum(v["rss"] for v in d["vmas"])
    assert BYTES_KEYS <= set(d["bytes"])
    assert set(d["tlb_entries"]) >= {"now", "best"}
    for v in d["vmas"]:
        assert is_hex(v["start"]) and is_hex(v["end"])
        assert BYTES_KEYS <= set(v["bytes"])
        assert all(isinstance(x, int) for x in v["bytes"].values())
        for a in v["advice"]:
            assert set(a) >= {"reason", "fix"} and a["fix"]
    reasons = [[a["reason"] for a in v["advice"]] for v in d["vmas"]]
    assert reasons == [[], ["madv_nohugepage"], ["too_small"],
                       ["unaligned"]], reasons
    assert d["advice_summary"] == {"madv_nohugepage": 1, "too_small": 1,
                                   "unaligned": 1}


def check_huge_all(d):
    assert [p["pid"] for p in d["top"]] == [100, 101]
    assert d["top"][0]["not_huge"] == 64 << 20
    assert d["top"][1]["not_huge"] == 2 << 20
    assert BYTES_KEYS <= set(d["top"][0]["bytes"])
    assert d["processes"]["scanned"] == 10
    p = d["hugetlb_pools"]
    assert [x["page_size"] for x in p] == [2 << 20, 1 << 30]
    assert p[0]["nodes"][0]["free"] == 10
    assert d["thp"]["events"]["thp_fault_alloc"] == 12
    f = d["fragmentation"]
    assert f["free_2m_blocks"] == 100
    assert f["zones"][0]["zone"] == "Normal"
    assert f["zones"][0]["free_2m_blocks"] == 100


def main():
    what = sys.argv[1]
    d = json.load(sys.stdin)
    checks = {
        "walk": lambda: check_walk(d),
        "translate": lambda: check_translate(d, True),
        "translate-hidden": lambda: check_translate(d, False),
        "translate-unmapped": lambda: check_translate_unmapped(d),
        "maps": lambda: check_maps(d, True),
        "maps-nopt": lambda: check_maps(d, False),
        "huge": lambda: check_huge(d),
        "huge-all": lambda: check_huge_all(d),
    }
    try:
        checks[what]()
    except AssertionError as e:
        import traceback
        traceback.print_exc()
        print(f"check_json {what}: mismatch {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a rendered "vminspect maps PID --svg" picture against the bytes of
"vminspect huge PID --json".

    svg_pixels.py PICTURE.svg PICTURE.png HUGE.json

PICTURE.png is PICTURE.svg rendered by a real SVG renderer (rsvg-convert).
The SVG gives where each VMA's band is (its group "vma-0xSTART" and the
rectangles in it) and the legend's colour of each kind; the pixels of the
PNG inside a band are counted by colour and compared with the VMA's bytes of
each kind in the JSON: the share of a band's pixels in a kind's colour must
be that kind's share of the VMA's bytes, within two pixel columns of the
band (a segment's two edges snap to whole pixels) plus 0.5% of its area.
The same sums over all bands, each band's pixel shares times the VMA's
bytes, must give the process's totals of the JSON within the sum of those
tolerances over the bands that show the kind or should.  Every VMA of the JSON must have its band, and no band may hold
a pixel of another colour than the kinds'.

Standard library only: a small PNG decoder (8-bit RGB or RGBA, not
interlaced) is included.  Prints a line per band and kind that fails and
one summary line; exits 0 when everything agrees, 1 otherwise, 2 on bad
input.
"""
import json
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

NS = "{http://www.w3.org/2000/svg}"
# "vminspect huge --json" byte keys of the kinds, in the picture's order;
# "other" (resident, none of these) and "none" (the rest) are derived
KINDS = ["4k", "thp_pmd", "thp_pte", "hugetlb_2m", "hugetlb_1g", "other",
         "swap", "none"]


def png_read(path, last_row):
    """Rows 0..last_row of an 8-bit RGB(A) PNG: (width, bpp, [bytes])."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("PNG not 8-bit RGB/RGBA non-interlaced")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(min(h, last_row + 1)):
        f = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif f == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, prev))
        elif f == 3:
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + pr) & 255
        elif f != 0:
            raise ValueError("bad PNG filter %d" % f)
        rows.append(bytes(row))
        prev = row
    return w, bpp, rows


def rgb(color):
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def main():
    if len(sys.argv) != 4:
        print("usage: svg_pixels.py PICTURE.svg PICTURE.png HUGE.json",
              file=sys.stderr)
        return 2
    svg = ET.parse(sys.argv[1]).getroot()
    huge = json.load(open(sys.argv[3]))

    legend = svg.find(".//%sg[@id='legend']" % NS).findall(NS + "rect")
    colors = [rgb(r.get("fill")) for r in legend]
    if len(colors) != len(KINDS) or len(set(colors)) != len(KINDS):
        print("legend: want %d distinct colours, got %s" % (len(KINDS), colors))
        return 1
    bands = {}
    for g in svg.iter(NS + "g"):
        if g.get("class") != "vma":
            continue
        rects = [r for r in g if r.tag == NS + "rect"]
        x0 = min(float(r.get("x")) for r in rects)
        x1 = max(float(r.get("x")) + float(r.get("width")) for r in rects)
        y0 = int(rects[0].get("y"))
        y1 = y0 + int(rects[0].get("height"))
        bands[int(g.get("id")[4:], 16)] = (round(x0), round(x1), y0, y1)
    if not bands:
        print("no bands in the picture")
        return 1
    w, bpp, rows = png_read(sys.argv[2], max(b[3] for b in bands.values()))

    fails = 0
    want_total = [0] * len(KINDS)
    got_total = [0.0] * len(KINDS)
    tol_total = [0.0] * len(KINDS)
    for v in huge["vmas"]:
        start, end = int(v["start"], 16), int(v["end"], 16)
        b = v["bytes"]
        want = [b["4k"], b["thp_pmd"], b["thp_pte"], b["hugetlb_2m"],
                b["hugetlb_1g"], max(v["rss"] - b["4k"] - b["thp_pmd"] -
                                     b["thp_pte"], 0), v["swap"]]
        size = max(end - start, sum(want))
        want.append(size - sum(want))
        if start not in bands:
            print("VMA 0x%x-0x%x has no band" % (start, end))
            fails += 1
            continue
        x0, x1, y0, y1 = bands.pop(start)
        counts = [0] * len(KINDS)
        stray = 0
        for y in range(y0, y1):
            row = rows[y]
            for x in range(x0, x1):
                px = tuple(row[x * bpp:x * bpp + 3])
                if px in colors:
                    counts[colors.index(px)] += 1
                else:
                    stray += 1
        area = (x1 - x0) * (y1 - y0)
        if stray:
            print("0x%x: %d of %d pixels in no kind's colour" % (start, stray, area))
            fails += 1
        tol = 2 * (y1 - y0) + 0.005 * area
        for k, name in enumerate(KINDS):
            exp = area * want[k] / size
            want_total[k] += want[k]
            got_total[k] += counts[k] * size / area
            if want[k] or counts[k]:
                tol_total[k] += tol * size / area
            if abs(counts[k] - exp) > tol:
                print("0x%x %s: %d pixels, want %.1f of %d (%d of %d bytes)"
                      % (start, name, counts[k], exp, area, want[k], size))
                fails += 1
    for start in bands:
        print("band 0x%x is in no VMA of the JSON" % start)
        fails += 1
    t = huge["bytes"]
    for k, name in enumerate(KINDS[:5]):
        if want_total[k] != t[name]:
            print("%s: the VMAs sum to %d, the JSON total is %d"
                  % (name, want_total[k], t[name]))
            fails += 1
    for k, name in enumerate(KINDS):
        if abs(got_total[k] - want_total[k]) > tol_total[k]:
            print("%s: the pixels say %.0f bytes, the JSON %d (tolerance %.0f)"
                  % (name, got_total[k], want_total[k], tol_total[k]))
            fails += 1
    print("%d VMAs, %d mismatches; by kind, JSON bytes vs pixels: %s" % (
        len(huge["vmas"]), fails,
        ", ".join("%s %d/%.0f" % (n, want_total[k], got_total[k])
                  for k, n in enumerate(KINDS))))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

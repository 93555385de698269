#!/usr/bin/env python3
"""Statistics of raw rasters for the bench scripts (prints one JSON object).

Inputs are ENVI band-sequential Float32 files (gdal_translate -of ENVI -ot
Float32 -co INTERLEAVE=BSQ); pixels equal to the header's "data ignore value"
or not finite are missing. Uses numpy when it is importable, else plain Python
(slower: `seams` then reads only a central window, reported in the output).

  raster_stats.py mae A.bin B.bin
      mean absolute difference over the pixels present in both (all bands).
  raster_stats.py seams SR.bin --tile T --overlap O [--scale 3]
      SPEC 6 tile-seam ratio of an lssr-upscale output made with --tile T
      --overlap O (input pixels): the mean absolute difference between
      neighbouring pixels across the output positions of tile edges, divided
      by the same mean inside tiles (away from edges and overlaps), as the
      suite's seam test computes it. seam_ratio_same_phase divides by the mean
      over inside positions on input pixel borders only, where every tile edge
      lies: interpolation alone makes those differ from the rest.
"""
import argparse
import array
import json
import math
import os
import sys

try:
    import numpy as np
except ImportError:  # plain-Python fallback
    np = None

CHUNK_ROWS = 256
PURE_PYTHON_WINDOW = 1152  # output pixels per side read without numpy


def header(path):
    """Size, band count and nodata from the ENVI .hdr beside a raw file."""
    hdr = os.path.splitext(path)[0] + ".hdr"
    fields = {}
    with open(hdr) as f:
        for line in f:
            if "=" in line:
                key, value = line.split("=", 1)
                fields[key.strip().lower()] = value.strip()
    if fields.get("data type") != "4" or fields.get("interleave", "bsq").lower() != "bsq":
        sys.exit(f"raster_stats.py: {path}: not Float32 band-sequential ENVI")
    nodata = fields.get("data ignore value")
    return (int(fields["samples"]), int(fields["lines"]), int(fields["bands"]),
            float(nodata) if nodata not in (None, "") else None)


def read_rows(path, width, height, band, r0, r1, c0=0, c1=None):
    """Rows r0..r1-1 (columns c0..c1-1) of one band, as a 2-D numpy array or a list of arrays."""
    c1 = width if c1 is None else c1
    offset = 4 * (band * height + r0) * width
    if np is not None:
        data = np.fromfile(path, dtype="<f4", count=(r1 - r0) * width, offset=offset)
        return data.reshape(r1 - r0, width)[:, c0:c1].astype(np.float64)
    rows = []
    with open(path, "rb") as f:
        for r in range(r0, r1):
            f.seek(4 * ((band * height + r) * width + c0))
            a = array.array("f")
            a.frombytes(f.read(4 * (c1 - c0)))
            if sys.byteorder != "little":
                a.byteswap()
            rows.append(a)
    return rows


def valid(v, nodata):
    return math.isfinite(v) and (nodata is None or v != nodata)


def mae(a_path, b_path):
    wa, ha, na, nda = header(a_path)
    wb, hb, nb, ndb = header(b_path)
    if (wa, ha, na) != (wb, hb, nb):
        sys.exit(f"raster_stats.py: {a_path} ({wa}x{ha}x{na}) and {b_path} ({wb}x{hb}x{nb}) differ in size")
    total, count = 0.0, 0
    for band in range(na):
        for r0 in range(0, ha, CHUNK_ROWS):
            r1 = min(ha, r0 + CHUNK_ROWS)
            a = read_rows(a_path, wa, ha, band, r0, r1)
            b = read_rows(b_path, wb, hb, band, r0, r1)
            if np is not None:
                ok = np.isfinite(a) & np.isfinite(b)
                if nda is not None: ok &= a != nda
                if ndb is not None: ok &= b != ndb
                total += float(np.abs(a - b)[ok].sum())
                count += int(ok.sum())
            else:
                for ra, rb in zip(a, b):
                    for x, y in zip(ra, rb):
                        if valid(x, nda) and valid(y, ndb):
                            total += abs(x - y)
                            count += 1
    return {"mae": total / count if count else None, "pixels": count}


def axis_classes(size_out, tile, overlap, scale):
    """Per output position: 1 = tile edge, 2 = inside an overlap, 0 = inside one
    tile across an input pixel border, 3 = inside one tile within an input pixel.

    lssr-upscale lays tiles every tile - overlap input pixels and shifts the
    last one back to end at the scene edge. Tile edges always fall on input
    pixel borders (output positions that are multiples of `scale`), where any
    interpolation alone differs from within an input pixel, so the edges are
    also compared with the inside positions of that phase.
    """
    size_in = size_out // scale
    step = tile - overlap
    offsets, o = [], 0
    while True:
        if o + tile >= size_in:
            offsets.append(max(size_in - tile, 0))
            break
        offsets.append(o)
        o += step
    cls = [0 if k % scale == 0 else 3 for k in range(size_out)]
    for i in range(1, len(offsets)):
        for k in range(scale * offsets[i], min(scale * (offsets[i - 1] + tile), size_out - 1) + 1):
            cls[k] = 2
    for i, o in enumerate(offsets):
        if i > 0:
            cls[scale * o] = 1
        if i + 1 < len(offsets) and scale * (o + tile) < size_out:
            cls[scale * (o + tile)] = 1
    return cls


def seams(path, tile, overlap, scale):
    width, height, bands, nodata = header(path)
    cols = axis_classes(width, tile, overlap, scale)
    rows = axis_classes(height, tile, overlap, scale)
    sums = {1: 0.0, 0: 0.0, 3: 0.0}
    counts = {1: 0, 0: 0, 3: 0}
    if np is not None:
        window = [0, 0, width, height]
        col_cls = np.array(cols[1:])
        for band in range(bands):
            prev = None
            for r0 in range(0, height, CHUNK_ROWS):
                r1 = min(height, r0 + CHUNK_ROWS)
                x = read_rows(path, width, height, band, r0, r1)
                if nodata is not None:
                    x[x == nodata] = np.nan
                # Differences along rows (across column positions 1..W-1).
                d = np.abs(x[:, 1:] - x[:, :-1])
                for c in (0, 1, 3):
                    sel = d[:, col_cls == c]
                    ok = np.isfinite(sel)
                    sums[c] += float(sel[ok].sum()); counts[c] += int(ok.sum())
                # Differences down columns (across row positions r0..r1-1, first one needs the row before).
                stack = x if prev is None else np.vstack([prev, x])
                first = r0 if prev is None else r0 - 1
                dv = np.abs(stack[1:] - stack[:-1])
                row_cls = np.array(rows[first + 1:r1])
                for c in (0, 1, 3):
                    sel = dv[row_cls == c]
                    ok = np.isfinite(sel)
                    sums[c] += float(sel[ok].sum()); counts[c] += int(ok.sum())
                prev = x[-1:]
    else:
        w = min(width, PURE_PYTHON_WINDOW)
        h = min(height, PURE_PYTHON_WINDOW)
        c0, r0 = (width - w) // 2, (height - h) // 2
        window = [c0, r0, w, h]
        for band in range(bands):
            block = read_rows(path, width, height, band, r0, r0 + h, c0, c0 + w)
            for i, row in enumerate(block):
                for j in range(1, w):
                    c = cols[c0 + j]
                    if c != 2 and valid(row[j], nodata) and valid(row[j - 1], nodata):
                        sums[c] += abs(row[j] - row[j - 1]); counts[c] += 1
                if i > 0:
                    c = rows[r0 + i]
                    if c != 2:
                        above = block[i - 1]
                        for j in range(w):
                            if valid(row[j], nodata) and valid(above[j], nodata):
                                sums[c] += abs(row[j] - above[j]); counts[c] += 1
    seam = sums[1] / counts[1] if counts[1] else None
    inner = sums[0] / counts[0] if counts[0] else None
    inner_all = (sums[0] + sums[3]) / (counts[0] + counts[3]) if counts[0] + counts[3] else None
    return {"seam_ratio": seam / inner_all if seam is not None and inner_all else None,
            "seam_ratio_same_phase": seam / inner if seam is not None and inner else None,
            "seam_mean_abs_diff": seam, "inner_mean_abs_diff": inner_all,
            "seam_pairs": counts[1], "inner_pairs": counts[0] + counts[3],
            "window": window, "numpy": np is not None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("mae")
    m.add_argument("a")
    m.add_argument("b")
    s = sub.add_parser("seams")
    s.add_argument("raw")
    s.add_argument("--tile", type=int, required=True)
    s.add_argument("--overlap", type=int, required=True)
    s.add_argument("--scale", type=int, default=3)
    args = parser.parse_args()
    if args.command == "mae":
        print(json.dumps(mae(args.a, args.b)))
    else:
        print(json.dumps(seams(args.raw, args.tile, args.overlap, args.scale)))


if __name__ == "__main__":
    main()

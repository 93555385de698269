#!/usr/bin/python3
"""Cuts the real training scenes of data/real-train/ (self-supervised pairs,
lssr-tile --self-pairs) from the project's shared real-imagery folder; run
once, the outputs are committed. Nothing here overlaps bench/data/real/: the
Brandenburg cut ends 30 columns west of the bench's window, the BigEarthNet
patches are the twelve the bench does not use, and the Landsat 5 / 7 cuts are
the rows of the ukis-csmask archives below the bench's windows. The csmask
Sentinel-2 archive is cut too but kept out of the default model's recipe: it is
the scene of the fine-tuning experiment (bench/finetune-bench.sh).

Same encoding as bench/data/make-real-scenes.py (whose writers this reuses):
6-band Int16 reflectance x 10000, nodata -9999, sides multiples of 3.

usage: scripts/make-real-training-scenes.py SOURCE_DIR OUT_DIR
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("real_scenes", os.path.join(HERE, "..", "bench", "data", "make-real-scenes.py"))
real = importlib.util.module_from_spec(spec)
spec.loader.exec_module(real)

BENCH_PATCHES = {"S2B_MSIL2A_20170924T93020_69_24", "S2A_MSIL2A_20171221T112501_56_35"}


def main(src, out):
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)
    s2 = "s2-brandenburg-l1c/T33UUU_20170216T102101_"
    # Rows 0-599, columns 0-1049: west of the bench's window (columns 1080-1379).
    real.sentinel2(src, [s2 + b + ".jp2" for b in ("B02", "B03", "B04", "B08", "B11", "B12")],
                   p("s2-brandenburg-west-20170216.tif"), 0, 0, 600, 1050, s2 + "{B02,B03,B04,B08,B11,B12}.jp2")
    for patch in sorted(os.listdir(os.path.join(src, "bigearthnet-s2-l2a"))):
        if patch in BENCH_PATCHES or not patch.startswith("S2"):
            continue
        date = patch.split("_")[2][:8]
        d = f"bigearthnet-s2-l2a/{patch}/{patch}_"
        real.sentinel2(src, [d + b + ".tif" for b in ("B02", "B03", "B04", "B08", "B11", "B12")],
                       p(f"s2-ben-{patch.split('_', 3)[3].replace('_', '-')}-{date}.tif"), 0, 0, 120, 120,
                       d + "{B02,B03,B04,B08,B11,B12}.tif")
    # ukis-csmask: below the bench windows (Landsat 5 rows 80-319, Landsat 7 rows 0-239).
    csmask_rows("landsat5.npz", p("l5-csmask-south.tif"), 321, 510, 500010.0, 5000010.0 - 321 * 30)
    csmask_rows("landsat7.npz", p("l7-csmask-south.tif"), 240, 510, 520020.0, 5000010.0 - 240 * 30)
    csmask_rows("sentinel2.npz", p("s2-csmask.tif"), 0, 390, 540000.0, 5000010.0, pixel=10.0, width=390)


def csmask_rows(name, out, row0, row1, origin_x, origin_y, pixel=30.0, width=510):
    import numpy as np
    from osgeo import osr
    img = np.load(os.path.join(SRC, "csmask-s2-l5-l7", name))["img"]
    h = (row1 - row0) // 3 * 3
    refl = np.transpose(img[row0:row0 + h, 0:width], (2, 0, 1)).astype(np.float64)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)  # arbitrary: the archives carry no georeferencing
    real.write(out, refl, (origin_x, pixel, 0, origin_y, 0, -pixel), srs.ExportToWkt(), "csmask-s2-l5-l7/" + name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    SRC = sys.argv[1]
    main(sys.argv[1], sys.argv[2])

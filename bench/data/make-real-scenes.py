#!/usr/bin/python3
"""Cuts the real scenes of bench/data/real/ from the source files listed in
bench/data/real/README.md (run once; the outputs are committed).

Every output is a 6-band GeoTIFF (blue, green, red, nir, swir1, swir2) of
Int16 reflectance x 10000 (scale 0.0001, nodata -9999), DEFLATE, whose width
and height are multiples of 3 (Wald's protocol degrades them 3x).

Needs numpy and GDAL's Python bindings (Debian: python3-numpy, python3-gdal;
run with /usr/bin/python3 where a pyenv python3 lacks them).

usage: bench/data/make-real-scenes.py SOURCE_DIR OUT_DIR
  SOURCE_DIR: the folder holding landsat8-india/, landsat8-amazon/, ...
"""
import os
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
ROLES = ["blue", "green", "red", "nir", "swir1", "swir2"]
NODATA = -9999


def write(path, refl, geotransform, wkt, source):
    """refl: 6 x H x W float reflectance, NaN = nodata."""
    bands, h, w = refl.shape
    assert bands == 6 and h % 3 == 0 and w % 3 == 0, (path, refl.shape)
    dn = np.where(np.isnan(refl), NODATA, np.clip(np.round(refl * 10000), -2000, 32767)).astype(np.int16)
    tmp = path + ".tmp.tif"
    ds = gdal.GetDriverByName("GTiff").Create(tmp, w, h, 6, gdal.GDT_Int16,
                                              ["COMPRESS=DEFLATE", "PREDICTOR=2", "ZLEVEL=9"])
    ds.SetGeoTransform(geotransform)
    ds.SetProjection(wkt)
    ds.SetMetadataItem("LSSR_REAL_SOURCE", source)
    for i, role in enumerate(ROLES):
        b = ds.GetRasterBand(i + 1)
        b.SetDescription(role)
        b.SetScale(0.0001)
        b.SetOffset(0.0)
        b.SetNoDataValue(NODATA)
        b.WriteArray(dn[i])
    ds = None
    os.replace(tmp, path)
    print(f"{path}: {w}x{h}, {os.path.getsize(path) // 1024} KiB")


def crop(ds_or_array, row, col, h, w):
    return ds_or_array[..., row:row + h, col:col + w]


def shifted(gt, row, col):
    return (gt[0] + col * gt[1], gt[1], gt[2], gt[3] + row * gt[5], gt[4], gt[5])


def landsat_file(src, name, out, scale, offset, nodata, row, col, h, w, bands=range(6)):
    ds = gdal.Open(os.path.join(src, name))
    a = ds.ReadAsArray().astype(np.float64)[list(bands)]
    refl = a * scale + offset
    if nodata is not None:
        refl[a == nodata] = np.nan
    write(out, crop(refl, row, col, h, w), shifted(ds.GetGeoTransform(), row, col), ds.GetProjection(), name)


def sentinel2(src, files, out, row, col, h, w, source):
    """files: six band files in role order; the 20 m ones are resampled
    bilinearly onto the first (10 m) file's grid."""
    ref = gdal.Open(os.path.join(src, files[0]))
    gt, wkt = ref.GetGeoTransform(), ref.GetProjection()
    x0, y0 = gt[0] + col * gt[1], gt[3] + row * gt[5]
    out_bounds = (x0, y0 + h * gt[5], x0 + w * gt[1], y0)
    planes = []
    for f in files:
        warped = gdal.Warp("", os.path.join(src, f), format="MEM", outputBounds=out_bounds,
                           xRes=gt[1], yRes=-gt[5], resampleAlg="bilinear", outputType=gdal.GDT_Float32)
        planes.append(warped.ReadAsArray())
    refl = np.stack(planes) / 10000.0
    refl[np.stack(planes) == 0] = np.nan  # Sentinel-2 no-data is DN 0
    write(out, refl, (x0, gt[1], 0, y0, 0, gt[5]), wkt, source)


def csmask(src, name, out, row, col, size, origin_x, origin_y):
    img = np.load(os.path.join(src, "csmask-s2-l5-l7", name))["img"]  # H x W x 6 reflectance
    refl = np.transpose(img[row:row + size, col:col + size], (2, 0, 1)).astype(np.float64)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)  # arbitrary: the archives carry no georeferencing
    write(out, refl, (origin_x, 30.0, 0, origin_y, 0, -30.0), srs.ExportToWkt(), "csmask-s2-l5-l7/" + name)


def main(src, out):
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)
    # Landsat 8 C2 L2SP: DN * 0.0000275 - 0.2 (USGS), bands B2..B7 then QA_PIXEL.
    landsat_file(src, "landsat8-india/LC08_L2SP_143054_20230213_20230218_02_T1_SR.tif",
                 p("l8-tamilnadu-20230213.tif"), 0.0000275, -0.2, 0, 0, 0, 174, 174)
    # scikit-eo's Landsat 8 surface reflectance: x 10000 (Rondonia with nodata -9999).
    landsat_file(src, "landsat8-amazon/LC08_232066_20190727.tif", p("l8-rondonia-20190727.tif"),
                 1e-4, 0.0, -9999, 0, 0, 234, 318)
    landsat_file(src, "landsat8-amazon/LC08_003069_20180906_clip.tif", p("l8-madrededios-20180906.tif"),
                 1e-4, 0.0, None, 1, 1, 102, 108)
    # Sentinel-2 L1C TOA reflectance x 10000: a 3 km cut with a lake, river and villages.
    s2 = "s2-brandenburg-l1c/T33UUU_20170216T102101_"
    sentinel2(src, [s2 + b + ".jp2" for b in ("B02", "B03", "B04", "B08", "B11", "B12")],
              p("s2-brandenburg-20170216.tif"), 240, 1080, 300, 300, s2 + "{B02,B03,B04,B08,B11,B12}.jp2")
    # BigEarthNet Sentinel-2 L2A patches (120x120 at 10 m).
    for patch, name in (("S2B_MSIL2A_20170924T93020_69_24", "s2-ben-forest-water-20170924.tif"),
                        ("S2A_MSIL2A_20171221T112501_56_35", "s2-ben-farmland-20171221.tif")):
        d = f"bigearthnet-s2-l2a/{patch}/{patch}_"
        sentinel2(src, [d + b + ".tif" for b in ("B02", "B03", "B04", "B08", "B11", "B12")],
                  p(name), 0, 0, 120, 120, d + "{B02,B03,B04,B08,B11,B12}.tif")
    # ukis-csmask Landsat 5 / 7 archives: 240x240 cuts with the least bright cloud.
    csmask(src, "landsat5.npz", p("l5-csmask.tif"), 80, 48, 240, 500010.0, 5000010.0)
    csmask(src, "landsat7.npz", p("l7-csmask.tif"), 0, 0, 240, 520020.0, 5000010.0)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

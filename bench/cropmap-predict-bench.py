#!/usr/bin/env python3
"""Pixels per second and peak memory of cropmap-predict, beside the xgboost
command-line program (Debian package xgboost) on the same model and pixels.

It generates a two-date scene of three well-separated crops (Float32
reflectance, so the features of a pixel are exactly what is written), fits a
model with cropmap-fit, then:
  * times cropmap-predict on the scene at three sizes (the base tile, 2x2 and
    4x4 mosaics of it as VRTs) and records its peak RSS: memory must stay flat;
  * writes the base scene's features as LibSVM text and times
    `xgboost task=pred` with the model's XGBoost part, checking that both
    programs pick the same class for every pixel.
Prints one JSON document on stdout. Uses only python3's standard library and
the GDAL command-line tools; the cropmap tools come from --tools (default
build/apps) or PATH.

usage: bench/cropmap-predict-bench.py [--size 512] [--rounds 100] [--threads 2]
                                      [--tools build/apps] [--keep DIR]
"""
import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

# Reflectance blue..swir2 of each class on the two dates (corn, soybeans, grass).
SPECTRA = {
    1: [[0.04, 0.07, 0.05, 0.42, 0.24, 0.12], [0.03, 0.06, 0.04, 0.52, 0.21, 0.09]],
    5: [[0.06, 0.09, 0.10, 0.26, 0.30, 0.20], [0.03, 0.07, 0.04, 0.46, 0.20, 0.10]],
    176: [[0.08, 0.10, 0.12, 0.22, 0.28, 0.22], [0.07, 0.09, 0.11, 0.24, 0.29, 0.23]],
}
FIELD_PX = 15
PIXEL = 10.0
ORIGIN = (500000.0, 4200000.0)

# Runs a command and reports its exit status, wall time, CPU time and peak RSS (KiB):
# a fresh interpreter per command, so RUSAGE_CHILDREN covers that command only.
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"rc": rc, "seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
           "peak_rss_kib": usage.ru_maxrss},
          open(sys.argv[1], "w"))
"""


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def field_code(row, col):
    codes = (1, 5, 176)
    return codes[(col // FIELD_PX + 2 * (row // FIELD_PX)) % 3]


def write_raw_raster(path, size, bands_of_pixel, band_count, epsg=32615, data_type="Float32",
                     descriptions=None):
    """Writes band-interleaved-by-pixel raw data plus a VRT describing it, then a GeoTIFF."""
    raw = path + ".raw"
    fmt = "<" + ("f" if data_type == "Float32" else "B") * band_count
    with open(raw, "wb") as out:
        for row in range(size):
            out.write(b"".join(struct.pack(fmt, *bands_of_pixel(row, col)) for col in range(size)))
    item = 4 if data_type == "Float32" else 1
    bands = []
    for b in range(band_count):
        desc = f"<Description>{descriptions[b]}</Description>" if descriptions else ""
        bands.append(
            f'<VRTRasterBand dataType="{data_type}" band="{b + 1}" subClass="VRTRawRasterBand">{desc}'
            f"<SourceFilename relativeToVRT=\"1\">{os.path.basename(raw)}</SourceFilename>"
            f"<ImageOffset>{b * item}</ImageOffset><PixelOffset>{band_count * item}</PixelOffset>"
            f"<LineOffset>{band_count * item * size}</LineOffset><ByteOrder>LSB</ByteOrder></VRTRasterBand>")
    vrt = path + ".raw.vrt"
    with open(vrt, "w") as out:
        out.write(f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}"><SRS>EPSG:{epsg}</SRS>'
                  f"<GeoTransform>{ORIGIN[0]}, {PIXEL}, 0, {ORIGIN[1]}, 0, {-PIXEL}</GeoTransform>"
                  + "".join(bands) + "</VRTDataset>")
    subprocess.run(["gdal_translate", "-q", "-co", "TILED=YES", vrt, path], check=True)
    os.remove(vrt)
    os.remove(raw)


def mosaic(path, tile, tile_size, factor):
    """A VRT repeating `tile` factor x factor times: a larger scene of the same pixels."""
    size = tile_size * factor
    bands = []
    for b in range(1, 7):
        sources = "".join(
            f"<SimpleSource><SourceFilename relativeToVRT=\"1\">{os.path.basename(tile)}</SourceFilename>"
            f"<SourceBand>{b}</SourceBand><SrcRect xOff=\"0\" yOff=\"0\" xSize=\"{tile_size}\" ySize=\"{tile_size}\"/>"
            f"<DstRect xOff=\"{i * tile_size}\" yOff=\"{j * tile_size}\" xSize=\"{tile_size}\" ySize=\"{tile_size}\"/>"
            "</SimpleSource>"
            for i in range(factor) for j in range(factor))
        bands.append(f'<VRTRasterBand dataType="Float32" band="{b}">{sources}</VRTRasterBand>')
    with open(path, "w") as out:
        out.write(f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}"><SRS>EPSG:32615</SRS>'
                  f"<GeoTransform>{ORIGIN[0]}, {PIXEL}, 0, {ORIGIN[1]}, 0, {-PIXEL}</GeoTransform>"
                  + "".join(bands) + "</VRTDataset>")


def measure(work, command):
    report = os.path.join(work, "measure.json")
    subprocess.run([sys.executable, "-c", MEASURE, report] + command, check=True)
    with open(report) as f:
        result = json.load(f)
    if result["rc"] != 0:
        raise SystemExit(f"bench: command failed ({result['rc']}): {' '.join(command)}")
    return result


def class_map_values(path):
    """Pixel values of a Byte raster, row-major, via gdal_translate to raw."""
    raw = path + ".bytes"
    subprocess.run(["gdal_translate", "-q", "-of", "ENVI", path, raw], check=True)
    with open(raw, "rb") as f:
        data = f.read()
    for suffix in ("", ".hdr", ".aux.xml"):
        if os.path.exists(raw + suffix):
            os.remove(raw + suffix)
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="side of the base scene in pixels")
    parser.add_argument("--rounds", type=int, default=100, help="boosting rounds of the model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--noise", type=float, default=0.05, help="reflectance noise (deeper trees)")
    parser.add_argument("--tools", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "apps"))
    parser.add_argument("--keep", help="work in this folder and keep it")
    args = parser.parse_args()

    tools = os.path.abspath(args.tools)
    env_path = tools + os.pathsep + os.environ.get("PATH", "")
    os.environ["PATH"] = env_path
    for tool in ("cropmap-fit", "cropmap-predict", "xgboost", "gdal_translate"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} not found (build the suite; apt-get install xgboost gdal-bin)")
    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="cropmap-bench-")
    os.makedirs(work, exist_ok=True)
    size, threads = args.size, str(args.threads)

    # 1. The base scene: two dates of Float32 reflectance, and its labels.
    rng = random.Random(42)
    values = {}
    for date in (0, 1):
        pixels = [[[f32(max(0.0, v + rng.gauss(0, args.noise))) for v in SPECTRA[field_code(r, c)][date]]
                   for c in range(size)] for r in range(size)]
        values[date] = pixels
        write_raw_raster(os.path.join(work, f"scene_2021062{6 + 2 * date}.tif"), size,
                         lambda r, c, p=pixels: p[r][c], 6,
                         descriptions=["blue", "green", "red", "nir", "swir1", "swir2"])
    write_raw_raster(os.path.join(work, "labels.tif"), size, lambda r, c: (field_code(r, c),), 1, data_type="Byte")
    images = [os.path.join(work, "scene_20210626.tif"), os.path.join(work, "scene_20210628.tif")]

    # 2. The model.
    model = os.path.join(work, "model.json")
    start = time.perf_counter()
    subprocess.run(["cropmap-fit", "-q", "--overwrite", "--threads", threads, "--rounds", str(args.rounds),
                    "--early-stopping", "0", "--labels", os.path.join(work, "labels.tif"), "-o", model] + images,
                   check=True)
    fit_seconds = time.perf_counter() - start
    with open(model) as f:
        document = json.load(f)
    meta = document["lssr_cropmap"]
    xgb_model = os.path.join(work, "xgboost-model.json")
    with open(xgb_model, "w") as f:
        json.dump(document["xgboost"], f)
    classes = [c["cdl"] for c in sorted(meta["classes"], key=lambda c: c["id"])]

    # 3. cropmap-predict at three scene sizes (memory must not grow with the scene).
    predict_runs = []
    for factor in (1, 2, 4):
        scene = images if factor == 1 else []
        if factor > 1:
            for i, image in enumerate(images):
                vrt = os.path.join(work, f"mosaic{factor}_{i}.vrt")
                mosaic(vrt, image, size, factor)
                scene.append(vrt)
        out = os.path.join(work, f"map{factor}.tif")
        run = measure(work, ["cropmap-predict", "-q", "--overwrite", "--threads", threads, "-m", model, "-o", out] + scene)
        pixels = (size * factor) ** 2
        predict_runs.append({"pixels": pixels, "seconds": round(run["seconds"], 3),
                             "pixels_per_second": round(pixels / run["seconds"]),
                             "cpu_seconds": round(run["cpu_seconds"], 3),
                             "pixels_per_cpu_second": round(pixels / run["cpu_seconds"]),
                             "peak_rss_mib": round(run["peak_rss_kib"] / 1024, 1)})

    # 4. The xgboost CLI on the base scene's pixels (features as cropmap computes them).
    libsvm = os.path.join(work, "pixels.libsvm")
    with open(libsvm, "w") as out:
        for r in range(size):
            lines = []
            for c in range(size):
                features = []
                for date in (0, 1):
                    rho = values[date][r][c]
                    ndvi = 0.0 if f32(rho[3] + rho[2]) == 0 else f32(f32(rho[3] - rho[2]) / f32(rho[3] + rho[2]))
                    features.extend(rho + [ndvi])
                lines.append("0 " + " ".join(f"{i}:{v:.9g}" for i, v in enumerate(features)))
            out.write("\n".join(lines) + "\n")
    conf = os.path.join(work, "pred.conf")
    with open(conf, "w") as f:
        f.write("task = pred\n")
    pred = os.path.join(work, "pred.txt")
    run = measure(work, ["xgboost", conf, f"model_in={xgb_model}", f"test:data={libsvm}?format=libsvm",
                         f"name_pred={pred}", f"nthread={threads}"])
    xgb_pixels = size * size
    xgboost_run = {"pixels": xgb_pixels, "seconds": round(run["seconds"], 3),
                   "pixels_per_second": round(xgb_pixels / run["seconds"]),
                   "cpu_seconds": round(run["cpu_seconds"], 3),
                   "pixels_per_cpu_second": round(xgb_pixels / run["cpu_seconds"]),
                   "peak_rss_mib": round(run["peak_rss_kib"] / 1024, 1),
                   "input_text_mib": round(os.path.getsize(libsvm) / 2**20, 1)}

    # Same classes from both programs?
    k = len(classes)
    with open(pred) as f:
        probabilities = [float(line) for line in f]
    ours = class_map_values(os.path.join(work, "map1.tif"))
    agree = 0
    for p in range(xgb_pixels):
        row = probabilities[p * k:(p + 1) * k]
        agree += classes[row.index(max(row))] == ours[p]

    base, largest = predict_runs[0], predict_runs[-1]
    result = {
        "scene": {"base_pixels": size * size, "dates": 2, "features": len(meta["features"]),
                  "classes": classes, "rounds": meta["rounds"], "threads": args.threads,
                  "fit_seconds": round(fit_seconds, 2)},
        "cropmap_predict": predict_runs,
        "xgboost_cli": xgboost_run,
        # Same pixels, same model; wall-clock and, for shared machines, CPU-time ratios.
        "speedup_vs_xgboost_cli": round(base["pixels_per_second"] / xgboost_run["pixels_per_second"], 2),
        "cpu_speedup_vs_xgboost_cli": round(base["pixels_per_cpu_second"] / xgboost_run["pixels_per_cpu_second"], 2),
        "class_agreement_with_xgboost_cli": round(agree / xgb_pixels, 6),
        "peak_rss_ratio_4x_scene": round(predict_runs[1]["peak_rss_mib"] / base["peak_rss_mib"], 3),
        "peak_rss_ratio_16x_scene": round(largest["peak_rss_mib"] / base["peak_rss_mib"], 3),
    }
    print(json.dumps(result, indent=2))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

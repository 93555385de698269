#!/usr/bin/env python3
"""Checks that the folders keep the architecture the CMake files declare.

Every library folder (a CMakeLists.txt calling lssr_library) and every tool
folder (apps/<tool>/libs.cmake) may include headers only from itself and from
the folders of the libraries it links, directly or through them; a library not
marked TORCH includes no LibTorch header, nor does a test folder other than
tests/sr; every library folder has a README.md.
Prints one line per violation and exits 1 if there is any.
"""
import os
import re
import sys

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
LIB_CALL = re.compile(r"lssr_library\(\s*(\w+)([^)]*)\)", re.S)
LINK_CALL = re.compile(r"target_link_libraries\(\s*\S+\s+(?:PUBLIC|PRIVATE)\s+([^)]*)\)", re.S)
INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:lib\w+|apps)/[^"]+)"', re.M)
TORCH_INCLUDE = re.compile(r"^\s*#\s*include\s+<(torch|ATen|c10)/", re.M)

folder_of = {}     # target -> folder (relative to root)
deps_of = {}       # target -> direct dependency targets
torch_targets = set()
problems = []

def words(text):
    return [w for w in re.split(r"\s+", text.replace("${", " ${")) if w and not w.startswith("${")]

for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = [d for d in dirnames if not d.startswith((".", "build")) and d not in ("tests", "data")]
    rel = os.path.relpath(dirpath, root)
    if "CMakeLists.txt" in filenames:
        text = open(os.path.join(dirpath, "CMakeLists.txt")).read()
        for m in LIB_CALL.finditer(text):
            target, rest = m.group(1), m.group(2)
            folder_of[target] = rel
            deps = rest.split("DEPENDS", 1)[1] if "DEPENDS" in rest else ""
            deps_of[target] = words(deps)
            if re.search(r"\bTORCH\b", rest.split("DEPENDS", 1)[0]):
                torch_targets.add(target)
            if "README.md" not in filenames:
                problems.append(f"{rel}: library folder without README.md")
    if rel.startswith("apps" + os.sep) and "main.cpp" in filenames:
        target = "tool:" + rel
        folder_of[target] = rel
        deps = ["lssr_app_common"]
        if "libs.cmake" in filenames:
            for m in LINK_CALL.finditer(open(os.path.join(dirpath, "libs.cmake")).read()):
                deps += words(m.group(1))
        deps_of[target] = deps

# apps/common is a library declared by hand in apps/CMakeLists.txt.
folder_of["lssr_app_common"] = "apps/common"
deps_of["lssr_app_common"] = ["lssr_io_gdal"]

def closure(target, seen=None):
    seen = set() if seen is None else seen
    for d in deps_of.get(target, []):
        if d in folder_of and d not in seen:
            seen.add(d)
            closure(d, seen)
    return seen

for target, folder in folder_of.items():
    allowed = {folder} | {folder_of[d] for d in closure(target)}
    path = os.path.join(root, folder)
    for name in sorted(os.listdir(path)):
        if not name.endswith((".cpp", ".hpp")):
            continue
        text = open(os.path.join(path, name)).read()
        for inc in INCLUDE.findall(text):
            inc_folder = os.path.dirname(inc)
            if inc_folder not in allowed:
                problems.append(f"{folder}/{name}: includes {inc}, but {target} does not link {inc_folder}")
        if target in folder_of and target.startswith("lssr_") and target not in torch_targets:
            if TORCH_INCLUDE.search(text):
                problems.append(f"{folder}/{name}: includes LibTorch, but {target} is a torch-free library")

# Test folders other than tests/sr build without LibTorch too.
tests_dir = os.path.join(root, "tests")
for folder in sorted(os.listdir(tests_dir)):
    path = os.path.join(tests_dir, folder)
    if folder in ("sr", "data") or not os.path.isdir(path):
        continue
    for name in sorted(os.listdir(path)):
        if name.endswith((".cpp", ".hpp")) and TORCH_INCLUDE.search(open(os.path.join(path, name)).read()):
            problems.append(f"tests/{folder}/{name}: includes LibTorch, but only tests/sr links it")

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f"layout: {len(folder_of)} folders, includes follow the declared dependencies")

#!/usr/bin/env python3
"""Side-by-side timing (hyperfine-style: warm-up run, then N timed runs, median and min) of
checksumming a generated workspace: the seed's recipe, sha256sum over every sealed file, and
`secfw generate-manifest` end to end.

usage: compare.py SECFW_BIN WORKGEN_BIN SIZE [RUNS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

secfw, workgen, size = sys.argv[1:4]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
now = "2026-11-24T09:00:00Z"

tmp = tempfile.mkdtemp(prefix="seal-compare-")
ws = os.path.join(tmp, "ws")
subprocess.run([workgen, size, ws, "--as-of", now], check=True, stdout=subprocess.DEVNULL)
files = sum(len(f) for _, _, f in os.walk(ws))
total = sum(os.path.getsize(os.path.join(d, x)) for d, _, f in os.walk(ws) for x in f)

cmds = {
    "seed recipe: find . -name '*.yaml' -o -name '*.md' | xargs sha256sum":
        "find . -name '*.yaml' -o -name '*.md' | xargs sha256sum > /dev/null",
    "find . -type f | xargs sha256sum (every sealed file)":
        "find . -type f -not -name 'handoff*' | xargs sha256sum > /dev/null",
    "secfw generate-manifest --no-git (parse + governance + hash + write)":
        f"{secfw} generate-manifest . --no-git --now {now} > /dev/null",
}


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, shell=True, cwd=ws, check=True)
    return time.perf_counter() - t


print(f"workspace {size}: {files} files, {total / 1e6:.1f} MB, {os.cpu_count()} CPUs, {runs} runs after 1 warm-up")
res = {}
for name, cmd in cmds.items():
    timed(cmd)
    ts = [timed(cmd) for _ in range(runs)]
    res[name] = statistics.median(ts)
    print(f"{statistics.median(ts) * 1000:9.1f} ms median  {min(ts) * 1000:9.1f} ms min   {name}")
shutil.rmtree(tmp)

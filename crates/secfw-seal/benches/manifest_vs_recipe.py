#!/usr/bin/env python3
"""`secfw generate-manifest` against the seed's `find | xargs sha256sum` recipe (issue 17).

Usage: manifest_vs_recipe.py WORKSPACE ROUNDS NAME=SECFW_BINARY... [floor=COMMAND]

Runs, in each round and alternated, `BINARY generate-manifest WORKSPACE --no-git --now
2026-11-24T12:00:00Z` for every NAME=BINARY given (e.g. before=... after=...), an optional
floor command (run with WORKSPACE as its working directory), and the recipe every third round
(it takes ten times longer). Prints, per command, the minimum and median wall time and CPU time
(user + system of the child). On a loaded machine compare the CPU times and the minima: wall
times then depend on the other processes.

The workspace of docs/PERFORMANCE.md §Sealing:
  secfw-workgen S S1G --as-of 2026-11-24T12:00:00Z
  python3 -c "import os; d='S1G/evidence/bulk'; os.makedirs(d, exist_ok=True); \
    [open(f'{d}/blob{i:04}.log','wb').write(os.urandom(1<<20)) for i in range(1000)]"
  cat S1G/evidence/bulk/* >/dev/null
"""
import os
import resource
import statistics
import subprocess
import sys

RECIPE = "find . -type f -name '*.yaml' -o -type f -name '*.md' -o -type f -name '*.log' | xargs sha256sum"


def main() -> None:
    ws, rounds, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    cmds = {}
    for arg in rest:
        name, _, value = arg.partition("=")
        if name == "floor":
            cmds[name] = (["sh", "-c", value], ws)
        else:
            cmds[name] = ([value, "generate-manifest", ws, "--no-git", "--now", "2026-11-24T12:00:00Z"], None)
    cmds["recipe"] = (["sh", "-c", RECIPE], ws)
    res = {k: [] for k in cmds}
    for r in range(rounds):
        for name, (argv, cwd) in cmds.items():
            if name == "recipe" and r % 3:
                continue
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = os.times().elapsed
            subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            wall = os.times().elapsed - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            res[name].append((wall, cpu))
    for name, v in res.items():
        w = [x[0] for x in v]
        c = [x[1] for x in v]
        print(f"{name:8} n={len(v):2}  wall min {min(w):.3f} s median {statistics.median(w):.3f} s"
              f"  cpu min {min(c):.3f} s median {statistics.median(c):.3f} s")
    print("load average", os.getloadavg())


if __name__ == "__main__":
    main()

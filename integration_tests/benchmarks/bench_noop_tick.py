#!/usr/bin/env python3
"""A no-op freshrun tick against `dbt parse`, on the generated 1,000-model project.

Generates the project (generate_project.py, with the freshrun package and the
policy mix), builds it once with `dbt run` (warm-up: relations, audit tables,
partial-parse file), then alternates `dbt parse` (A, warm, partial parsing)
and `freshrun run --json` (B) for ``--runs`` pairs, timing each process' wall
clock.  Every B must be a no-op (nothing selected, no dbt build).  Prints each
pair's ratio B/A, the median ratio and the target (<= 1.25).

Usage (from the repo root)::

    .venv/bin/python integration_tests/benchmarks/bench_noop_tick.py [--runs 5] [--models 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate_project  # noqa: E402

REPO_ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
TARGET = 1.25


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--models", type=int, default=1000)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="freshrun_noop_"))).resolve()
    project = work / "project"
    print("benchmark:", " ".join([sys.executable, *sys.argv]))
    generate_project.generate(project, args.models, 42, with_package=str(REPO_ROOT), policies=True, force=True)
    common = ["--project-dir", str(project), "--profiles-dir", str(project)]
    for sub in (["deps"], ["run"]):
        elapsed, proc = timed([str(BIN / "dbt"), *sub, *common], project)
        print(f"warm-up dbt {' '.join(sub)}: {elapsed:.1f}s")
        if proc.returncode != 0:
            print(proc.stdout[-3000:], proc.stderr[-3000:])
            return proc.returncode
    parse = [str(BIN / "dbt"), "parse", *common]
    tick = [str(BIN / "freshrun"), "run", "--json", "--interval", "15m", *common]
    print("A:", " ".join(parse))
    print("B:", " ".join(tick))
    timed(parse, project)
    ratios, a_times, b_times = [], [], []
    for i in range(args.runs):
        a, pa = timed(parse, project)
        b, pb = timed(tick, project)
        if pa.returncode != 0 or pb.returncode not in (0, 3):
            print(pa.stderr[-2000:], pb.stdout[-2000:], pb.stderr[-2000:])
            return 1
        payload = json.loads(pb.stdout)
        if payload["selected"] or payload["results"]:
            print("not a no-op tick:", [s["name"] for s in payload["selected"]][:10])
            return 1
        ratios.append(b / a)
        a_times.append(a)
        b_times.append(b)
        print(f"pair {i + 1}: dbt parse {a:.2f}s  freshrun no-op tick {b:.2f}s  ratio {b / a:.3f}")
    print(f"median dbt parse {statistics.median(a_times):.2f}s, median no-op tick {statistics.median(b_times):.2f}s")
    print(f"median ratio {statistics.median(ratios):.3f} (target <= {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

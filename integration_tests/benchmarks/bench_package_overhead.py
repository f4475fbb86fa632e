#!/usr/bin/env python3
"""Measure the wall-time overhead the freshrun package adds to `dbt run`.

Generates two copies of the same synthetic project (generate_project.py, same
seed and policies): A without the package, B with ``packages.yml`` ->
``- local: PACKAGE`` (``dbt deps`` is run for B).  Each project gets one
warm-up ``dbt run`` (builds every relation, writes the partial-parse file),
then the two are run alternately A B A B ... ``--runs`` pairs, as a normal
user would (partial parsing on), timing each subprocess' wall clock.

Prints each pair's ratio B/A, the median ratio, the median of A and of B, and
the target (median ratio <= 1.05).  Exits 0 whatever the ratio (it is a
report); non-zero only if a dbt command fails.

Usage (from the repo root)::

    .venv/bin/python integration_tests/benchmarks/bench_package_overhead.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
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
TARGET_RATIO = 1.05


def default_dbt() -> str:
    venv_dbt = Path(sys.executable).parent / "dbt"
    if venv_dbt.exists():
        return str(venv_dbt)
    return shutil.which("dbt") or "dbt"


def dbt_cmd(dbt: str, sub: list[str], project: Path) -> list[str]:
    return [dbt, *sub, "--project-dir", str(project), "--profiles-dir", str(project)]


def package_fingerprint(package: Path) -> str:
    """Hash of the package's dbt files, to flag edits made during the benchmark."""
    import hashlib

    h = hashlib.sha256()
    files = [package / "dbt_project.yml"]
    for sub in ("macros", "models"):
        files += sorted(p for p in (package / sub).rglob("*") if p.is_file())
    for f in files:
        if f.exists():
            h.update(str(f.relative_to(package)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def run_dbt(cmd: list[str], project: Path, env: dict, log: Path) -> float:
    """Run one dbt command; return its wall time in seconds, exit on failure."""
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, cwd=project, env=env, stdout=fh, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-40:]
        print(f"\nFAILED (exit {proc.returncode}): {shlex.join(cmd)}", file=sys.stderr)
        print(f"log: {log}", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)
        sys.exit(proc.returncode or 1)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="number of timed A/B pairs (default 5)")
    ap.add_argument("--models", type=int, default=1000, help="models per project (default 1000)")
    ap.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    ap.add_argument("--package", default=str(REPO_ROOT),
                    help=f"freshrun package root for project B (default {REPO_ROOT})")
    ap.add_argument("--workdir", help="where to generate the projects (default: a new /tmp dir)")
    ap.add_argument("--no-policies", action="store_true",
                    help="generate the projects without the freshness policy mix")
    ap.add_argument("--dbt", default=default_dbt(), help="dbt executable (default: the venv's)")
    ap.add_argument("--keep", action="store_true", help="keep the generated projects afterwards")
    ap.add_argument("--without-only", action="store_true",
                    help="time only project A (no package), e.g. while the package is broken")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    if not args.without_only and not (Path(args.package) / "dbt_project.yml").exists():
        print(f"error: {args.package}/dbt_project.yml not found (is the freshrun package there?)",
              file=sys.stderr)
        return 2

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="freshrun_bench_")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    proj_a = workdir / "without_package"
    proj_b = workdir / "with_package"
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)

    env = dict(os.environ)
    # Anonymous usage tracking does network I/O per invocation: noise, not overhead.
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"

    run_a = dbt_cmd(args.dbt, ["run"], proj_a)
    run_b = dbt_cmd(args.dbt, ["run"], proj_b)
    print("benchmark: " + shlex.join([sys.executable, *sys.argv]))
    print("timed command (A, without package): DBT_SEND_ANONYMOUS_USAGE_STATS=false "
          f"{shlex.join(run_a)}   (cwd {proj_a})")
    print("timed command (B, with package):    DBT_SEND_ANONYMOUS_USAGE_STATS=false "
          f"{shlex.join(run_b)}   (cwd {proj_b})")
    print(f"models={args.models} seed={args.seed} policies={not args.no_policies} "
          f"pairs={args.runs} package={Path(args.package).resolve()} cpus={os.cpu_count()}")
    print(f"workdir: {workdir}", flush=True)

    common = dict(n_models=args.models, seed=args.seed, policies=not args.no_policies, force=True)
    sa = generate_project.generate(proj_a, **common)
    sb = generate_project.generate(proj_b, with_package=args.package, **common)
    print("generated A: " + ", ".join(f"{k}={v}" for k, v in sa.items() if k != "package"))
    print("generated B: same DAG + packages.yml -> " + str(sb["package"]), flush=True)

    with_b = not args.without_only
    if with_b:
        t = run_dbt(dbt_cmd(args.dbt, ["deps"], proj_b), proj_b, env, logs / "b_deps.log")
        print(f"dbt deps (B): {t:.1f}s", flush=True)
    t = run_dbt(run_a, proj_a, env, logs / "a_warmup.log")
    print(f"warm-up A: {t:.1f}s", flush=True)
    if with_b:
        t = run_dbt(run_b, proj_b, env, logs / "b_warmup.log")
        print(f"warm-up B: {t:.1f}s", flush=True)

    fingerprint = package_fingerprint(Path(args.package)) if with_b else ""
    changed_pairs: list[int] = []
    times_a: list[float] = []
    times_b: list[float] = []
    ratios: list[float] = []
    print(f"\n{'pair':>4}  {'A without (s)':>13}  {'B with (s)':>10}  {'B/A':>6}", flush=True)
    for i in range(1, args.runs + 1):
        ta = run_dbt(run_a, proj_a, env, logs / f"a_run{i}.log")
        times_a.append(ta)
        if not with_b:
            print(f"{i:>4}  {ta:>13.2f}  {'-':>10}  {'-':>6}", flush=True)
            continue
        fp = package_fingerprint(Path(args.package))
        if fp != fingerprint:  # dbt will re-parse the package: not steady state
            changed_pairs.append(i)
            fingerprint = fp
        tb = run_dbt(run_b, proj_b, env, logs / f"b_run{i}.log")
        times_b.append(tb)
        ratios.append(tb / ta)
        note = "  (package files changed before this run)" if i in changed_pairs else ""
        print(f"{i:>4}  {ta:>13.2f}  {tb:>10.2f}  {tb / ta:>6.3f}{note}", flush=True)

    med_a = statistics.median(times_a)
    print()
    print(f"median without package (A): {med_a:.2f}s  (min {min(times_a):.2f}, max {max(times_a):.2f})")
    if with_b:
        med_ratio = statistics.median(ratios)
        med_b = statistics.median(times_b)
        verdict = "MET" if med_ratio <= TARGET_RATIO else "NOT MET"
        print(f"median with package    (B): {med_b:.2f}s  (min {min(times_b):.2f}, max {max(times_b):.2f})")
        print(f"ratio of medians B/A:       {med_b / med_a:.3f}")
        print(f"median per-pair ratio B/A:  {med_ratio:.3f}  (target <= {TARGET_RATIO:.2f}: {verdict})")
        if changed_pairs:
            print(f"warning: the package's files changed during pairs {changed_pairs}; "
                  "those B runs include a re-parse")
    else:
        print("with package (B): not run (--without-only)")

    if not args.keep and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
        print("(generated projects and logs removed; pass --keep to keep them)")
    else:
        print(f"logs: {logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

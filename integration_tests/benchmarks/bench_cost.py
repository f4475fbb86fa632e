#!/usr/bin/env python3
"""Cost benchmark: freshrun vs `dbt build` on a schedule, on the 1,000-model project.

    .venv/bin/python integration_tests/benchmarks/bench_cost.py [--models 1000] [--seed 42]
        [--hours 24] [--interval 15] [--arrival-seed 1] [--workdir DIR] [--json] [--sweep N]

Generates the synthetic project with its policy mix (``generate_project.py
--policies``: ~10% of leaf models with lags 30 min-24 h, a quarter of those with
cron deadlines in America/New_York and other zones, ~3% build_after tables),
parses it with ``dbt parse`` to get the manifest, and builds the graph with
``freshrun.manifest.load_graph`` -- the graph ``freshrun`` itself plans on.  The
warehouse state is made in memory: everything built by one ``dbt build`` one
interval before the start, with the planner's default durations (60 s per
table, 5 s per view).  Every source gets new data periodically, with a period
drawn between 5 and 60 minutes, a random phase and +-25% jitter (reproducible:
``--arrival-seed``).  Then ``freshrun.simulate.simulate`` -- the code behind
``freshrun simulate`` -- replays the horizon (default 24 hours from midnight in
New York, a tick every 15 minutes) for each strategy and prints the table.

``--sweep N`` runs arrival seeds 1..N instead (freshrun, the bound and hourly only), one line
per seed and the spread: the figures depend on the arrival pattern.

Targets (exit status 1 when one is missed):
  * freshrun has no SLA violation minute the lower bound does not also have;
  * freshrun's model executions <= 1.15 x the lower bound;
  * freshrun's model executions <= 20% of `dbt build` every hour.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "runner"))
sys.path.insert(0, str(HERE))

from freshrun.manifest import load_graph  # noqa: E402
from freshrun.simulate import LABELS, SourcePattern, arrival_times, fresh_state, simulate  # noqa: E402

START = datetime(2026, 11, 24, 5, 0)  # midnight in New York (EST)


def parse_project(out: Path, models: int, seed: int) -> dict:
    import generate_project

    stats = generate_project.generate(out, models, seed, policies=True, force=True)
    dbt = Path(sys.executable).parent / "dbt"
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    proc = subprocess.run([str(dbt), "parse", "--project-dir", str(out), "--profiles-dir", str(out)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"dbt parse failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return stats


def load_nodes(out: Path):
    from dbt.contracts.graph.manifest import WritableManifest

    manifest = WritableManifest.read_and_check_versions(str(out / "target" / "manifest.json"))
    graph = load_graph(manifest)
    if graph.errors:
        raise SystemExit("invalid policies: " + "; ".join(map(str, graph.errors)))
    return {u: n for u, n in graph.nodes.items() if u not in graph.package_nodes}


def make_arrivals(nodes, start: datetime, end: datetime, seed: int) -> tuple[dict, dict]:
    rng = random.Random(seed)
    patterns = {}
    for uid in sorted(u for u, n in nodes.items() if n.is_source):
        every = rng.uniform(5, 60)
        patterns[uid] = SourcePattern(every_minutes=round(every, 1), jitter_minutes=round(every / 4, 1),
                                      offset_minutes=round(rng.uniform(0, every), 1))
    arrivals = {u: arrival_times(p, start, end, random.Random(f"{seed}:{u}")) for u, p in patterns.items()}
    return patterns, arrivals


def sweep(nodes, n: int, hours: float, interval: float) -> int:
    """The three targets on arrival seeds 1..n: how much the figures depend on the arrival pattern."""
    end = START + timedelta(hours=hours)
    print("| arrival seed | executions | / lower bound | / hourly | violation minutes | beyond the bound |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = []
    for seed in range(1, n + 1):
        _, arrivals = make_arrivals(nodes, START - timedelta(hours=2), end, seed)
        state = fresh_state(nodes, START - timedelta(minutes=interval), arrivals)
        r = simulate(nodes, state, arrivals, START, hours, interval,
                     strategies=("freshrun", "build_hourly", "lower_bound")).strategies
        fr, lb, hourly = r["freshrun"], r["lower_bound"], r["build_hourly"]
        row = (fr.executions / max(1, lb.executions), fr.executions / max(1, hourly.executions),
               fr.excess_violation_minutes)
        rows.append(row)
        print(f"| {seed} | {fr.executions:,} | {row[0]:.3f} | {row[1]:.3f} | {fr.violation_minutes:,.0f} | "
              f"{fr.excess_violation_minutes:,.0f} |", flush=True)
    ratios = sorted(r[0] for r in rows)
    excess = sorted(r[2] for r in rows)
    print(f"\nexecutions / lower bound: {ratios[0]:.3f}-{ratios[-1]:.3f} (median {ratios[len(ratios) // 2]:.3f}), "
          f"<= 1.15 on {sum(x <= 1.15 for x in ratios)} of {n} seeds; / hourly <= 0.20 on "
          f"{sum(r[1] <= 0.20 for r in rows)} of {n}; minutes beyond the bound {excess[0]:g}-{excess[-1]:g} "
          f"(0 on {sum(x == 0 for x in excess)} of {n})")
    return 0 if all(r[0] <= 1.15 and r[1] <= 0.20 and r[2] == 0 for r in rows) else 1


def add_project_options(ap: argparse.ArgumentParser) -> None:
    """The options that choose the project, the arrivals and the horizon (shared with offline_optimum.py)."""
    ap.add_argument("--models", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42, help="project generator seed (default 42)")
    ap.add_argument("--arrival-seed", type=int, default=1, help="source arrival pattern seed (default 1)")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--interval", type=float, default=15.0, help="tick interval in minutes (default 15)")
    ap.add_argument("--workdir", help="where to generate the project (default: a temporary directory)")


def project_nodes(args: argparse.Namespace) -> tuple[dict, dict]:
    """Generate and parse the project the options describe: (its stats, its planner nodes)."""
    with tempfile.TemporaryDirectory(prefix="freshrun_bench_cost_") as tmp:
        out = Path(args.workdir) if args.workdir else Path(tmp) / "project"
        stats = parse_project(out, args.models, args.seed)
        return stats, load_nodes(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_project_options(ap)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--sweep", type=int, metavar="N",
                    help="instead: arrival seeds 1..N, one line each (freshrun, the bound, hourly) and the spread")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    stats, nodes = project_nodes(args)
    t_parse = time.perf_counter() - t0
    interval = args.interval
    end = START + timedelta(hours=args.hours)
    if args.sweep:
        return sweep(nodes, args.sweep, args.hours, interval)
    patterns, arrivals = make_arrivals(nodes, START - timedelta(hours=2), end, args.arrival_seed)
    state = fresh_state(nodes, START - timedelta(minutes=interval), arrivals)
    t1 = time.perf_counter()
    sim = simulate(nodes, state, arrivals, START, args.hours, interval)
    t_sim = time.perf_counter() - t1

    r = sim.strategies
    fr, lb, hourly = r["freshrun"], r["lower_bound"], r["build_hourly"]
    checks = [
        ("freshrun violation minutes beyond the lower bound's", fr.excess_violation_minutes, "== 0",
         fr.excess_violation_minutes == 0),
        ("freshrun executions / lower bound", round(fr.executions / max(1, lb.executions), 3), "<= 1.15",
         fr.executions <= 1.15 * lb.executions),
        ("freshrun executions / `dbt build` every hour", round(fr.executions / max(1, hourly.executions), 3),
         "<= 0.20", fr.executions <= 0.20 * hourly.executions),
    ]
    if args.json:
        print(json.dumps({
            "project": stats, "start": START.isoformat() + "Z", "hours": args.hours, "interval_minutes": interval,
            "sources": {u: {"every_minutes": p.every_minutes, "jitter_minutes": p.jitter_minutes,
                            "offset_minutes": p.offset_minutes} for u, p in patterns.items()},
            "strategies": {k: v.as_dict(bound=(k == "lower_bound")) for k, v in r.items()},
            "checks": [{"what": w, "value": v, "target": t, "ok": ok} for w, v, t, ok in checks],
        }, indent=2))
    else:
        print(f"project: {', '.join(f'{k}={v}' for k, v in stats.items() if k != 'package')}")
        print("sources: " + ", ".join(f"{nodes[u].name} every {p.every_minutes:g}m±{p.jitter_minutes:g}"
                                       for u, p in patterns.items()))
        print(f"horizon: {args.hours:g} h from {START:%Y-%m-%d %H:%M} UTC, a tick every {interval:g} min "
              f"({len(sim.ticks)} ticks), {sim.sla_models} models with an SLA; violations sampled every "
              f"{sim.resolution_minutes:g} min")
        print(f"parse {t_parse:.1f} s, simulation {t_sim:.1f} s\n")
        w = max(len(v) for v in LABELS.values())
        print(f"| {'strategy':<{w}} | model executions | warehouse seconds | SLA violations (model-minutes overdue) |")
        print(f"| {'-' * w} | ---: | ---: | ---: |")
        for k, v in r.items():
            viol = "—" if k == "lower_bound" else f"{v.violation_minutes:,.0f}"
            print(f"| {LABELS[k]:<{w}} | {v.executions:,} | {v.warehouse_seconds:,.0f} | {viol} |")
        print(f"\nunavoidable violations (the lower bound's): {lb.violation_minutes:,.0f} model-minutes; "
              f"freshrun's beyond them: {fr.excess_violation_minutes:,.0f}\n")
        for what, value, target, ok in checks:
            print(f"{'ok  ' if ok else 'MISS'} {what}: {value} (target {target})")
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

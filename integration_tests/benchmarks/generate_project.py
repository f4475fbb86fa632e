#!/usr/bin/env python3
"""Generate a synthetic dbt project (DuckDB) for freshrun benchmarks.

The project is deterministic for a given ``--seed`` and ``--models``:

* ``dbt_project.yml`` (project ``freshrun_bench``, profile ``freshrun_bench``)
  and ``profiles.yml`` in the output directory (DuckDB at ``OUT/bench.duckdb``,
  4 threads), so ``--project-dir OUT --profiles-dir OUT`` is all dbt needs;
* ``--sources`` raw tables (default 10) in schema ``raw``, (re)created by an
  ``on-run-start`` hook (``create table if not exists ... as select ... now()``: loaded once, so sources only move when you insert rows)
  so that ``dbt run`` and ``dbt source freshness`` work on an empty database
  without a separate seed step.  The sources declare
  ``loaded_at_field: loaded_at`` and a ``warn_after`` of one hour;
* N models in ``--depth`` layers (default 8), about 70 % views and 30 %
  tables; each model selects from 1-3 upstreams in earlier layers (always
  one from the layer directly above, so the DAG really is ``depth`` deep)
  with cheap SQL over ~100 rows;
* ``--with-package PATH`` adds ``packages.yml`` with ``- local: PATH`` (run
  ``dbt deps`` before using the project);
* ``--policies`` adds a realistic mix of freshness policies in the models'
  schema YAML (``config: meta: freshrun: ...`` and dbt's native
  ``config: freshness: build_after: ...``).

Usage::

    .venv/bin/python integration_tests/benchmarks/generate_project.py \\
        --models 1000 --out /tmp/bench --seed 42 [--with-package /work/main] [--policies]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
from pathlib import Path

PROJECT_NAME = "freshrun_bench"
RAW_SCHEMA = "raw"
ROWS_PER_SOURCE = 100

TIMEZONES = ["America/New_York", "Europe/London", "UTC", "America/Los_Angeles"]
CRONS = ["0 9 * * *", "0 6 * * 1-5", "30 7 * * *", "0 */6 * * *", "0 0 * * *"]
LAGS = [30, 60, 90, 120, 180, 240, 360, 720, 1440]


def _q(value: str) -> str:
    """Quote a string for YAML (double quotes, escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def layer_sizes(n_models: int, depth: int) -> list[int]:
    """Split n_models into `depth` layers: a wider staging layer, then even."""
    depth = max(1, min(depth, n_models))
    if depth == 1:
        return [n_models]
    first = max(1, round(n_models * 0.2))
    rest = n_models - first
    if rest < depth - 1:  # tiny projects: one model per layer after the first
        first = n_models - (depth - 1)
        rest = depth - 1
    base, extra = divmod(rest, depth - 1)
    return [first] + [base + (1 if i < extra else 0) for i in range(depth - 1)]


def build_graph(n_models: int, n_sources: int, depth: int, rng: random.Random):
    """Return a list of model dicts: name, layer, materialized, parents."""
    sizes = layer_sizes(n_models, depth)
    models: list[dict] = []
    layers: list[list[dict]] = []
    counter = 0
    for layer, size in enumerate(sizes):
        this_layer = []
        for _ in range(size):
            name = f"l{layer}_m{counter:05d}"
            counter += 1
            materialized = "table" if rng.random() < 0.30 else "view"
            if layer == 0:
                k = rng.choice([1, 1, 1, 2])
                parents = [
                    ("source", f"raw_{i:02d}")
                    for i in rng.sample(range(n_sources), min(k, n_sources))
                ]
            else:
                k = rng.choice([1, 2, 2, 3])
                # one parent from the layer directly above keeps the depth
                first = rng.choice(layers[layer - 1])["name"]
                pool = [m["name"] for prev in layers[:layer] for m in prev if m["name"] != first]
                others = rng.sample(pool, min(k - 1, len(pool)))
                parents = [("ref", first)] + [("ref", o) for o in others]
                # occasionally join a raw source directly, as real marts do
                if rng.random() < 0.05:
                    parents.append(("source", f"raw_{rng.randrange(n_sources):02d}"))
            m = {
                "name": name,
                "layer": layer,
                "materialized": materialized,
                "parents": parents,
            }
            this_layer.append(m)
            models.append(m)
        layers.append(this_layer)
    # guarantee the 70/30 split is not wildly off for small N
    return models


def model_sql(m: dict) -> str:
    def rel(p):
        kind, name = p
        if kind == "source":
            return "{{ source('raw', '%s') }}" % name
        return "{{ ref('%s') }}" % name

    parents = m["parents"]
    lines = ["{{ config(materialized='%s') }}" % m["materialized"], ""]
    if len(parents) == 1:
        lines += [
            "select",
            "    id,",
            "    loaded_at,",
            "    val + %d as val," % (m["layer"] + 1),
            "    '%s' as model_name" % m["name"],
            "from %s" % rel(parents[0]),
        ]
    else:
        loaded = ", ".join(f"p{i}.loaded_at" for i in range(len(parents)))
        vals = " + ".join(
            ["p0.val"] + [f"coalesce(p{i}.val, 0)" for i in range(1, len(parents))]
        )
        lines += [
            "select",
            "    p0.id,",
            f"    greatest({loaded}) as loaded_at,",
            f"    {vals} as val,",
            "    '%s' as model_name" % m["name"],
            "from %s as p0" % rel(parents[0]),
        ]
        for i, p in enumerate(parents[1:], start=1):
            lines.append(f"left join {rel(p)} as p{i} on p{i}.id = p0.id")
    return "\n".join(lines) + "\n"


def assign_policies(models: list[dict], rng: random.Random) -> None:
    """Attach a realistic policy mix (in place) under m['policy']."""
    children: dict[str, int] = {m["name"]: 0 for m in models}
    for m in models:
        for kind, name in m["parents"]:
            if kind == "ref":
                children[name] += 1
    leaves = [m for m in models if children[m["name"]] == 0]
    n_sla = max(1, round(len(leaves) * 0.10))
    sla_models = rng.sample(leaves, min(n_sla, len(leaves)))
    n_cron = max(1, round(len(sla_models) * 0.25))
    for i, m in enumerate(sla_models):
        policy = {"maximum_lag_minutes": rng.choice(LAGS)}
        if i < n_cron:
            policy["maximum_lag_minutes"] = rng.choice([60, 120, 240])
            policy["cron_schedule"] = rng.choice(CRONS)
            policy["cron_schedule_timezone"] = rng.choice(TIMEZONES)
        m["freshrun"] = policy
    # dbt-native build_after on some (mostly table) non-SLA models
    candidates = [m for m in models if "freshrun" not in m and m["layer"] > 0]
    tables = [m for m in candidates if m["materialized"] == "table"]
    n_ba = max(1, round(len(models) * 0.03))
    for m in rng.sample(tables, min(n_ba, len(tables))):
        m["build_after"] = {
            "count": rng.choice([0, 1, 4, 4, 12, 24]),
            "period": "hour",
            "updates_on": rng.choice(["any", "any", "all"]),
        }


def schema_yml(layer_models: list[dict], policies: bool) -> str:
    out = ["version: 2", "", "models:"]
    for m in layer_models:
        out.append(f"  - name: {m['name']}")
        out.append(f"    description: synthetic layer-{m['layer']} {m['materialized']}")
        cfg: list[str] = []
        if policies and "freshrun" in m:
            p = m["freshrun"]
            cfg += ["      meta:", "        freshrun:"]
            cfg.append(f"          maximum_lag_minutes: {p['maximum_lag_minutes']}")
            if "cron_schedule" in p:
                cfg.append(f"          cron_schedule: {_q(p['cron_schedule'])}")
                cfg.append(f"          cron_schedule_timezone: {_q(p['cron_schedule_timezone'])}")
        if policies and "build_after" in m:
            b = m["build_after"]
            cfg += [
                "      freshness:",
                "        build_after:",
                f"          count: {b['count']}",
                f"          period: {b['period']}",
                f"          updates_on: {b['updates_on']}",
            ]
        if cfg:
            out.append("    config:")
            out += cfg
    return "\n".join(out) + "\n"


def sources_yml(n_sources: int) -> str:
    out = [
        "version: 2",
        "",
        "sources:",
        "  - name: raw",
        f"    schema: {RAW_SCHEMA}",
        "    config:",
        "      loaded_at_field: loaded_at",
        "      freshness:",
        "        warn_after: {count: 1, period: hour}",
        "    tables:",
    ]
    for i in range(n_sources):
        out.append(f"      - name: raw_{i:02d}")
    return "\n".join(out) + "\n"


def create_sources_macro(n_sources: int) -> str:
    return f"""\
{{% macro bench_create_sources() %}}
  {{# Load the raw tables once so sources exist (they do not move by themselves); cheap: {n_sources} tables x {ROWS_PER_SOURCE} rows. #}}
  {{% if execute %}}
    {{% set sql %}}
      create schema if not exists {RAW_SCHEMA};
      {{% for i in range({n_sources}) %}}
      create table if not exists {RAW_SCHEMA}.raw_{{{{ '%02d' % i }}}} as
        select
          range as id,
          cast(now() as timestamp) as loaded_at,
          range * {{{{ i + 1 }}}} as val
        from range({ROWS_PER_SOURCE});
      {{% endfor %}}
    {{% endset %}}
    {{% do run_query(sql) %}}
  {{% endif %}}
{{% endmacro %}}
"""


def dbt_project_yml() -> str:
    return f"""\
name: {PROJECT_NAME}
version: "1.0.0"
config-version: 2
profile: {PROJECT_NAME}

model-paths: ["models"]
macro-paths: ["macros"]
clean-targets: ["target", "dbt_packages"]

on-run-start:
  - "{{{{ bench_create_sources() }}}}"

models:
  {PROJECT_NAME}:
    +materialized: view
"""


def profiles_yml(out: Path, threads: int) -> str:
    db = (out / "bench.duckdb").resolve()
    return f"""\
{PROJECT_NAME}:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{db}"
      threads: {threads}
"""


def generate(
    out: Path,
    n_models: int,
    seed: int,
    n_sources: int = 10,
    depth: int = 8,
    with_package: str | None = None,
    policies: bool = False,
    threads: int = 4,
    force: bool = False,
) -> dict:
    rng = random.Random(seed)
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        if not force:
            raise SystemExit(f"error: {out} exists and is not empty (use --force)")
        for child in ("models", "macros", "target", "dbt_packages", "logs"):
            shutil.rmtree(out / child, ignore_errors=True)
        for f in ("packages.yml", "package-lock.yml", "bench.duckdb", "bench.duckdb.wal"):
            (out / f).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    models = build_graph(n_models, n_sources, depth, rng)
    if policies:
        assign_policies(models, rng)

    (out / "dbt_project.yml").write_text(dbt_project_yml())
    (out / "profiles.yml").write_text(profiles_yml(out, threads))
    (out / "macros").mkdir(exist_ok=True)
    (out / "macros" / "bench_create_sources.sql").write_text(create_sources_macro(n_sources))
    mdir = out / "models"
    mdir.mkdir(exist_ok=True)
    (mdir / "sources.yml").write_text(sources_yml(n_sources))
    by_layer: dict[int, list[dict]] = {}
    for m in models:
        by_layer.setdefault(m["layer"], []).append(m)
    for layer, lms in by_layer.items():
        ldir = mdir / f"layer_{layer}"
        ldir.mkdir(exist_ok=True)
        for m in lms:
            (ldir / f"{m['name']}.sql").write_text(model_sql(m))
        (ldir / f"_layer_{layer}.yml").write_text(schema_yml(lms, policies))
    if with_package:
        pkg = Path(with_package).resolve()
        (out / "packages.yml").write_text(f"packages:\n  - local: {pkg}\n")

    stats = {
        "models": len(models),
        "tables": sum(m["materialized"] == "table" for m in models),
        "views": sum(m["materialized"] == "view" for m in models),
        "layers": len(by_layer),
        "sources": n_sources,
        "sla_policies": sum("freshrun" in m for m in models),
        "cron_policies": sum("cron_schedule" in m.get("freshrun", {}) for m in models),
        "build_after": sum("build_after" in m for m in models),
        "package": str(Path(with_package).resolve()) if with_package else None,
    }
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, default=1000, help="number of models (default 1000)")
    ap.add_argument("--out", required=True, help="output directory for the dbt project")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--sources", type=int, default=10, help="number of raw source tables (default 10)")
    ap.add_argument("--depth", type=int, default=8, help="number of DAG layers (default 8)")
    ap.add_argument("--threads", type=int, default=4, help="dbt threads in profiles.yml (default 4)")
    ap.add_argument("--with-package", metavar="PATH",
                    help="add packages.yml with '- local: PATH' (the freshrun repo root)")
    ap.add_argument("--policies", action="store_true", help="add a realistic freshness policy mix")
    ap.add_argument("--force", action="store_true", help="overwrite an existing non-empty --out")
    args = ap.parse_args(argv)
    if args.models < 1 or args.sources < 1 or args.depth < 1:
        ap.error("--models, --sources and --depth must be >= 1")
    if args.with_package and not Path(args.with_package).is_dir():
        ap.error(f"--with-package: {args.with_package} is not a directory")
    stats = generate(
        Path(args.out), args.models, args.seed, n_sources=args.sources, depth=args.depth,
        with_package=args.with_package, policies=args.policies, threads=args.threads,
        force=args.force,
    )
    print(f"wrote {os.path.abspath(args.out)}: " + ", ".join(f"{k}={v}" for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

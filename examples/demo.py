"""`make demo`: freshrun end to end on the bundled example project, on DuckDB.

Works in a scratch directory (./demo): installs the package into the example
project (`dbt deps`), lands source rows, and runs real ticks: the first builds
everything, the second nothing, and after new rows land the next one builds
just the affected chain, with the reasons."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "integration_tests"
WORK = ROOT / "demo"
BIN = Path(sys.executable).parent
DB = WORK / "demo.duckdb"


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.update({"FRESHRUN_DUCKDB_PATH": str(DB), "FRESHRUN_SCHEMA": "main", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
              "DBT_TARGET_PATH": str(WORK / "target"), "DBT_LOG_PATH": str(WORK / "logs"), "COLUMNS": "120"})
    return e


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def run(*cmd: str, ok: tuple[int, ...] = (0,)) -> int:
    print("$ " + " ".join(Path(c).name if i == 0 else c for i, c in enumerate(cmd)), flush=True)
    rc = subprocess.call(list(cmd), env=env(), cwd=WORK)
    if rc not in ok:
        print(f"demo: unexpected exit code {rc}", file=sys.stderr)
        sys.exit(rc or 1)
    return rc


def dbt(*args: str) -> None:
    run(str(BIN / "dbt"), *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), "--quiet")


def freshrun(*args: str, ok: tuple[int, ...] = (0, 3)) -> int:
    rc = run(str(BIN / "freshrun"), *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), ok=ok)
    print(f"(exit code {rc})")
    return rc


def sql(query: str, params: list | None = None, show: bool = False) -> None:
    import duckdb

    con = duckdb.connect(str(DB))
    try:
        rel = con.sql(query, params=params) if params else con.sql(query)
        if show and rel is not None:
            rel.show(max_width=200)
    finally:
        con.close()


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    step("install the package into the example project (packages.yml: local: ../)")
    dbt("deps")
    step("orders landed 110 minutes ago; clicks are streaming in")
    dbt("run-operation", "create_raw_tables")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    sql("insert into main_raw.orders values (1, 1, 10.0, ?), (2, 2, 5.0, ?)",
        [now - timedelta(minutes=130), now - timedelta(minutes=110)])
    sql("insert into main_raw.events values (1, 'click', ?)", [now])

    step("tick 1: nothing was ever built, so everything is missing")
    freshrun()
    step("tick 2: nothing changed, nothing is due -> no dbt build at all")
    freshrun()
    step("order_facts (90-minute SLA) is overdue, but its source has not moved: blocked, not rebuilt")
    freshrun("status")
    step("what would run 20 minutes from now? (plan --at moves the clock; nothing is built)")
    freshrun("plan", "--at", "+20m")
    step("new orders land")
    sql("insert into main_raw.orders values (3, 3, 7.5, ?)", [datetime.now(timezone.utc).replace(tzinfo=None)])
    step("tick 3: observes the source, then builds just the affected chain")
    freshrun()
    step("freshness, answered with plain SQL")
    sql("select name, materialized, data_time, round(lag_minutes, 1) as lag_min, maximum_lag_minutes as max_lag, "
        "is_overdue, last_status from main.freshrun_model_freshness order by name", show=True)
    sql("select name, triggered_by, reasons, round(execution_seconds, 2) as secs from main.freshrun_model_runs "
        "where triggered_by = 'freshrun' and reasons like '%required_by%' or reasons = '[\"lag\"]' order by started_at",
        show=True)


if __name__ == "__main__":
    main()

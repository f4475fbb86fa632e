"""`make demo`: freshrun end to end on the bundled example project, on DuckDB.

Runs in a scratch directory (./demo): installs the package into the example
project with `dbt deps`, then shows what freshrun records and decides."""

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
              "DBT_TARGET_PATH": str(WORK / "target"), "DBT_LOG_PATH": str(WORK / "logs")})
    return e


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def run(*cmd: str, check: bool = True) -> int:
    print("$ " + " ".join(cmd), flush=True)
    rc = subprocess.call(list(cmd), env=env(), cwd=WORK)
    if check and rc not in (0,):
        sys.exit(rc)
    return rc


def dbt(*args: str) -> None:
    run(str(BIN / "dbt"), *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT))


def freshrun(*args: str) -> int:
    return run(str(BIN / "freshrun"), *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), check=False)


def sql(query: str) -> None:
    import duckdb

    con = duckdb.connect(str(DB))
    try:
        print(con.sql(query))
    finally:
        con.close()


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    step("install the package (packages.yml: local: ../)")
    dbt("deps")
    step("land some source rows, then observe them")
    dbt("run-operation", "create_raw_tables")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    import duckdb

    con = duckdb.connect(str(DB))
    con.execute("insert into main_raw.orders values (1, 1, 10.0, ?), (2, 2, 5.0, ?)", [now - timedelta(minutes=50), now - timedelta(minutes=20)])
    con.execute("insert into main_raw.events values (1, 'click', ?)", [now])
    con.close()
    dbt("source", "freshness")
    step("a plain dbt build: every node is recorded by the package's hook")
    dbt("build")
    step("freshness, answered with plain SQL")
    sql("select name, materialized, data_time, round(lag_minutes, 1) as lag_min, maximum_lag_minutes as max_lag, "
        "is_overdue, last_status, blocked_by from main.freshrun_model_freshness order by name")


if __name__ == "__main__":
    main()

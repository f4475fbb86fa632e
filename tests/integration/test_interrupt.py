"""No lost records (real dbt, DuckDB and PostgreSQL): a tick stopped by SIGTERM
mid-build, and a build whose on-run-end hook never ran, are recorded by the
runner from the results it holds; the next tick rebuilds only what did not
finish, never what already succeeded, and never takes a failure for a success."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from test_cli import selected
from warehouse import BIN, Warehouse, copy_project

ROOT = Path(__file__).resolve().parents[2]
P = "model.freshrun_integration_tests."

# A model that runs until cancelled when var slow is true (PostgreSQL: pg_sleep, in a form its
# planner cannot fold away -- `x or true` is folded to true and never sleeps; DuckDB: a count
# over 10^12 rows, stopped by dbt-duckdb's interrupt), and a model downstream of it.
SLOW_MODEL = """{{ config(materialized='table') }}
select count(*) as n from {{ ref('stg_orders') }}
{% if var('slow', false) and target.type == 'postgres' %}
where (select count(*) from pg_sleep(600)) = 1
{% elif var('slow', false) %}
where (select count(*) from range(1000000000000) r where r.range < 0) = 0
{% endif %}
"""
AFTER_SLOW = "{{ config(materialized='table') }}\nselect n + 1 as n from {{ ref('slow_model') }}\n"


@pytest.fixture
def project(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    warehouse.project = copy_project(ROOT / "integration_tests", tmp_path / "project", ROOT)
    marts = warehouse.project / "models" / "marts"
    (marts / "slow_model.sql").write_text(SLOW_MODEL)
    (marts / "after_slow.sql").write_text(AFTER_SLOW)
    return warehouse


def successes(warehouse: Warehouse) -> dict[str, int]:
    rows = warehouse.query(
        "select unique_id, count(*) as n from {schema}.freshrun_events "
        "where status = 'success' and resource_type in ('model', 'seed', 'snapshot') group by unique_id"
    )
    return {r["unique_id"]: int(r["n"]) for r in rows}


def start_tick(warehouse: Warehouse, *args: str) -> subprocess.Popen:
    cmd = [
        str(BIN / "freshrun"),
        "run",
        *args,
        "--project-dir",
        str(warehouse.project),
        "--profiles-dir",
        str(warehouse.project),
        "--target",
        warehouse.kind,
    ]
    warehouse.close()
    return subprocess.Popen(
        cmd, env=warehouse._env(), cwd=warehouse.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_tick_killed_with_sigterm_records_what_finished_and_the_next_builds_only_the_rest(project: Warehouse):
    project.dbt("run-operation", "create_raw_tables")
    proc = start_tick(project, "--exclude", "failing_model after_failing", "--vars", json.dumps({"slow": True}))
    seen: list[str] = []
    started = threading.Event()

    def watch() -> None:  # dbt's own progress lines: send SIGTERM once the slow model has started
        for line in proc.stdout:
            seen.append(line)
            if "START" in line and "slow_model" in line:
                started.set()

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    assert started.wait(240), "slow_model never started:\n" + "".join(seen)
    # let the other nodes of the first wave finish, so there is something to record
    for _ in range(600):
        if sum(" OK " in line for line in seen) >= 3:
            break
        reader.join(0.1)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the tick did not stop after SIGTERM:\n" + "".join(seen)) from None
    reader.join(10)
    stderr = proc.stderr.read()
    assert proc.returncode == 130, "".join(seen) + stderr
    assert "freshrun: interrupted" in stderr and "Traceback" not in stderr

    # what finished is recorded (the hook never ran: the runner wrote these rows), what did not is not
    done = successes(project)
    assert P + "slow_model" not in done and P + "after_slow" not in done
    assert P + "stg_orders" in done, done  # slow_model's parent finished before it started
    runner_rows = project.query(
        "select unique_id, triggered_by, reasons, status, data_time from {schema}.freshrun_events "
        f"where unique_id like '{P}%'"
    )
    assert runner_rows and all(r["triggered_by"] == "freshrun" for r in runner_rows)
    assert all("missing" in str(r["reasons"]) for r in runner_rows if r["status"] == "success")
    assert not any(r["status"] == "error" for r in runner_rows), runner_rows  # cancelled is not failed
    # the lock was released
    locks = project.query("select event from {schema}.freshrun_locks")
    assert sorted(r["event"] for r in locks) == ["acquire", "release"]

    # the next tick builds exactly what has no recorded success, and nothing that finished
    plan = project.freshrun("plan", "--json", "--exclude", "failing_model", "after_failing")  # dbt-style words
    assert plan.returncode == 0, plan.output
    to_build = set(selected(plan.json()))
    assert {"slow_model", "after_slow"} <= to_build
    assert not ({uid.split(".")[-1] for uid in done} & to_build), (done, to_build)
    tick = project.freshrun("run", "--json", "--exclude", "failing_model after_failing")
    assert tick.returncode in (0, 3), tick.output
    assert set(selected(tick.json())) == to_build
    assert all(n == 1 for uid, n in successes(project).items()), successes(project)  # nothing built twice


def test_a_build_whose_hook_never_ran_is_recorded_by_the_runner(project: Warehouse):
    # a root-project on-run-end hook that fails: dbt then skips the package's hook after it
    (project.project / "macros" / "break_hook.sql").write_text(
        "{% macro break_hook() %}{{ return('select * from no_such_table' if var('break_hook', false) "
        "else 'select 1') }}{% endmacro %}\n"
    )
    yml = project.project / "dbt_project.yml"
    yml.write_text(yml.read_text().replace("on-run-start:", 'on-run-end:\n  - "{{ break_hook() }}"\n\non-run-start:'))
    project.dbt("run-operation", "create_raw_tables")
    first = project.freshrun("run", "--json", "--vars", json.dumps({"break_hook": True, "fail_model": True}))
    assert first.returncode == 1, first.output  # failing_model fails
    assert "freshrun recorded them from the results it holds" in first.stderr
    events = {r["unique_id"]: r for r in project.events("resource_type = 'model'")}
    assert events[P + "stg_orders"]["status"] == "success" and events[P + "stg_orders"]["triggered_by"] == "freshrun"
    assert events[P + "failing_model"]["status"] == "error"  # never taken for a success
    assert events[P + "order_facts"]["data_time"] is not None
    invocation = project.query(
        "select success, triggered_by from {schema}.freshrun_invocations where dbt_command = 'build'"
    )
    assert [(bool(r["success"]), r["triggered_by"]) for r in invocation] == [(False, "freshrun")]
    # next tick: nothing that succeeded is rebuilt; the failure backs off
    again = project.freshrun("plan", "--json", "--vars", json.dumps({"fail_model": True}))
    assert set(selected(again.json())) == set(), again.output


# A query that starts only after the stop was asked for (a node that was still compiling, or
# had not opened its connection, when dbt cancelled what was running): dbt never cancels it;
# freshrun keeps cancelling open queries until dbt returns.  Run in a subprocess with the
# warehouse's profile, as a tick would.
LATE_QUERY = """
import os, sys, threading, time
from pathlib import Path
from dbt_common.context import set_invocation_context
from freshrun import dbt, signals

set_invocation_context(os.environ)  # what dbtRunner sets up before a tick reads the profile

project = dbt.DbtProject(Path(sys.argv[1]), Path(sys.argv[1]), sys.argv[2])
adapter = project.adapter()
sql = sys.argv[3]
signals._received.set()  # as the SIGTERM handler does
ended = {}

def late_query():
    t = time.time()
    try:
        with adapter.connection_named("late_node"):
            adapter.execute(sql)
        ended["how"] = "finished"
    except Exception as exc:
        ended["how"] = "cancelled: " + str(exc).splitlines()[0]
    ended["seconds"] = time.time() - t

with dbt._keep_cancelling(every_seconds=0.5):
    worker = threading.Thread(target=late_query, daemon=True)
    worker.start()
    worker.join(60)
print(ended.get("how", "still running"), round(ended.get("seconds", 60.0), 1))
"""


def test_a_query_that_starts_after_the_stop_is_cancelled_too(warehouse: Warehouse):
    slow = (
        "select count(*) from pg_sleep(600)"
        if warehouse.kind == "postgres"
        else "select count(*) from range(1000000000000) r where r.range < 0"
    )
    proc = subprocess.run(
        [str(BIN / "python"), "-c", LATE_QUERY, str(warehouse.project), warehouse.kind, slow],
        env=warehouse._env(),
        cwd=warehouse.workdir,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    how, seconds = proc.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    assert how.startswith("cancelled"), proc.stdout + proc.stderr
    assert float(seconds) < 30, proc.stdout

"""Freshness you can trust: what a new user does on a real project, and what they must see.

Each test is one of the everyday situations in which freshrun's numbers used to be wrong
(new data noticed late, invented data times, missing models reported as fine, code changes
not reaching the tables below, previews that differ from runs).  Real dbt, real DuckDB and
PostgreSQL; time is moved only through `plan --at`.
"""

from __future__ import annotations

import shlex
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from warehouse import BIN, Warehouse, copy_project

ROOT = Path(__file__).resolve().parents[2]
P = "model.freshrun_integration_tests."
ORDERS = "source.freshrun_integration_tests.shop.orders"
DUCKDB_ONLY = pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def selected(payload) -> dict[str, list[str]]:
    return {s["name"]: s["reasons"] for s in payload["selected"]}


def built(payload) -> set[str]:
    return {r["unique_id"].split(".")[-1] for r in payload["results"]}


def fresh_build(warehouse: Warehouse, loaded_minutes_ago: float = 5, exclude: tuple[str, ...] = ()) -> None:
    """A warehouse built by plain dbt, with order rows observed (as `dbt source freshness` records them)."""
    warehouse.dbt("run-operation", "create_raw_tables")
    warehouse.insert_orders([(1, 1, 10.0, utcnow() - timedelta(minutes=loaded_minutes_ago))])
    warehouse.dbt("source", "freshness")
    warehouse.dbt("build", "--exclude", *exclude, "failing_model", "after_failing")
    warehouse.dbt("build", "-s", "failing_model", "after_failing")


def observations(warehouse: Warehouse) -> list[dict]:
    return warehouse.query(f"select max_loaded_at, snapshotted_at from {{schema}}.freshrun_source_observations "
                           f"where unique_id = '{ORDERS}' order by snapshotted_at desc")


def own_project(warehouse: Warehouse, tmp_path: Path) -> Path:
    warehouse.project = copy_project(ROOT / "integration_tests", tmp_path / "project", ROOT)
    return warehouse.project


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


# -- 1. new data is noticed at the next tick, not after the SLA is missed -------------------------

def test_every_tick_observes_the_sources_upstream_of_a_policy(warehouse: Warehouse):
    fresh_build(warehouse)
    seen = len(observations(warehouse))
    landed = utcnow().replace(microsecond=0) - timedelta(minutes=1)
    warehouse.insert_orders([(2, 2, 5.0, landed)])
    done = warehouse.freshrun("run", "--json")  # nothing is due: order_facts' data is 5 minutes old
    assert done.returncode == 0, done.output
    assert done.json()["selected"] == []
    rows = observations(warehouse)
    assert len(rows) == seen + 1, "a no-op tick must still observe the source"
    assert naive(rows[0]["max_loaded_at"]) == landed


def test_plan_and_dry_run_see_new_source_data_exactly_as_the_tick_does(warehouse: Warehouse):
    fresh_build(warehouse, loaded_minutes_ago=110)  # past order_facts' 90-minute policy
    blocked = " ".join(warehouse.freshrun("plan", "--explain", "order_facts").stdout.split())
    assert "has not moved since" in blocked and "observed at" in blocked, blocked
    seen = len(observations(warehouse))
    warehouse.insert_orders([(2, 2, 5.0, utcnow() - timedelta(minutes=1))])  # new rows land
    plan = warehouse.freshrun("plan", "--json")
    dry = warehouse.freshrun("run", "--dry-run", "--json")
    assert plan.returncode == 0 and dry.returncode == 0, plan.output + dry.output
    assert selected(plan.json())["order_facts"] == ["lag"]
    assert selected(dry.json()) == selected(plan.json())
    # previews observe in memory: they never write to the warehouse
    assert len(observations(warehouse)) == seen
    done = warehouse.freshrun("run", "--json")
    assert selected(done.json()) == selected(plan.json())


# -- 2. a data time is observed, never invented --------------------------------------------------

def test_a_build_on_old_source_data_never_observed_gets_that_data_time(warehouse: Warehouse):
    warehouse.dbt("run-operation", "create_raw_tables")
    old = datetime(2019, 8, 31, 14, 52)
    warehouse.insert_orders([(1, 1, 10.0, old)])
    warehouse.dbt("build", "--exclude", "failing_model", "after_failing")  # no `dbt source freshness` first
    for name in ("order_facts", "orders_enriched", "daily_order_summary"):
        event = warehouse.latest(P + name)
        assert event is not None and event["data_time"] is not None, name
        assert naive(event["data_time"]) <= old, f"{name}: data time {event['data_time']} is later than its input"
    models = {m["name"]: m for m in warehouse.freshrun("status", "--json").json()["models"]}
    assert models["order_facts"]["is_overdue"] is True
    assert models["order_facts"]["lag_minutes"] > 60 * 24 * 365
    assert models["order_summary_view"]["lag_minutes"] > 60 * 24 * 365  # a view is as old as what it reads
    assert warehouse.freshness()["order_facts"]["is_overdue"]


# -- 3. missing is the worst violation -------------------------------------------------------------

def test_a_policy_model_never_built_or_dropped_is_overdue_everywhere(warehouse: Warehouse):
    fresh_build(warehouse, exclude=("order_facts",))
    check = warehouse.freshrun("check", "--json")
    assert check.returncode == 3, check.output
    assert "order_facts" in {v["name"] for v in check.json()["violations"]}
    status = {m["name"]: m for m in warehouse.freshrun("status", "--json").json()["models"]}
    assert status["order_facts"]["is_overdue"] is True and status["order_facts"]["status"] == "missing"
    assert warehouse.freshness()["order_facts"]["is_overdue"]  # the SQL view agrees

    warehouse.dbt("build", "-s", "order_facts")
    assert warehouse.freshrun("check").returncode == 0
    warehouse.execute(f"drop table {warehouse.schema}.order_facts")
    check = warehouse.freshrun("check", "--json")
    assert check.returncode == 3 and "order_facts" in {v["name"] for v in check.json()["violations"]}
    status = {m["name"]: m for m in warehouse.freshrun("status", "--json").json()["models"]}
    assert status["order_facts"]["status"] == "missing" and status["order_facts"]["is_overdue"] is True


def test_status_and_check_before_the_first_dbt_run_name_the_step(warehouse: Warehouse):
    for command in ("status", "check"):
        done = warehouse.freshrun(command)
        assert done.returncode == 2, done.output
        assert "freshrun run" in done.stderr and "Traceback" not in done.output


# -- 4. code changes reach the tables below them ---------------------------------------------------

def test_an_edited_view_rebuilds_the_tables_below_it_once(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    fresh_build(warehouse)
    edit(project / "models" / "staging" / "stg_orders.sql", "amount,", "amount * 1.0 as amount,")
    done = warehouse.freshrun("run", "--json")
    assert done.returncode == 0, done.output
    sel = selected(done.json())
    assert sel["stg_orders"] == ["code_changed"]
    for below in ("orders_enriched", "order_facts", "daily_order_summary"):
        assert sel[below] == ["upstream_code_changed"], (below, sel)
    assert not set(sel) & {"customer_dim", "event_counts", "order_summary_view"}
    order = [s["name"] for s in done.json()["selected"]]
    assert order.index("stg_orders") < order.index("orders_enriched") < order.index("daily_order_summary")
    assert warehouse.freshrun("run", "--json").json()["selected"] == []


def test_a_view_rebuilt_by_hand_still_propagates_and_a_model_can_opt_out(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    edit(project / "models" / "schema.yml", "cron_schedule_timezone: \"America/New_York\"",
         "cron_schedule_timezone: \"America/New_York\"\n          rebuild_on_upstream_code_change: false")
    fresh_build(warehouse)
    edit(project / "models" / "staging" / "stg_orders.sql", "amount,", "amount * 1.0 as amount,")
    warehouse.dbt("run", "-s", "stg_orders")  # the user rebuilt the view themselves
    sel = selected(warehouse.freshrun("plan", "--json").json())
    assert sel == {"orders_enriched": ["upstream_code_changed"], "order_facts": ["upstream_code_changed"]}, sel


def test_a_changed_seed_rebuilds_the_tables_that_read_it(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    fresh_build(warehouse)
    seed = project / "seeds" / "raw_customers.csv"
    seed.write_text(seed.read_text().rstrip("\n") + "\n99,New Customer,NZ\n")
    sel = selected(warehouse.freshrun("plan", "--json").json())
    assert sel["raw_customers"] == ["code_changed"]
    assert sel["customer_dim"] == ["upstream_code_changed"] and sel["orders_enriched"] == ["upstream_code_changed"]


# -- 5. refresh builds what the named model needs, and its preview is the run --------------------

def test_refresh_rebuilds_changed_ancestors_and_dry_run_shows_exactly_that(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    fresh_build(warehouse)
    edit(project / "models" / "staging" / "stg_orders.sql", "amount,", "amount * 1.0 as amount,")
    dry = warehouse.freshrun("refresh", "order_facts", "--dry-run", "--json")
    assert dry.returncode == 0, dry.output
    preview = selected(dry.json())
    assert set(preview) == {"stg_orders", "order_facts"}, preview  # never the whole +order_facts
    assert "code_changed" in preview["stg_orders"]
    done = warehouse.freshrun("refresh", "order_facts", "--json")
    assert done.returncode == 0, done.output
    assert built(done.json()) == set(preview)


# -- 7. one bad policy is isolated ------------------------------------------------------------------

def test_one_bad_policy_is_reported_with_its_file_and_everything_else_is_built(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    edit(project / "models" / "schema.yml", "maximum_lag_minutes: 30", "maximum_lag_minutes: thirty")
    warehouse.dbt("run-operation", "create_raw_tables")
    done = warehouse.freshrun("run", "--json")
    assert done.returncode == 2, done.output
    assert {"order_facts", "orders_enriched", "event_counts"} <= built(done.json())
    assert "event_counts" in done.stderr and "models/schema.yml" in done.stderr
    assert "meta.freshrun.maximum_lag_minutes" in done.stderr and "replaces" in done.stderr
    check = warehouse.freshrun("check")
    assert check.returncode == 2 and "event_counts" in check.output and "Traceback" not in check.output


@DUCKDB_ONLY
def test_a_bad_folder_default_names_dbt_project_yml(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    edit(project / "dbt_project.yml", "      +materialized: view",
         "      +materialized: view\n      +meta:\n        freshrun:\n          maximum_lag_minutes: -5")
    done = warehouse.freshrun("plan")
    assert done.returncode == 2, done.output
    assert "stg_orders" in done.stderr and "dbt_project.yml" in done.stderr and "Traceback" not in done.output


# -- 8. strict input --------------------------------------------------------------------------------

@DUCKDB_ONLY
def test_a_six_field_cron_is_refused_naming_the_field(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    edit(project / "models" / "schema.yml", '"0 9 * * *"', '"0 0 9 * * *"')
    done = warehouse.freshrun("plan")
    assert done.returncode == 2, done.output
    assert "daily_order_summary" in done.stderr and "cron_schedule" in done.stderr and "5 fields" in done.stderr


def test_plan_at_before_the_first_recorded_build_is_refused(warehouse: Warehouse):
    fresh_build(warehouse)
    done = warehouse.freshrun("plan", "--at", "2001-01-01T00:00")
    assert done.returncode == 2 and "--at" in done.stderr and "before" in done.stderr, done.output


def test_a_view_never_built_has_no_lag(warehouse: Warehouse):
    fresh_build(warehouse, exclude=("stg_events+",))
    models = {m["name"]: m for m in warehouse.freshrun("status", "--json").json()["models"]}
    assert models["stg_events"]["lag_minutes"] is None and models["stg_events"]["status"] == "missing"


@DUCKDB_ONLY
def test_lag_and_build_after_on_one_model_explain_which_wins(warehouse: Warehouse, tmp_path: Path):
    project = own_project(warehouse, tmp_path)
    edit(project / "models" / "schema.yml", "        build_after: {count: 4, period: hour, updates_on: any}",
         "        build_after: {count: 4, period: hour, updates_on: any}\n      meta:\n        freshrun:\n"
         "          maximum_lag_minutes: 600")
    fresh_build(warehouse)
    done = warehouse.freshrun("plan", "--explain", "orders_enriched")
    assert done.returncode == 0, done.output
    text = " ".join(done.stdout.split())
    assert "maximum_lag_minutes" in text and "build_after" in text and "precedence" in text


# -- 9. manual runs do not move the schedule -------------------------------------------------------

def in_a_terminal(warehouse: Warehouse, *args: str) -> int:
    """Run freshrun the way a person does: in a terminal (`script` gives it a pseudo-terminal)."""
    cmd = [str(BIN / "freshrun"), *args, "--project-dir", str(warehouse.project),
           "--profiles-dir", str(warehouse.project), "--target", warehouse.kind]
    warehouse.close()
    return subprocess.run(["script", "-qec", shlex.join(cmd), "/dev/null"], env=warehouse._env(),
                          cwd=warehouse.workdir, capture_output=True, text=True).returncode


def test_manual_runs_do_not_change_the_interval(warehouse: Warehouse):
    fresh_build(warehouse)
    # what a cron job every 15 minutes left behind: three scheduled ticks
    start = utcnow() - timedelta(minutes=60)
    for k in range(3):
        assert warehouse.freshrun("run").returncode == 0
        warehouse.execute(f"update {warehouse.schema}.freshrun_invocations set started_at = "
                          f"cast('{start + timedelta(minutes=15 * k):%Y-%m-%d %H:%M:%S}' as timestamp) "
                          f"where dbt_command = 'tick' and started_at > "
                          f"cast('{start + timedelta(minutes=15 * k + 1):%Y-%m-%d %H:%M:%S}' as timestamp)")
    assert warehouse.freshrun("plan", "--json").json()["interval_minutes"] == 15
    # then a user tries things in a terminal, a few minutes apart
    manual_start = utcnow() - timedelta(minutes=14)
    for k in range(4):
        assert in_a_terminal(warehouse, "run") == 0
        warehouse.execute(f"update {warehouse.schema}.freshrun_invocations set started_at = "
                          f"cast('{manual_start + timedelta(minutes=3 * k):%Y-%m-%d %H:%M:%S}' as timestamp) "
                          f"where dbt_command = 'tick' and started_at > "
                          f"cast('{manual_start + timedelta(minutes=3 * k + 1):%Y-%m-%d %H:%M:%S}' as timestamp)")
    assert warehouse.freshrun("plan", "--json").json()["interval_minutes"] == 15

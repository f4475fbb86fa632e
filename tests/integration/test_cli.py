"""The freshrun CLI end to end: real dbt, real DuckDB and PostgreSQL, time moved with `plan --at`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from warehouse import Warehouse, copy_project

ROOT = Path(__file__).resolve().parents[2]
P = "model.freshrun_integration_tests."
ORDERS = "source.freshrun_integration_tests.shop.orders"
DUCKDB_ONLY = pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)  # argument handling: any warehouse


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def selected(payload) -> dict[str, list[str]]:
    return {s["name"]: s["reasons"] for s in payload["selected"]}


def built_by_freshrun(warehouse: Warehouse) -> list[str]:
    return sorted(r["name"] for r in warehouse.events("triggered_by = 'freshrun' and resource_type = 'model'"))


def fresh_build(warehouse: Warehouse, loaded_minutes_ago: float = 5) -> None:
    """A warehouse built by plain dbt, with order rows observed."""
    warehouse.dbt("run-operation", "create_raw_tables")
    now = utcnow()
    warehouse.insert_orders([(1, 1, 10.0, now - timedelta(minutes=loaded_minutes_ago))])
    warehouse.dbt("source", "freshness")
    warehouse.dbt("build", "--exclude", "failing_model", "after_failing")


def test_first_tick_on_an_empty_warehouse_builds_everything(warehouse: Warehouse):
    plan = warehouse.freshrun("plan", "--json")
    assert plan.returncode == 0, plan.output
    sel = selected(plan.json())
    assert "missing" in sel["orders_enriched"] and sel["stg_orders"] == ["missing"]
    assert "eph_event_kinds" not in sel  # ephemeral: nothing to build
    done = warehouse.freshrun("run", "--json")
    assert done.returncode in (0, 3), done.output
    assert {r["status"] for r in done.json()["results"]} == {"success"}
    assert warehouse.freshrun("plan", "--json").json()["selected"] == []


@DUCKDB_ONLY
def test_package_not_installed_is_exit_2(warehouse: Warehouse, tmp_path: Path):
    warehouse.project = copy_project(ROOT / "integration_tests", tmp_path / "project", ROOT)
    (warehouse.project / "packages.yml").write_text("packages: []\n")
    import shutil
    shutil.rmtree(warehouse.project / "dbt_packages")
    done = warehouse.freshrun("plan")
    assert done.returncode == 2
    assert "the freshrun dbt package is not installed" in done.stderr and "run dbt once" in done.stderr
    assert "Traceback" not in done.output


def test_noop_tick_runs_no_build(warehouse: Warehouse):
    fresh_build(warehouse)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    done = warehouse.freshrun("run", "--json")
    assert done.returncode == 0, done.output
    payload = done.json()
    assert payload["selected"] == [] and payload["results"] == []
    assert payload["skipped"] > 10 and payload["interval_minutes"] == 15
    builds = warehouse.query("select count(*) as n from {schema}.freshrun_invocations where triggered_by = 'freshrun' "
                             "and dbt_command in ('build', 'run')")
    assert builds[0]["n"] == 0  # a no-op tick runs no dbt build at all


def test_new_source_rows_build_just_the_affected_chain(warehouse: Warehouse):
    # orders data is 110 minutes old: past order_facts' 90-minute SLA, and order_summary_view (a view,
    # 120 minutes) would miss its SLA before the next tick: it needs its upstream tables rebuilt
    fresh_build(warehouse, loaded_minutes_ago=110)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    plan = warehouse.freshrun("plan", "--json").json()
    # the source has not moved since the build: rebuilding would not help, so nothing is selected
    assert plan["selected"] == []
    blocked = {v["name"]: v["blocked_by"] for v in plan["violations"]}
    assert blocked == {"order_facts": ORDERS}
    assert warehouse.freshrun("run").returncode == 3  # still violated after the tick

    warehouse.insert_orders([(2, 2, 5.0, utcnow() - timedelta(minutes=1))])  # new rows land
    done = warehouse.freshrun("run", "--json")
    assert done.returncode == 0, done.output
    sel = selected(done.json())
    assert sel["order_facts"] == ["lag"]
    assert sel["daily_order_summary"] == ["required_by:" + P + "order_summary_view"]
    assert sel["orders_enriched"] == ["required_by:" + P + "daily_order_summary"]
    assert set(sel) == {"order_facts", "daily_order_summary", "orders_enriched"}
    # views, lazy models off the path and the unrelated branch are not rebuilt
    assert not set(sel) & {"stg_orders", "order_summary_view", "customer_dim", "failing_model", "dagster_policy_model"}
    assert {r["status"] for r in done.json()["results"]} == {"success"}
    events = {e["name"]: e for e in warehouse.events("triggered_by = 'freshrun' and resource_type = 'model'")}
    # PostgreSQL drops views on a replaced table (cascade): freshrun puts them back in the same tick
    repaired = set(events) - set(sel)
    assert repaired <= {"order_summary_view"}
    assert all(events[name]["reasons"] == '["missing"]' for name in repaired)
    assert events["order_facts"]["reasons"] == '["lag"]'
    # and the next tick has nothing left to do
    again = warehouse.freshrun("run", "--json").json()
    assert again["selected"] == []


def test_plan_at_moves_time_without_waiting(warehouse: Warehouse):
    fresh_build(warehouse)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    assert "event_counts" not in selected(warehouse.freshrun("plan", "--json").json())
    later = warehouse.freshrun("plan", "--json", "--at", "+20m").json()
    assert selected(later)["event_counts"] == ["lag"]  # 30-minute SLA: 20 + 15-minute interval would miss it
    at = (utcnow() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    assert "event_counts" not in selected(warehouse.freshrun("plan", "--json", "--at", at).json())
    explained = warehouse.freshrun("plan", "--at", "+20m", "--explain", "event_counts")
    assert explained.returncode == 0 and "selected (lag)" in explained.stdout


def test_failed_node_is_retried_with_backoff_and_downstream_waits(warehouse: Warehouse):
    fresh_build(warehouse)
    done = warehouse.freshrun("run", "--json", "--vars", "{fail_model: true}")
    assert done.returncode == 1
    results = {r["unique_id"].split(".")[-1]: r["status"] for r in done.json()["results"]}
    assert results["failing_model"] == "error" and results["after_failing"] == "skipped"
    # right after the failure: backing off, nothing to do
    assert "failing_model" not in selected(warehouse.freshrun("plan", "--json").json())
    # one interval later it is retried
    sel = selected(warehouse.freshrun("plan", "--json", "--at", "+15m").json())
    assert "retry" in sel["failing_model"]
    ok = warehouse.freshrun("run", "--json", "--interval", "1s")  # back-off is counted in ticks
    assert ok.returncode == 0, ok.output
    assert {r["status"] for r in ok.json()["results"]} == {"success"}


def test_select_and_exclude_limit_what_is_built(warehouse: Warehouse):
    warehouse.dbt("run-operation", "create_raw_tables")
    warehouse.dbt("build", "-s", "package:freshrun", "raw_customers")
    plan = warehouse.freshrun("plan", "--json", "--select", "+event_counts", "--exclude", "stg_events").json()
    assert set(selected(plan)) == {"event_counts"}
    assert {(r["unique_id"], r["required_by"]) for r in plan["excluded_required"]} >= set()


def test_status_reports_every_model(warehouse: Warehouse):
    fresh_build(warehouse)
    done = warehouse.freshrun("status", "--json")
    assert done.returncode == 0, done.output
    models = {m["name"]: m for m in done.json()["models"]}
    assert {"event_counts", "daily_order_summary", "stg_orders"} <= set(models)
    m = models["daily_order_summary"]
    for key in ("last_success_at", "data_time", "lag_minutes", "maximum_lag_minutes", "is_overdue", "blocked_by",
                "next_deadline", "policy"):
        assert key in m
    assert m["maximum_lag_minutes"] == 60 and m["is_overdue"] is False
    assert models["failing_model"]["last_success_at"] is None  # excluded from the build


@DUCKDB_ONLY
@pytest.mark.parametrize("args, message", [
    (["plan", "--select", "no_such_model"], "no_such_model"),
    (["plan", "--explain", "no_such_model"], "no model, seed or snapshot named 'no_such_model'"),
    (["plan", "--at", "tomorrow-ish"], "--at"),
    (["run", "--interval", "often"], "--interval"),
])
def test_bad_input_is_exit_2(warehouse: Warehouse, args, message):
    warehouse.dbt("run", "-s", "failing_model")
    done = warehouse.freshrun(*args)
    assert done.returncode == 2, done.output
    assert message in done.stderr and "Traceback" not in done.output


@DUCKDB_ONLY
def test_missing_profile_is_exit_2(warehouse: Warehouse, tmp_path: Path):
    empty = tmp_path / "no_profiles"
    empty.mkdir()
    done = warehouse.freshrun("plan", "--profiles-dir", str(empty))
    assert done.returncode == 2 and "profiles.yml" in done.stderr and "Traceback" not in done.output


@DUCKDB_ONLY
def test_invalid_policy_is_exit_2_naming_model_file_and_field(warehouse: Warehouse, tmp_path: Path):
    warehouse.project = copy_project(ROOT / "integration_tests", tmp_path / "project", ROOT)
    schema = warehouse.project / "models" / "schema.yml"
    schema.write_text(schema.read_text().replace("maximum_lag_minutes: 30", "maximum_lag_minutes: thirty"))
    done = warehouse.freshrun("plan")
    assert done.returncode == 2
    assert ("model.freshrun_integration_tests.event_counts (models/marts/event_counts.sql): "
            "meta.freshrun.maximum_lag_minutes: must be a number of minutes, got 'thirty'") in done.stderr


@pytest.mark.parametrize("warehouse", ["postgres"], indirect=True)
def test_unreachable_warehouse_is_exit_2(warehouse: Warehouse):
    done = warehouse.freshrun("plan", env={"FRESHRUN_PG_PORT": "1"})  # nothing listens there
    assert done.returncode == 2, done.output
    assert "could not" in done.stderr and "Traceback" not in done.output

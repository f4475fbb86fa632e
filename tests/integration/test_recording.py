"""The dbt package records every invocation: real dbt, real DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from warehouse import Warehouse

P = "model.freshrun_integration_tests."


def _naive(ts):
    return ts.replace(tzinfo=None) if ts is not None and ts.tzinfo else ts


def test_build_records_every_node(warehouse: Warehouse):
    warehouse.dbt("build")
    events = warehouse.events()
    by_id = {e["unique_id"]: e for e in events}
    expected = {
        P + n
        for n in [
            "stg_orders",
            "stg_events",
            "orders_enriched",
            "order_facts",
            "daily_order_summary",
            "customer_dim",
            "event_counts",
            "order_summary_view",
            "failing_model",
            "after_failing",
            "dagster_policy_model",
        ]
    }
    expected |= {
        "seed.freshrun_integration_tests.raw_customers",
        "snapshot.freshrun_integration_tests.customers_snapshot",
    }
    assert expected <= set(by_id)
    for uid in expected:
        e = by_id[uid]
        assert e["status"] == "success", e
        assert e["started_at"] <= e["completed_at"]
        assert e["execution_seconds"] > 0
        assert e["dbt_command"] == "build" and e["triggered_by"] == "dbt"
        assert e["checksum"]
    assert by_id["seed.freshrun_integration_tests.raw_customers"]["rows_affected"] == 3
    # the ephemeral model has no result of its own
    assert P + "eph_event_kinds" not in by_id
    (inv,) = warehouse.query("select * from {schema}.freshrun_invocations")
    assert inv["dbt_command"] == "build" and inv["success"] is True and inv["freshrun_version"] == "0.1.0"
    # policies normalised into freshrun_nodes
    nodes = {r["name"]: r for r in warehouse.query("select * from {schema}.freshrun_nodes")}
    assert nodes["daily_order_summary"]["maximum_lag_minutes"] == 60
    assert nodes["daily_order_summary"]["cron_schedule"] == "0 9 * * *"
    assert nodes["daily_order_summary"]["cron_schedule_timezone"] == "America/New_York"
    assert nodes["orders_enriched"]["build_after_minutes"] == 240
    assert nodes["orders_enriched"]["updates_on"] == "any"
    assert nodes["dagster_policy_model"]["maximum_lag_minutes"] == 240  # meta.dagster.freshness_policy alias
    assert nodes["orders"]["is_observed"] is True and nodes["events"]["is_observed"] is False
    assert all(r["policy_error"] is None for r in nodes.values())
    # lineage frontier looks through views and ephemeral models
    frontier = warehouse.query(
        "select upstream_id from {schema}.freshrun_frontier where kind = 'frontier' and unique_id = '"
        + P
        + "event_counts'"
    )
    assert [r["upstream_id"] for r in frontier] == ["source.freshrun_integration_tests.shop.events"]
    frontier = {
        r["upstream_id"]
        for r in warehouse.query(
            "select upstream_id from {schema}.freshrun_frontier where kind = 'frontier' and unique_id = '"
            + P
            + "orders_enriched'"
        )
    }
    assert frontier == {
        "source.freshrun_integration_tests.shop.orders",
        "seed.freshrun_integration_tests.raw_customers",
    }


def test_nodes_appended_only_when_definition_changes(warehouse: Warehouse):
    warehouse.dbt("build")
    before = warehouse.query("select count(*) as n from {schema}.freshrun_nodes")[0]["n"]
    warehouse.dbt("run", "-s", "customer_dim")
    after = warehouse.query("select count(*) as n from {schema}.freshrun_nodes")[0]["n"]
    assert before == after and before > 10
    # two invocations of history
    assert warehouse.query("select count(*) as n from {schema}.freshrun_invocations")[0]["n"] == 2
    runs = warehouse.query("select * from {schema}.freshrun_model_runs where name = 'customer_dim'")
    assert len(runs) == 2 and all(r["invocation_success"] for r in runs)


def test_data_time_over_observed_source_and_views(warehouse: Warehouse):
    t1 = datetime(2026, 1, 5, 8, 0, 0)
    warehouse.dbt("run", "-s", "stg_orders", "package:freshrun")  # raw tables (on-run-start) and the views
    warehouse.insert_orders([(1, 1, 10.0, t1 - timedelta(hours=1)), (2, 2, 5.0, t1)])
    warehouse.dbt("source", "freshness")
    obs = warehouse.query("select * from {schema}.freshrun_source_observations")
    assert [(o["unique_id"], _naive(o["max_loaded_at"])) for o in obs] == [
        ("source.freshrun_integration_tests.shop.orders", t1)
    ]
    assert obs[0]["status"] in ("warn", "error", "pass")

    warehouse.dbt("build", "-s", "+daily_order_summary", "+order_facts")
    assert _naive(warehouse.latest(P + "orders_enriched")["data_time"]) == t1
    assert _naive(warehouse.latest(P + "order_facts")["data_time"]) == t1
    assert _naive(warehouse.latest(P + "daily_order_summary")["data_time"]) == t1  # through a table
    fresh = warehouse.freshness()
    assert _naive(fresh["stg_orders"]["data_time"]) == t1  # a view: through its frontier
    assert _naive(fresh["order_summary_view"]["data_time"]) == t1  # view over table
    assert fresh["daily_order_summary"]["is_overdue"] is True  # data from January, 60 minute SLA
    assert fresh["daily_order_summary"]["blocked_by"] == "source.freshrun_integration_tests.shop.orders"

    # new rows land and are observed: the view follows without a rebuild, the table does not
    t2 = t1 + timedelta(hours=3)
    warehouse.insert_orders([(3, 1, 7.0, t2)])
    warehouse.dbt("source", "freshness")
    fresh = warehouse.freshness()
    assert _naive(fresh["stg_orders"]["data_time"]) == t2
    assert _naive(fresh["orders_enriched"]["data_time"]) == t1
    assert fresh["orders_enriched"]["lag_minutes"] > 60


def test_data_time_over_unobserved_source_is_build_start(warehouse: Warehouse):
    warehouse.dbt("build", "-s", "+event_counts", "package:freshrun")
    e = warehouse.latest(P + "event_counts")  # source -> view -> ephemeral -> table
    assert e["data_time"] == e["started_at"]
    fresh = warehouse.freshness()
    assert fresh["event_counts"]["data_time"] == e["started_at"]
    assert 0 <= fresh["event_counts"]["lag_minutes"] < 5
    assert fresh["event_counts"]["is_overdue"] is False
    # a view over an unobserved source is live: its data time is now
    assert fresh["stg_events"]["lag_minutes"] < 1


def test_failure_is_recorded_exactly_and_counted(warehouse: Warehouse):
    warehouse.dbt("build", "-s", "failing_model", "after_failing", "package:freshrun")
    for attempt in (1, 2):
        done = warehouse.dbt("run", "-s", "failing_model", "after_failing", vars={"fail_model": True}, check=False)
        assert done.returncode == 1
        results = json.loads((warehouse.workdir / "target" / "run_results.json").read_text())
        dbt_message = next(r["message"] for r in results["results"] if r["unique_id"] == P + "failing_model")
        assert "o'brien" in dbt_message and '"hi"' in dbt_message and "\\" in dbt_message and "\n" in dbt_message
        failed = warehouse.latest(P + "failing_model", status="error")
        assert failed["message"] == dbt_message  # quotes, backslashes and newlines round-trip
        assert warehouse.latest(P + "after_failing", status="skipped") is not None
        fresh = warehouse.freshness()
        assert fresh["failing_model"]["last_status"] == "error"
        assert fresh["failing_model"]["consecutive_failures"] == attempt
        assert fresh["after_failing"]["last_status"] == "skipped"
    inv = warehouse.query("select success from {schema}.freshrun_invocations order by started_at")
    assert [i["success"] for i in inv] == [True, False, False]
    warehouse.dbt("run", "-s", "failing_model")
    assert warehouse.freshness()["failing_model"]["consecutive_failures"] == 0


def test_broken_audit_table_is_a_warning_not_a_failure(warehouse: Warehouse):
    warehouse.dbt("run", "-s", "failing_model")
    warehouse.execute("drop table {schema}.freshrun_events")
    warehouse.execute("create view {schema}.freshrun_events as select 1 as x")
    done = warehouse.dbt("run", "-s", "failing_model")
    assert done.returncode == 0
    assert re.search(r"freshrun: could not record invocation .*freshrun_events.* is a view, not a table", done.output)
    strict = warehouse.dbt("run", "-s", "failing_model", vars={"freshrun_fail_on_error": True}, check=False)
    assert strict.returncode != 0 and "freshrun_events" in strict.output


def test_disabled_and_non_recording_commands_record_nothing(warehouse: Warehouse):
    warehouse.dbt("compile", "-s", "failing_model")
    tables = warehouse.query(
        "select table_name from information_schema.tables "
        "where table_schema = '{schema}' and table_name like 'freshrun_%'"
    )
    assert tables == []  # compile: hooks fire but record (and create) nothing
    warehouse.dbt("build", vars={"freshrun_enabled": False})  # the package's own views still build
    for table in ("freshrun_events", "freshrun_invocations", "freshrun_nodes", "freshrun_source_observations"):
        assert warehouse.query(f"select count(*) as n from {{schema}}.{table}")[0]["n"] == 0
    assert warehouse.freshness() == {}  # queryable, and empty


def test_older_tables_gain_new_columns_without_losing_rows(warehouse: Warehouse):
    warehouse.dbt("run", "-s", "stg_events")
    warehouse.execute("drop table {schema}.freshrun_events")  # as an older package version had it:
    warehouse.execute(
        "create table {schema}.freshrun_events (invocation_id varchar(100), unique_id varchar(200), status varchar(20))"
    )
    warehouse.execute("insert into {schema}.freshrun_events values ('old-inv', 'model.x.old', 'success')")
    warehouse.dbt("run", "-s", "failing_model")
    rows = warehouse.events()
    assert {r["invocation_id"] for r in rows if r["unique_id"] == "model.x.old"} == {"old-inv"}
    new = [r for r in rows if r["unique_id"] == P + "failing_model"]
    assert (
        len(new) == 1
        and new[0]["package_name"] == "freshrun_integration_tests"
        and new[0]["data_time"] == new[0]["started_at"]
    )

"""`freshrun baseline`: adopting a warehouse built before freshrun, without a full rebuild."""

from __future__ import annotations

from datetime import timedelta

from test_cli import selected, utcnow
from warehouse import Warehouse


def test_baseline_adopts_a_warehouse_built_by_plain_dbt(warehouse: Warehouse):
    # built before freshrun was installed: recording off
    warehouse.dbt("run-operation", "create_raw_tables")
    warehouse.insert_orders([(1, 1, 10.0, utcnow() - timedelta(minutes=5))])
    warehouse.dbt("build", "--exclude", "event_counts", vars={"freshrun_enabled": False})
    plan = warehouse.freshrun("plan", "--json").json()
    # relations that exist with no history are not rebuilt: they are counted and left alone
    assert "orders_enriched" not in selected(plan) and len(plan["unrecorded"]) >= 10
    assert selected(plan) == {"event_counts": ["missing"]}

    done = warehouse.freshrun("baseline", "--json")
    assert done.returncode == 0, done.output
    adopted = {a["name"] for a in done.json()["adopted"]}
    assert {"orders_enriched", "daily_order_summary", "stg_orders", "raw_customers", "customers_snapshot"} <= adopted
    assert "event_counts" not in adopted and "event_counts" in {m["name"] for m in done.json()["missing"]}
    rows = warehouse.events("triggered_by = 'baseline'")
    assert {r["name"] for r in rows} == adopted
    assert all(r["status"] == "success" and r["dbt_command"] == "baseline" and r["reasons"] == '["baseline"]'
               for r in rows)
    # afterwards a tick builds only what is really missing (and nothing the baseline adopted)
    tick = warehouse.freshrun("run", "--json")
    assert tick.returncode in (0, 3), tick.output
    assert set(selected(tick.json())) == {"event_counts"}
    assert warehouse.freshrun("plan", "--json").json()["selected"] == []

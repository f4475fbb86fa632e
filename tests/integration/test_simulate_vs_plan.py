"""`freshrun simulate` against reality: real dbt, real DuckDB and PostgreSQL.

1. At a few instants, the simulation's first tick decides exactly what `freshrun plan --at` says
   on the same warehouse state.
2. Real `freshrun run` ticks, with source rows landing between them, record in
   freshrun_events exactly the executions `freshrun simulate` predicted beforehand for the same
   arrivals and the same tick times.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warehouse import Warehouse

SPACING = 20  # seconds between real ticks (a tick of this project takes ~5 s)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def sleep_until(t: datetime) -> None:
    left = (t - utcnow()).total_seconds()
    if left > 0:
        time.sleep(left)


def ids(selected) -> list[str]:
    return sorted(s["unique_id"] for s in selected)


def test_simulation_decides_like_plan_at_and_real_ticks(warehouse: Warehouse, tmp_path: Path):
    # a warehouse built by plain dbt; orders data 110 minutes old (order_facts overdue, blocked by the source)
    warehouse.dbt("run-operation", "create_raw_tables")
    now = utcnow().replace(microsecond=0)
    loaded = now - timedelta(minutes=110)
    warehouse.insert_orders([(1, 1, 10.0, loaded)])
    warehouse.dbt("source", "freshness")
    warehouse.dbt("build")  # failing_model too: nothing is missing
    arrivals = tmp_path / "arrivals.yml"

    # 1. no new data: at each instant, simulate's first tick == plan --at on the same state
    arrivals.write_text(f"sources:\n  shop.orders: {{at: ['{loaded.isoformat()}']}}\n")  # and nothing since
    decided = {}
    for offset in (timedelta(minutes=1), timedelta(hours=4)):
        at = (utcnow() + offset).replace(microsecond=0).isoformat()
        sim = warehouse.freshrun("simulate", "--start", at, "--hours", "0.2", "--interval", "15m",
                                 "--arrivals", str(arrivals), "--json", "--trace")
        assert sim.returncode == 0, sim.output
        payload = sim.json()
        assert set(payload["strategies"]) == {"freshrun", "build_every_tick", "build_hourly", "eager", "lower_bound"}
        first = payload["trace"][0]
        plan = warehouse.freshrun("plan", "--at", at, "--interval", "15m", "--json")
        assert plan.returncode == 0, plan.output
        assert first["at"] == plan.json()["now"]
        assert first["selected"] == plan.json()["selected"], at
        decided[offset] = [s["name"] for s in first["selected"]]
    assert decided[timedelta(minutes=1)] == []  # order_facts is overdue but its source has not moved
    assert {"event_counts", "dagster_policy_model"} <= set(decided[timedelta(hours=4)])  # SLAs on a live source

    # 2. two real ticks at the simulated tick times, new orders rows between them
    t1 = (utcnow() + timedelta(seconds=8)).replace(microsecond=0)
    ticks = [t1 + timedelta(seconds=SPACING * k) for k in range(2)]
    landed = t1 + timedelta(seconds=10)
    arrivals.write_text(f"sources:\n  shop.orders: {{at: ['{landed.isoformat()}Z']}}\n")
    sim = warehouse.freshrun("simulate", "--start", t1.isoformat(), "--interval", f"{SPACING}s",
                             "--hours", str((2 * SPACING - 5) / 3600), "--arrivals", str(arrivals), "--json", "--trace")
    assert sim.returncode == 0, sim.output
    trace = sim.json()["trace"]
    predicted = [ids(t["selected"]) for t in trace]
    assert [t["at"] for t in trace] == [t.isoformat() + "Z" for t in ticks]
    names = [sorted(u.split(".")[-1] for u in p) for p in predicted]
    assert names[0] == [] and "order_facts" in names[1]  # blocked by the source, then built once rows land
    assert sim.json()["strategies"]["freshrun"]["executions"] == len(predicted[1])

    for k, t in enumerate(ticks):
        assert utcnow() < t, "the simulation took longer than planned"
        sleep_until(t)
        done = warehouse.freshrun("run", "--interval", f"{SPACING}s", "--json")
        assert done.returncode in (0, 3), done.output
        assert utcnow() < t + timedelta(seconds=SPACING), "a real tick took longer than the interval"
        if k == 0:
            sleep_until(landed)
            warehouse.insert_orders([(2, 2, 5.0, landed)])
    events = warehouse.query(
        "select unique_id, started_at from {schema}.freshrun_events where triggered_by = 'freshrun' "
        "and dbt_command = 'build' and status = 'success' and resource_type in ('model', 'seed', 'snapshot') "
        "and package_name <> 'freshrun'")
    recorded = [sorted(e["unique_id"] for e in events if t <= e["started_at"] < t + timedelta(seconds=SPACING))
                for t in ticks]
    assert sum(map(len, recorded)) == len(events)
    assert recorded == predicted

"""Operating freshrun safely: the warehouse lock and surgical refresh (real dbt, DuckDB and PostgreSQL)."""

from __future__ import annotations

import socket
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from test_cli import DUCKDB_ONLY, fresh_build, selected
from warehouse import BIN, Warehouse, copy_project

ROOT = Path(__file__).resolve().parents[2]
P = "model.freshrun_integration_tests."


def claim(warehouse: Warehouse, host: str, pid: int, expires_in_minutes: float, owner: str = "someone-else") -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    warehouse.execute(
        "insert into {schema}.freshrun_locks (lock_name, owner, host, pid, event, claimed_at, expires_at) values "
        f"('tick', '{owner}', '{host}', {pid}, 'acquire', cast('{now:%Y-%m-%d %H:%M:%S}' as timestamp), "
        f"cast('{now + timedelta(minutes=expires_in_minutes):%Y-%m-%d %H:%M:%S}' as timestamp))"
    )


def test_a_held_lock_makes_the_second_tick_exit_4_naming_the_holder(warehouse: Warehouse):
    fresh_build(warehouse)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    claim(warehouse, "ci-runner-7", 4242, expires_in_minutes=30)
    assert warehouse.freshrun("run").returncode == 0  # nothing to build: a no-op tick needs no lock
    warehouse.execute("drop table {schema}.event_counts")  # now there is something to build
    done = warehouse.freshrun("run", "--lock-timeout", "1")
    assert done.returncode == 4, done.output
    assert "another freshrun tick holds the warehouse lock: ci-runner-7 pid 4242" in done.stderr
    assert "Traceback" not in done.output
    assert warehouse.freshrun("plan").returncode == 0  # plan never takes the lock
    assert warehouse.freshrun("status").returncode == 0


def test_an_expired_lock_is_taken_over(warehouse: Warehouse):
    fresh_build(warehouse)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    claim(warehouse, "killed-host", 999, expires_in_minutes=-5)  # a tick killed long ago
    warehouse.execute("drop table {schema}.event_counts")
    done = warehouse.freshrun("run", "--json", "--lock-timeout", "1")
    assert done.returncode == 0, done.output
    assert selected(done.json()) == {"event_counts": ["missing"]}
    owners = warehouse.query("select owner, event from {schema}.freshrun_locks where owner <> 'someone-else'")
    assert sorted(r["event"] for r in owners) == ["acquire", "release"]  # taken, then released


@DUCKDB_ONLY
def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_over_at_once(warehouse: Warehouse):
    fresh_build(warehouse)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    dead = subprocess.Popen(["true"])
    dead.wait()  # a tick killed with -9: its pid is gone, its claim has not expired
    claim(warehouse, socket.gethostname(), dead.pid, expires_in_minutes=60)
    warehouse.execute("drop table {schema}.event_counts")
    done = warehouse.freshrun("run", "--json", "--lock-timeout", "1")
    assert done.returncode == 0, done.output
    assert selected(done.json()) == {"event_counts": ["missing"]}
    released = warehouse.query(
        "select event from {schema}.freshrun_locks where owner = 'someone-else' order by claimed_at"
    )
    assert [r["event"] for r in released] == ["acquire", "release"]  # released on the dead process's behalf
    # a live process on another host is still respected
    claim(warehouse, "another-host", dead.pid, expires_in_minutes=60, owner="elsewhere")
    warehouse.execute("drop table {schema}.event_counts")
    assert warehouse.freshrun("run", "--lock-timeout", "1").returncode == 4


def test_overlapping_ticks_build_the_changed_model_once(warehouse: Warehouse):
    fresh_build(warehouse)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    warehouse.execute("drop table {schema}.event_counts")
    cmd = [
        str(BIN / "freshrun"),
        "run",
        "--lock-timeout",
        "60",
        "--project-dir",
        str(warehouse.project),
        "--profiles-dir",
        str(warehouse.project),
        "--target",
        warehouse.kind,
    ]
    warehouse.close()
    procs = [
        subprocess.Popen(
            cmd, env=warehouse._env(), cwd=warehouse.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    for out in outs:
        assert "Traceback" not in out[0] + out[1]
    # each tick either built, found nothing left to build, or (DuckDB's single-writer file) gave up with 4
    assert all(c in (0, 4) for c in codes), (codes, outs)
    assert 0 in codes
    built = warehouse.query(
        "select count(*) as n from {schema}.freshrun_events where name = 'event_counts' "
        "and triggered_by = 'freshrun' and status = 'success'"
    )
    assert built[0]["n"] == 1


def test_refresh_builds_only_the_stale_ancestors(warehouse: Warehouse, tmp_path: Path):
    warehouse.project = copy_project(ROOT / "integration_tests", tmp_path / "project", ROOT)
    fresh_build(warehouse)
    warehouse.dbt("build", "-s", "failing_model", "after_failing")
    # the middle of the chain is fresh: refreshing the summary builds just the summary
    dry = warehouse.freshrun("refresh", "daily_order_summary", "--dry-run", "--json")
    assert dry.returncode == 0, dry.output
    assert selected(dry.json()) == {"daily_order_summary": ["forced"]}
    # the seed upstream changes: orders_enriched is now behind it, customer_dim too (but it is not upstream)
    seed = warehouse.project / "seeds" / "raw_customers.csv"
    seed.write_text(seed.read_text() + "4,Dana,FR\n")
    warehouse.dbt("seed")
    done = warehouse.freshrun("refresh", "daily_order_summary", "--json")
    assert done.returncode in (0, 3), done.output
    sel = selected(done.json())
    assert sel == {"daily_order_summary": ["forced"], "orders_enriched": ["required_by:" + P + "daily_order_summary"]}
    assert {r["status"] for r in done.json()["results"]} == {"success"}
    built = {r["name"] for r in warehouse.events("triggered_by = 'freshrun' and resource_type = 'model'")}
    # not customer_dim, not the whole +model upstream (PostgreSQL: the view dropped by cascade is put back)
    assert built - {"order_summary_view"} == {"daily_order_summary", "orders_enriched"}

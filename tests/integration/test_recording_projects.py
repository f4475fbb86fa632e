"""Recording tests that change the project itself (seed content, policies, size):
each works on a private copy of integration_tests/."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from warehouse import Warehouse, copy_project

ROOT = Path(__file__).resolve().parents[2]
P = "model.freshrun_integration_tests."


@pytest.fixture
def copied(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    warehouse.project = copy_project(ROOT / "integration_tests", tmp_path / "project", ROOT)
    return warehouse


def test_seed_is_static_until_its_content_changes(copied: Warehouse):
    copied.dbt("build", "-s", "raw_customers", "customer_dim", "package:freshrun")
    fresh = copied.freshness()["customer_dim"]
    assert fresh["data_time"] is None and fresh["is_overdue"] is False  # static data is never stale
    # reloading the same content changes nothing
    copied.dbt("seed")
    assert copied.freshness()["customer_dim"]["data_time"] is None
    # new content: the table built from the old load is stale since the reload
    seed = copied.project / "seeds" / "raw_customers.csv"
    seed.write_text(seed.read_text() + "4,Dana,FR\n")
    copied.dbt("seed")
    reload = copied.latest("seed.freshrun_integration_tests.raw_customers")
    fresh = copied.freshness()["customer_dim"]
    assert fresh["data_time"] == reload["started_at"]
    assert fresh["lag_minutes"] >= 0
    # rebuilt from the new load: static again
    copied.dbt("run", "-s", "customer_dim")
    assert copied.freshness()["customer_dim"]["data_time"] is None


def test_invalid_policies_warn_naming_model_file_and_field(copied: Warehouse):
    (copied.project / "models" / "bad_policies.yml").write_text("""
version: 2
models:
  - name: customer_dim
    config:
      meta:
        freshrun:
          maximum_lag_minutes: -5
  - name: event_counts
    config:
      meta:
        freshrun:
          maximum_lag_minutes: 30
          cron_schedule: "every morning"
          cron_schedule_timezone: "Mars/Olympus_Mons"
""")
    (copied.project / "models" / "schema.yml").write_text(
        (copied.project / "models" / "schema.yml")
        .read_text()
        .replace(
            "  - name: event_counts\n    config:\n      meta:\n        freshrun:\n          maximum_lag_minutes: 30\n",
            "",
        )
    )
    done = copied.dbt("run", "-s", "failing_model")
    assert done.returncode == 0
    out = done.output
    assert re.search(
        r"invalid policy on model\.freshrun_integration_tests\.customer_dim \(models/marts/customer_dim\.sql\): "
        r"meta\.freshrun\.maximum_lag_minutes: must not be negative",
        out,
    )
    assert "meta.freshrun.cron_schedule: not a valid 5-field cron expression: every morning" in out
    assert "meta.freshrun.cron_schedule_timezone: unknown time zone Mars/Olympus_Mons" in out
    nodes = {r["name"]: r for r in copied.query("select * from {schema}.freshrun_nodes")}
    assert nodes["customer_dim"]["maximum_lag_minutes"] is None
    assert "maximum_lag_minutes" in nodes["customer_dim"]["policy_error"]
    assert nodes["event_counts"]["maximum_lag_minutes"] == 30  # the valid field is kept
    assert nodes["event_counts"]["cron_schedule"] is None
    assert "cron_schedule_timezone" in nodes["event_counts"]["policy_error"]


def _generate(project: Path, n: int) -> None:
    models = project / "models" / "generated"
    models.mkdir(parents=True)
    for i in range(n):
        (models / f"gen_{i:04d}.sql").write_text(
            f"{{{{ config(materialized='view') }}}}\nselect {i} as x, 'o''brien' as name\n"
        )


def test_recording_1000_nodes_uses_bounded_statements(copied: Warehouse):
    n = 1000
    _generate(copied.project, n)
    rows_cap, chars_cap = 150, 100000
    copied.dbt(
        "run",
        "-s",
        "path:models/generated",
        "package:freshrun",
        vars={"freshrun_insert_rows_per_statement": rows_cap, "freshrun_insert_max_statement_chars": chars_cap},
    )
    events = copied.query("select count(*) as n from {schema}.freshrun_events")[0]["n"]
    nodes = copied.query("select count(*) as n from {schema}.freshrun_nodes")[0]["n"]
    assert events == n + 2 and nodes >= n + 15
    log = (copied.workdir / "logs" / "dbt.log").read_text()
    inserts = re.findall(r"insert into \S+\.\S*\"?(freshrun_\w+)\"? \(", log)
    statements = {t: inserts.count(t) for t in set(inserts)}
    # a bounded number of statements: about one per cap, not one per node
    assert statements["freshrun_events"] <= math.ceil(events / rows_cap) + 3
    assert statements["freshrun_nodes"] <= math.ceil(nodes / rows_cap) + 3
    assert sum(statements.values()) < 40
    # and every statement within the size cap
    stmts = re.findall(r"(insert into .*?)\n(?:\x1b\[0m)?\d\d:\d\d:\d\d", log, flags=re.S)
    assert len(stmts) == len(inserts)
    for stmt in stmts:
        assert len(stmt.strip()) <= chars_cap

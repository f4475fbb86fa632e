"""What the warehouse says: SQL over the contract tables, folded into the
planner's NodeState.  Reads only; works through dbt's adapter."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from freshrun.contract import (
    BUILT_RESOURCE_TYPES,
    EVENTS,
    FAILURE_STATUS,
    HISTORY_TABLES,
    INVOCATIONS,
    PLANNER_READS_STATUSES,
    SOURCE_OBSERVATIONS,
    SUCCESS_STATUS,
    TICK_COMMAND,
    TRIGGERED_BY,
    audit_schema,
    loaded_at,
    naive_utc,
)
from freshrun.dbt import LOCK_PATTERNS, DbtProject, classify_error
from freshrun.errors import ConfigError
from freshrun.model import Build, NodeState, Observation
from freshrun.rows import AuditTables

HISTORY_PER_NODE = 50  # recent events per node the planner sees (durations, failures, seed changes)
OBSERVATIONS_PER_NODE = 20  # recent observations per source
TICKS_READ = 100  # recent tick rows the interval is inferred from
DURATIONS_PER_NODE = 10  # recent successful builds the expected duration comes from
SAME_TICK_SECONDS = 120  # invocations closer than this belong to one tick


def _sql_list(values: Iterable[str]) -> str:
    """Constant strings of the contract as a SQL list: ('a', 'b')."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


@dataclass
class WarehouseState:
    nodes: dict[str, NodeState]
    freshrun_tick_starts: list[datetime]
    schema: str

    def add_observation(self, uid: str, snapshotted_at: Any, max_loaded_at: Any) -> None:
        """An observation freshrun just recorded, folded in as read_state would read it back."""
        loaded = loaded_at(naive_utc(max_loaded_at))
        self.nodes.setdefault(uid, NodeState()).observations.append(Observation(naive_utc(snapshotted_at), loaded))

    def inferred_interval_minutes(self, default: float = 15.0) -> float:
        """The median gap between recorded freshrun ticks (invocations less than
        two minutes apart belong to one tick); `default` with fewer than 3 ticks."""
        starts = sorted(self.freshrun_tick_starts)
        ticks: list[datetime] = []
        for start in starts:
            if not ticks or (start - ticks[-1]).total_seconds() >= SAME_TICK_SECONDS:
                ticks.append(start)
        gaps = [(later - earlier).total_seconds() / 60 for earlier, later in pairwise(ticks)]
        if len(gaps) < 2:
            return default
        return max(1.0, round(statistics.median(gaps[-20:])))


def read_state(project: DbtProject, graph_nodes: Iterable[Any], manifest: Any) -> WarehouseState:
    """Everything the planner needs from the warehouse, in one connection."""
    database, schema = audit_schema(project)
    with project.connection() as adapter:
        existing = _existing_relations(adapter, manifest, database, schema)
        missing = [t for t in HISTORY_TABLES if (str(database or "").lower(), schema.lower(), t) not in existing
                   and ("", schema.lower(), t) not in existing]
        if missing and "macro.freshrun.on_run_end" not in manifest.macros:
            raise ConfigError(
                f"freshrun's audit tables are missing in schema {schema!r} ({', '.join(missing)}) and the freshrun "
                "dbt package is not installed in this project: add it to packages.yml, run `dbt deps`, then run dbt "
                "once with the package installed")
        if missing:  # installed, never run: no history yet (the next dbt invocation's hook creates the tables)
            states: dict[str, NodeState] = defaultdict(NodeState)
            _mark_relations(states, graph_nodes, manifest, existing)
            return WarehouseState(dict(states), [], schema)
        tables = AuditTables(adapter, project)
        events = _rows(adapter, f"""
            select unique_id, resource_type, status, started_at, completed_at, execution_seconds, checksum, data_time,
                   recorded_at
            from (
                select e.unique_id, e.resource_type, e.status, e.started_at, e.completed_at, e.execution_seconds,
                       e.checksum, e.data_time, e.recorded_at,
                       row_number() over (partition by e.unique_id
                                          order by coalesce(e.completed_at, e.recorded_at) desc) as rn
                from {tables.relation(EVENTS)} e
                where e.resource_type in {_sql_list(BUILT_RESOURCE_TYPES)}
                  and e.status in {_sql_list(PLANNER_READS_STATUSES)}
            ) recent
            where rn <= {HISTORY_PER_NODE}""")
        observations = _rows(adapter, f"""
            select unique_id, snapshotted_at, max_loaded_at from (
                select o.unique_id, o.snapshotted_at, o.max_loaded_at,
                       row_number() over (partition by o.unique_id order by o.snapshotted_at desc) as rn
                from {tables.relation(SOURCE_OBSERVATIONS)} o
            ) recent where rn <= {OBSERVATIONS_PER_NODE}""")
        ticks = _rows(adapter, f"""
            select started_at from {tables.relation(INVOCATIONS)}
            where triggered_by = '{TRIGGERED_BY}' and dbt_command = '{TICK_COMMAND}'
            order by started_at desc limit {TICKS_READ}""")
    states = defaultdict(NodeState)
    by_node: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in events:
        by_node[row["unique_id"]].append(row)
    for uid, rows in by_node.items():
        _fold_events(states[uid], rows)
    for row in sorted(observations, key=lambda r: naive_utc(r["snapshotted_at"])):
        loaded = loaded_at(naive_utc(row["max_loaded_at"]))
        states[row["unique_id"]].observations.append(Observation(naive_utc(row["snapshotted_at"]), loaded))
    _mark_relations(states, graph_nodes, manifest, existing)
    return WarehouseState(dict(states), [naive_utc(r["started_at"]) for r in ticks], schema)


def _finished_at(row: dict[str, Any]) -> datetime:
    return naive_utc(row["completed_at"] or row["recorded_at"])


def _fold_events(node_state: NodeState, rows: list[dict[str, Any]]) -> None:
    """One node's recent events (successes and failures) into its NodeState."""
    rows.sort(key=lambda r: (_finished_at(r), r["status"] == SUCCESS_STATUS))
    successes = [r for r in rows if r["status"] == SUCCESS_STATUS]
    for row in successes:
        node_state.success_times.append((naive_utc(row["started_at"]), naive_utc(row["completed_at"])))
    if successes:
        last = successes[-1]
        node_state.last_success = Build(naive_utc(last["started_at"]), naive_utc(last["completed_at"]),
                                        naive_utc(last["data_time"]), last["checksum"],
                                        float(last["execution_seconds"] or 0))
        timed = [r for r in successes if r["execution_seconds"] is not None]  # baseline rows have none
        node_state.durations = [float(r["execution_seconds"]) for r in timed[-DURATIONS_PER_NODE:]]
        cutoff = naive_utc(last["completed_at"])
        failures = [r for r in rows if r["status"] == FAILURE_STATUS and _finished_at(r) > cutoff]
    else:
        failures = [r for r in rows if r["status"] == FAILURE_STATUS]
    node_state.consecutive_failures = len(failures)
    node_state.last_failure_at = max((_finished_at(r) for r in failures), default=None)
    if rows[0]["resource_type"] == "seed":
        loads = sorted(successes, key=lambda r: naive_utc(r["started_at"]))
        for previous, load in pairwise(loads):
            if load["checksum"] != previous["checksum"]:
                node_state.content_changes.append(naive_utc(load["started_at"]))


def _mark_relations(states: dict[str, NodeState], graph_nodes: Iterable[Any], manifest: Any,
                    existing: set[tuple[str, str, str]]) -> None:
    for node in graph_nodes:
        key = _relation_key(manifest, node.unique_id)
        if key is not None:
            states[node.unique_id].relation_exists = key in existing or ("", key[1], key[2]) in existing


def _rows(adapter: Any, sql: str) -> list[dict[str, Any]]:
    _, table = adapter.execute(sql, fetch=True)
    columns = list(table.column_names)
    return [dict(zip(columns, row, strict=True)) for row in table.rows]


def _relation_key(manifest: Any, uid: str) -> tuple[str, str, str] | None:
    node = manifest.nodes.get(uid)
    if node is None:
        return None
    materialized = getattr(node.config, "materialized", None)
    if materialized == "ephemeral":
        return None
    name = getattr(node, "alias", None) or node.name
    return (str(node.database or "").lower(), str(node.schema).lower(), str(name).lower())


def _existing_relations(adapter: Any, manifest: Any, database: str | None, schema: str) -> set[tuple[str, str, str]]:
    schemas = {(node.database, node.schema) for node in manifest.nodes.values()
               if getattr(getattr(node, "resource_type", None), "value", None) in BUILT_RESOURCE_TYPES}
    schemas.add((database, schema))
    found: set[tuple[str, str, str]] = set()
    adapter.cache.clear()  # dbt's adapter is shared across the process: never trust relations listed earlier
    for relation_database, relation_schema in schemas:
        try:
            relations = adapter.list_relations(relation_database, relation_schema)
        except Exception as exc:
            text = str(exc).lower()
            if ("does not exist" in text or "not found" in text) and not any(p in text for p in LOCK_PATTERNS):
                continue  # a schema that does not exist yet holds no relations
            raise classify_error(str(exc), "could not query the warehouse") from exc
        for relation in relations:
            found.add((str(relation.database or "").lower(), str(relation.schema).lower(),
                       str(relation.identifier).lower()))
    return found

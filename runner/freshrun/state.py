"""What the warehouse says: SQL over the contract tables, folded into the
planner's NodeState.  Reads only; works through dbt's adapter."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from freshrun.dbt import _LOCK_PATTERNS, DbtProject, _classify
from freshrun.errors import ConfigError
from freshrun.model import Build, NodeState, Observation

HISTORY_PER_NODE = 50  # recent events per node the planner sees (durations, failures, seed changes)
TABLES = ("freshrun_events", "freshrun_source_observations", "freshrun_invocations")


def naive_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


@dataclass
class WarehouseState:
    nodes: dict[str, NodeState]
    freshrun_tick_starts: list[datetime]
    schema: str

    def add_observation(self, uid: str, snapshotted_at: Any, max_loaded_at: Any) -> None:
        """An observation freshrun just recorded, folded in as read_state would read it back."""
        loaded = naive_utc(max_loaded_at)
        if loaded is not None and loaded.year <= 1900:
            loaded = None
        self.nodes.setdefault(uid, NodeState()).observations.append(Observation(naive_utc(snapshotted_at), loaded))

    def inferred_interval_minutes(self, default: float = 15.0) -> float:
        """The median gap between recorded freshrun ticks (invocations less than
        two minutes apart belong to one tick); `default` with fewer than 3 ticks."""
        starts = sorted(self.freshrun_tick_starts)
        ticks: list[datetime] = []
        for s in starts:
            if not ticks or (s - ticks[-1]).total_seconds() >= 120:
                ticks.append(s)
        gaps = [(b - a).total_seconds() / 60 for a, b in zip(ticks, ticks[1:])]
        if len(gaps) < 2:
            return default
        return max(1.0, round(statistics.median(gaps[-20:])))


def freshrun_schema(project: DbtProject) -> tuple[str | None, str]:
    config = project.config
    schema = (project.vars or {}).get("freshrun_schema")
    if not schema:
        try:
            schema = config.vars.to_dict().get("freshrun_schema")
        except Exception:
            schema = None
    return config.credentials.database, schema or config.credentials.schema


def _relation(adapter, database: str | None, schema: str, name: str) -> str:
    return str(adapter.Relation.create(database=database, schema=schema, identifier=name))


def read_state(project: DbtProject, graph_nodes: Iterable[Any], manifest: Any) -> WarehouseState:
    database, schema = freshrun_schema(project)
    with project.connection() as adapter:
        existing = _existing_relations(adapter, manifest, database, schema)
        missing = [t for t in TABLES if (str(database or "").lower(), schema.lower(), t) not in existing
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
        ev = _relation(adapter, database, schema, "freshrun_events")
        ob = _relation(adapter, database, schema, "freshrun_source_observations")
        inv = _relation(adapter, database, schema, "freshrun_invocations")
        events = _rows(adapter, f"""
            select unique_id, resource_type, status, started_at, completed_at, execution_seconds, checksum, data_time, recorded_at
            from (
                select e.unique_id, e.resource_type, e.status, e.started_at, e.completed_at, e.execution_seconds,
                       e.checksum, e.data_time, e.recorded_at,
                       row_number() over (partition by e.unique_id order by coalesce(e.completed_at, e.recorded_at) desc) as rn
                from {ev} e
                where e.resource_type in ('model', 'seed', 'snapshot') and e.status in ('success', 'error')
            ) recent
            where rn <= {HISTORY_PER_NODE}""")
        observations = _rows(adapter, f"""
            select unique_id, snapshotted_at, max_loaded_at from (
                select o.unique_id, o.snapshotted_at, o.max_loaded_at,
                       row_number() over (partition by o.unique_id order by o.snapshotted_at desc) as rn
                from {ob} o
            ) recent where rn <= 20""")
        ticks = _rows(adapter, f"""
            select started_at from {inv} where triggered_by = 'freshrun' and dbt_command = 'tick'
            order by started_at desc limit 100""")
    states: dict[str, NodeState] = defaultdict(NodeState)
    by_node: dict[str, list[dict]] = defaultdict(list)
    for row in events:
        by_node[row["unique_id"]].append(row)
    for uid, rows in by_node.items():
        rows.sort(key=lambda r: (naive_utc(r["completed_at"] or r["recorded_at"]), r["status"] == "success"))
        st = states[uid]
        successes = [r for r in rows if r["status"] == "success"]
        for r in successes:
            st.success_times.append((naive_utc(r["started_at"]), naive_utc(r["completed_at"])))
        if successes:
            last = successes[-1]
            st.last_success = Build(naive_utc(last["started_at"]), naive_utc(last["completed_at"]),
                                    naive_utc(last["data_time"]), last["checksum"], float(last["execution_seconds"] or 0))
            timed = [r for r in successes if r["execution_seconds"] is not None]  # baseline rows have none
            st.durations = [float(r["execution_seconds"]) for r in timed[-10:]]
            cutoff = naive_utc(last["completed_at"])
            failures = [r for r in rows if r["status"] == "error" and naive_utc(r["completed_at"] or r["recorded_at"]) > cutoff]
        else:
            failures = [r for r in rows if r["status"] == "error"]
        st.consecutive_failures = len(failures)
        st.last_failure_at = max((naive_utc(r["completed_at"] or r["recorded_at"]) for r in failures), default=None)
        if rows[0]["resource_type"] == "seed":
            loads = sorted(successes, key=lambda r: naive_utc(r["started_at"]))
            for prev, cur in zip(loads, loads[1:]):
                if cur["checksum"] != prev["checksum"]:
                    st.content_changes.append(naive_utc(cur["started_at"]))
    for row in sorted(observations, key=lambda r: naive_utc(r["snapshotted_at"])):
        loaded = naive_utc(row["max_loaded_at"])
        if loaded is not None and loaded.year <= 1900:  # dbt's answer for an empty table: no data yet
            loaded = None
        states[row["unique_id"]].observations.append(Observation(naive_utc(row["snapshotted_at"]), loaded))
    _mark_relations(states, graph_nodes, manifest, existing)
    return WarehouseState(dict(states), [naive_utc(r["started_at"]) for r in ticks], schema)


def _mark_relations(states, graph_nodes, manifest, existing) -> None:
    for node in graph_nodes:
        key = _relation_key(manifest, node.unique_id)
        if key is not None:
            states[node.unique_id].relation_exists = key in existing or ("", key[1], key[2]) in existing


def _rows(adapter, sql: str) -> list[dict[str, Any]]:
    _, table = adapter.execute(sql, fetch=True)
    cols = list(table.column_names)
    return [dict(zip(cols, row)) for row in table.rows]


def _relation_key(manifest: Any, uid: str) -> tuple[str, str, str] | None:
    node = manifest.nodes.get(uid)
    if node is None:
        return None
    materialized = getattr(node.config, "materialized", None)
    if materialized == "ephemeral":
        return None
    name = getattr(node, "alias", None) or node.name
    return (str(node.database or "").lower(), str(node.schema).lower(), str(name).lower())


def _existing_relations(adapter, manifest: Any, database: str | None, schema: str) -> set[tuple[str, str, str]]:
    schemas = {(node.database, node.schema) for node in manifest.nodes.values()
               if getattr(getattr(node, "resource_type", None), "value", None) in ("model", "seed", "snapshot")}
    schemas.add((database, schema))
    found: set[tuple[str, str, str]] = set()
    adapter.cache.clear()  # dbt's adapter is shared across the process: never trust relations listed earlier
    for db, sch in schemas:
        try:
            relations = adapter.list_relations(db, sch)
        except Exception as exc:
            text = str(exc).lower()
            if ("does not exist" in text or "not found" in text) and not any(p in text for p in _LOCK_PATTERNS):
                continue  # a schema that does not exist yet holds no relations
            raise _classify(str(exc), "could not query the warehouse") from exc
        for rel in relations:
            found.add((str(rel.database or "").lower(), str(rel.schema).lower(), str(rel.identifier).lower()))
    return found

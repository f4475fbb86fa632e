"""Observe sources and record ticks without a second dbt invocation.

`dbt source freshness` costs a whole dbt invocation (seconds on a large
project).  freshrun asks dbt's adapter the same question dbt's own freshness
runner asks (`adapter.calculate_freshness`), and appends the rows with the
runner's one row writer (freshrun.rows).  Sources with `loaded_at_field` are
asked in one UNION ALL query per batch; `loaded_at_query` ones are rendered
and run as dbt runs them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from freshrun import __version__
from freshrun.contract import (
    INVOCATIONS,
    OBSERVATION_FAILED_STATUS,
    OBSERVED_STATUS,
    SOURCE_OBSERVATIONS,
    TICK_COMMAND,
    TRIGGERED_BY,
    loaded_at,
    naive_utc,
)
from freshrun.dbt import DbtProject
from freshrun.report import error_cause, warn
from freshrun.rows import AuditTables

BATCH_SOURCES = 50  # loaded_at_field sources per UNION ALL query


@dataclass(frozen=True)
class Observed:
    """One source observation: what `dbt source freshness` would report now."""

    unique_id: str
    snapshotted_at: datetime
    max_loaded_at: datetime | None  # None: the table holds no rows yet


def _batch_sql(adapter: Any, project: DbtProject, sources: list[Any]) -> str:
    """One query for many loaded_at_field sources: the `collect_freshness` SELECT of each, UNION ALL."""
    clock = str(adapter.execute_macro("current_timestamp")).strip()
    parts = []
    for k, source in enumerate(sources):
        relation = adapter.Relation.create_from(project.config, source)
        where = f" where {source.freshness.filter}" if source.freshness and source.freshness.filter else ""
        parts.append(f"select {k} as source_index, max({source.loaded_at_field}) as max_loaded_at, "
                     f"{clock} as snapshotted_at from {relation}{where}")
    return "\nunion all\n".join(parts)


def _one(adapter: Any, project: DbtProject, source: Any) -> tuple[datetime | None, datetime | None]:
    """dbt's own freshness call for one source (loaded_at_query rendered as `dbt source freshness` does)."""
    manifest = project.manifest
    relation = adapter.Relation.create_from(project.config, source)
    adapter.clear_transaction()
    if getattr(source, "loaded_at_query", None):
        from dbt.clients import jinja
        from dbt.context.providers import RuntimeProvider, SourceContext

        sql = jinja.get_rendered(source.loaded_at_query,
                                 SourceContext(source, project.config, manifest, RuntimeProvider(), None).to_dict(),
                                 source)
        _, freshness = adapter.calculate_freshness_from_custom_sql(relation, sql, macro_resolver=manifest)
    else:
        _, freshness = adapter.calculate_freshness(relation, source.loaded_at_field,
                                                   source.freshness.filter if source.freshness else None,
                                                   macro_resolver=manifest)
    return naive_utc(freshness.get("max_loaded_at")), naive_utc(freshness.get("snapshotted_at"))


def observe_sources(project: DbtProject, source_ids: Iterable[str], now: datetime,
                    record: bool = True) -> list[Observed]:
    """Observe each source as `dbt source freshness` would, in as few queries as the sources allow
    (loaded_at_field sources batched, loaded_at_query ones one by one); `record` appends the rows to
    freshrun_source_observations.  A source that cannot be read is warned about (and recorded as
    failed), never fatal."""
    manifest = project.manifest
    invocation = f"freshrun-observe-{uuid.uuid4()}"
    wanted = [uid for uid in source_ids if uid in manifest.sources]
    batchable = [uid for uid in wanted if not getattr(manifest.sources[uid], "loaded_at_query", None)
                 and getattr(manifest.sources[uid], "loaded_at_field", None)]
    found: dict[str, tuple[datetime | None, datetime | None]] = {}
    failed: dict[str, str] = {}
    with project.connection() as adapter:
        for start in range(0, len(batchable), BATCH_SOURCES):
            chunk = batchable[start:start + BATCH_SOURCES]
            try:
                adapter.clear_transaction()
                _, table = adapter.execute(_batch_sql(adapter, project, [manifest.sources[u] for u in chunk]),
                                           fetch=True)
                for row in table.rows:
                    found[chunk[int(row[0])]] = (naive_utc(row[1]), naive_utc(row[2]))
            except Exception:  # one unreadable source fails the batch: ask each on its own
                adapter.connections.rollback_if_open()
        for uid in wanted:
            if uid in found:
                continue
            try:
                found[uid] = _one(adapter, project, manifest.sources[uid])
            except Exception as exc:
                adapter.connections.rollback_if_open()
                failed[uid] = error_cause(exc)
        observed = [Observed(uid, snapshotted or now, loaded_at(loaded)) for uid, (loaded, snapshotted)
                    in found.items()]
        for uid, cause in failed.items():
            warn(f"could not observe {uid}: {cause}")
        if record:
            rows = [{"invocation_id": invocation, "unique_id": o.unique_id, "max_loaded_at": o.max_loaded_at,
                     "snapshotted_at": o.snapshotted_at, "status": OBSERVED_STATUS, "recorded_at": now}
                    for o in observed]
            rows += [{"invocation_id": invocation, "unique_id": uid, "max_loaded_at": None, "snapshotted_at": now,
                      "status": OBSERVATION_FAILED_STATUS, "recorded_at": now} for uid in failed]
            AuditTables(adapter, project).write(SOURCE_OBSERVATIONS, rows)
    project.release()
    return observed


def record_tick(project: DbtProject, started_at: datetime, completed_at: datetime, selector: str, success: bool,
                target_name: str) -> None:
    """One freshrun_invocations row per tick, even one that built nothing (the interval is inferred from these)."""
    with project.connection() as adapter:
        AuditTables(adapter, project).write(INVOCATIONS, [{
            "invocation_id": f"freshrun-tick-{uuid.uuid4()}", "dbt_command": TICK_COMMAND, "started_at": started_at,
            "completed_at": completed_at, "target_name": target_name, "triggered_by": TRIGGERED_BY,
            "freshrun_version": __version__, "selector": selector, "success": success, "recorded_at": completed_at}])
    project.release()

"""Observe sources and record ticks without a second dbt invocation.

`dbt source freshness` costs a whole dbt invocation (seconds on a large
project).  freshrun asks dbt's adapter the same question dbt's own freshness
runner asks (`adapter.calculate_freshness`), and appends the rows with the
package's own macros (`freshrun.values_sql` + `freshrun.insert_rows`), so
escaping and batching stay in one place.  Sources with `loaded_at_query`
still go through `dbt source freshness`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Iterable

from freshrun import __version__
from freshrun.dbt import DbtProject
from freshrun.report import last_line, warn
from freshrun.state import freshrun_schema


def _insert(adapter, project: DbtProject, table: str, columns: list[str], rows: list[list[Any]], types: list[str]) -> None:
    if not rows:
        return
    database, schema = freshrun_schema(project)
    database_rel = adapter.get_relation(database, schema, table)
    if database_rel is None:
        adapter.execute_macro("ensure_tables", project="freshrun")
    relation = adapter.Relation.create(database=database, schema=schema, identifier=table)
    tuples = adapter.execute_macro("values_sql", project="freshrun", kwargs={"rows": rows, "types": types})
    adapter.execute_macro("insert_rows", project="freshrun",
                          kwargs={"relation": relation, "columns": columns, "rows": tuples})


def observe_sources(project: DbtProject, source_ids: Iterable[str], now: datetime,
                    observed: list[tuple[str, datetime, datetime | None]] | None = None) -> list[str]:
    """Record one observation per source; returns the sources left for `dbt source freshness`.
    `observed` (when given) receives (unique_id, snapshotted_at, max_loaded_at) for each recorded observation."""
    manifest = project.manifest
    invocation = f"freshrun-observe-{uuid.uuid4()}"
    rows: list[list[Any]] = []
    leftover: list[str] = []
    with project.connection() as adapter:
        for uid in source_ids:
            source = manifest.sources[uid]
            if getattr(source, "loaded_at_query", None) or not getattr(source, "loaded_at_field", None):
                leftover.append(uid)
                continue
            relation = adapter.Relation.create_from(project.config, source)
            try:
                adapter.clear_transaction()
                _, freshness = adapter.calculate_freshness(relation, source.loaded_at_field,
                                                           source.freshness.filter if source.freshness else None,
                                                           macro_resolver=manifest)
            except Exception as exc:  # a source that cannot be read: recorded, warned about, not fatal
                adapter.clear_transaction()
                warn(f"could not observe {uid}: {last_line(exc)}")
                rows.append([invocation, uid, None, now, "error", now])
                continue
            loaded = freshness.get("max_loaded_at")
            if loaded is not None and loaded.year <= 1900:  # dbt's answer for an empty table
                loaded = None
            rows.append([invocation, uid, loaded, freshness.get("snapshotted_at") or now, "observed", now])
            if observed is not None:
                observed.append((uid, rows[-1][3], loaded))
        _insert(adapter, project, "freshrun_source_observations",
                ["invocation_id", "unique_id", "max_loaded_at", "snapshotted_at", "status", "recorded_at"],
                rows, ["s", "s", "t", "t", "s", "t"])
    project.release()
    return leftover


def record_tick(project: DbtProject, started_at: datetime, completed_at: datetime, selector: str, success: bool,
                target_name: str) -> None:
    """One freshrun_invocations row per tick, even one that built nothing (the interval is inferred from these)."""
    with project.connection() as adapter:
        _insert(adapter, project, "freshrun_invocations",
                ["invocation_id", "dbt_command", "started_at", "completed_at", "target_name", "triggered_by",
                 "freshrun_version", "selector", "success", "recorded_at"],
                [[f"freshrun-tick-{uuid.uuid4()}", "tick", started_at, completed_at, target_name, "freshrun",
                  __version__, selector, success, completed_at]],
                ["s", "s", "t", "t", "s", "s", "s", "s", "b", "t"])
    project.release()

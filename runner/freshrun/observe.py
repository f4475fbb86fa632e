"""Observe sources and record ticks without a second dbt invocation.

`dbt source freshness` costs a whole dbt invocation (seconds on a large
project).  freshrun asks dbt's adapter the same question dbt's own freshness
runner asks (`adapter.calculate_freshness`), and appends the rows with the
runner's one row writer (freshrun.rows).  Sources with `loaded_at_query`
still go through `dbt source freshness`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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
)
from freshrun.dbt import DbtProject
from freshrun.report import last_line, warn
from freshrun.rows import AuditTables


def observe_sources(project: DbtProject, source_ids: Iterable[str], now: datetime,
                    observed: list[tuple[str, datetime, datetime | None]] | None = None) -> list[str]:
    """Record one observation per source; returns the sources left for `dbt source freshness`.
    `observed` (when given) receives (unique_id, snapshotted_at, max_loaded_at) for each recorded observation."""
    manifest = project.manifest
    invocation = f"freshrun-observe-{uuid.uuid4()}"
    rows: list[dict[str, Any]] = []
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
                rows.append({"invocation_id": invocation, "unique_id": uid, "max_loaded_at": None,
                             "snapshotted_at": now, "status": OBSERVATION_FAILED_STATUS, "recorded_at": now})
                continue
            loaded = loaded_at(freshness.get("max_loaded_at"))
            snapshotted_at = freshness.get("snapshotted_at") or now
            rows.append({"invocation_id": invocation, "unique_id": uid, "max_loaded_at": loaded,
                         "snapshotted_at": snapshotted_at, "status": OBSERVED_STATUS, "recorded_at": now})
            if observed is not None:
                observed.append((uid, snapshotted_at, loaded))
        AuditTables(adapter, project).write(SOURCE_OBSERVATIONS, rows)
    project.release()
    return leftover


def record_tick(project: DbtProject, started_at: datetime, completed_at: datetime, selector: str, success: bool,
                target_name: str) -> None:
    """One freshrun_invocations row per tick, even one that built nothing (the interval is inferred from these)."""
    with project.connection() as adapter:
        AuditTables(adapter, project).write(INVOCATIONS, [{
            "invocation_id": f"freshrun-tick-{uuid.uuid4()}", "dbt_command": TICK_COMMAND, "started_at": started_at,
            "completed_at": completed_at, "target_name": target_name, "triggered_by": TRIGGERED_BY,
            "freshrun_version": __version__, "selector": selector, "success": success, "recorded_at": completed_at}])
    project.release()

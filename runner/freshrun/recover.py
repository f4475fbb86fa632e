"""No lost records: after each dbt invocation it ran, the runner checks that the
package's on-run-end hook recorded it, and records whatever is missing from the
node results it holds.

The hook does not record when it failed (a permission, a dropped connection),
when a root-project hook before it failed (dbt then skips the rest), or when
dbt was interrupted before on-run-end (Ctrl-C, SIGTERM).  Without these rows
the next tick would rebuild what already succeeded.  The rows are written by
the package's own macros (`freshrun.record_recovered`), so data times follow
the same rule as the hook's, and only rows not already present for the
invocation are added (a hook that failed half-way is completed, not doubled).
A failed node stays failed; a node cancelled by the stop is `interrupted`."""

from __future__ import annotations

from typing import Any

from freshrun.contract import EVENTS, INVOCATION_FAILED_STATUSES, INVOCATIONS, RECORDED_RESOURCE_TYPES
from freshrun.dbt import BuildOutcome, DbtProject
from freshrun.rows import AuditTables


def _recorded(tables: AuditTables, invocation_id: str) -> tuple[bool, set[str]]:
    """(is the invocation row there, unique_ids with an event row) for one invocation."""
    invocations = tables.existing(INVOCATIONS)
    events = tables.existing(EVENTS)
    if invocations is None or events is None:
        return False, set()
    invocation = tables.literal(invocation_id)
    _, table = tables.adapter.execute(f"select count(*) from {invocations} where invocation_id = {invocation}",
                                      fetch=True)
    if table.rows[0][0]:
        return True, set()  # the hook writes the invocation row last: it got to the end
    _, table = tables.adapter.execute(f"select unique_id from {events} where invocation_id = {invocation}",
                                      fetch=True)
    return False, {row[0] for row in table.rows}


def record_missing(project: DbtProject, outcome: BuildOutcome) -> int:
    """Record the results of `outcome` the hook did not; returns how many event rows were written."""
    if outcome.invocation_id is None:  # dbt stopped before it started anything
        return 0
    manifest = project.manifest
    with project.connection() as adapter:
        complete, present = _recorded(AuditTables(adapter, project), outcome.invocation_id)
        if complete:
            return 0
        results: list[dict[str, Any]] = []
        for r in outcome.finished:
            node = manifest.nodes.get(r["unique_id"])
            if node is None or r["unique_id"] in present or r["resource_type"] not in RECORDED_RESOURCE_TYPES:
                continue
            results.append({**r, "node": node})
        success = outcome.completed and not any(r["status"] in INVOCATION_FAILED_STATUSES for r in outcome.finished)
        written = adapter.execute_macro("record_recovered", project="freshrun", kwargs={
            "results": results, "invocation": outcome.invocation_id, "command": outcome.command,
            "started_at": outcome.started_at, "context": outcome.context, "with_invocation": True,
            "success": success})
    project.release()
    return int(str(written).strip() or 0)

"""The warehouse contract as the runner reads and writes it: where freshrun's
audit tables live and what they are called, the columns of the rows the runner
writes itself, which recorded statuses mean what, and the sentinel values dbt
and the package leave in them.  The tables themselves are defined by the
package's `table_definitions` macro; every name the runner shares with it is
here."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, overload

SCHEMA_VAR = "freshrun_schema"  # dbt var naming the audit schema (default: the target schema)

EVENTS = "freshrun_events"
SOURCE_OBSERVATIONS = "freshrun_source_observations"
INVOCATIONS = "freshrun_invocations"
LOCKS = "freshrun_locks"
ALERTS = "freshrun_alerts"
HISTORY_TABLES = (EVENTS, SOURCE_OBSERVATIONS, INVOCATIONS)  # what the planner's state is read from

# Columns of the rows the runner appends outside dbt, in table order, each with the kind
# `freshrun.values_sql` renders it as: 's' string, 'n' number, 't' timestamp, 'b' boolean.
WRITTEN_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    SOURCE_OBSERVATIONS: (("invocation_id", "s"), ("unique_id", "s"), ("max_loaded_at", "t"),
                          ("snapshotted_at", "t"), ("status", "s"), ("recorded_at", "t")),
    INVOCATIONS: (("invocation_id", "s"), ("dbt_command", "s"), ("started_at", "t"), ("completed_at", "t"),
                  ("target_name", "s"), ("triggered_by", "s"), ("freshrun_version", "s"), ("selector", "s"),
                  ("success", "b"), ("recorded_at", "t")),
    LOCKS: (("lock_name", "s"), ("owner", "s"), ("host", "s"), ("pid", "n"), ("event", "s"),
            ("claimed_at", "t"), ("expires_at", "t")),
    ALERTS: (("unique_id", "s"), ("event", "s"), ("claimed_at", "t"), ("claimant", "s"), ("sent", "b"),
             ("error", "s"), ("recorded_at", "t")),
}

TRIGGERED_BY = "freshrun"  # triggered_by of every invocation freshrun starts
TICK_COMMAND = "tick"  # dbt_command of the freshrun_invocations row each tick appends

BUILT_RESOURCE_TYPES = ("model", "seed", "snapshot")  # what a tick builds and the planner reads history of
RECORDED_RESOURCE_TYPES = ("model", "seed", "snapshot", "test", "unit_test")  # what freshrun_events holds

# Statuses.  Each set answers one question; they differ on purpose.
SUCCESS_STATUS = "success"
FAILURE_STATUS = "error"  # a failed build: counts towards the planner's back-off
PLANNER_READS_STATUSES = (SUCCESS_STATUS, FAILURE_STATUS)  # the events the planner's state is built from
FAILED_STATUSES = frozenset({"error", "fail", "runtime error", "skipped"})  # node results that make a tick exit 1
# node results that make a recovered invocation unsuccessful (a node cancelled by a stop too)
INVOCATION_FAILED_STATUSES = frozenset({"error", "fail", "runtime error", "interrupted"})
SHOWN_AS_FAILED_STATUSES = frozenset({"error", "fail", "skipped"})  # shown in red in the tick summary
OBSERVED_STATUS = "observed"  # a source observation taken
OBSERVATION_FAILED_STATUS = "error"  # a source that could not be read

EMPTY_TABLE_YEAR = 1900  # dbt's max_loaded_at for a source with no rows lies at or before this year


def audit_schema(project: Any) -> tuple[str | None, str]:
    """(database, schema) of freshrun's audit tables: the `freshrun_schema` var given on the
    command line, else in dbt_project.yml, else the target schema (as `freshrun.schema_name`)."""
    config = project.config
    schema = (project.vars or {}).get(SCHEMA_VAR)
    if not schema:
        try:
            schema = config.vars.to_dict().get(SCHEMA_VAR)
        except Exception:
            schema = None
    return config.credentials.database, schema or config.credentials.schema


@overload
def naive_utc(value: None) -> None: ...
@overload
def naive_utc(value: datetime | str) -> datetime: ...
def naive_utc(value: Any) -> datetime | None:
    """A timestamp read back from the warehouse (or an ISO string) as the contract's naive UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def loaded_at(max_loaded_at: datetime | None) -> datetime | None:
    """A source's max_loaded_at, or None when dbt's answer means the table is empty."""
    if max_loaded_at is not None and max_loaded_at.year <= EMPTY_TABLE_YEAR:
        return None
    return max_loaded_at

"""Plain data types shared by the manifest reader, the state reader and the planner.

Nothing here does I/O.  All datetimes are *naive UTC* (tzinfo=None): the
warehouse contract stores naive UTC timestamps and the planner compares them
directly.  Time zones only appear inside cron evaluation (``Policy``'s
``cron_schedule_timezone``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# Materializations that hold no data of their own: the planner and the SQL
# views look *through* them to their frontier.
PASS_THROUGH = frozenset({"view", "ephemeral"})


@dataclass(frozen=True)
class Policy:
    """A model's freshness policy, normalised from its config.

    ``maximum_lag_minutes`` / ``cron_schedule`` / ``cron_schedule_timezone``
    come from ``meta.freshrun`` (or dagster-dbt's
    ``meta.dagster.freshness_policy``); ``build_after_minutes`` / ``updates_on``
    from dbt's ``freshness.build_after`` (count * period, in minutes; 0 means
    "whenever an input has new data").
    """

    maximum_lag_minutes: float | None = None
    cron_schedule: str | None = None
    cron_schedule_timezone: str = "UTC"
    build_after_minutes: float | None = None
    updates_on: str = "any"  # "any" | "all"

    @property
    def has_sla(self) -> bool:
        return self.maximum_lag_minutes is not None

    @property
    def has_build_after(self) -> bool:
        return self.build_after_minutes is not None


@dataclass(frozen=True)
class Node:
    """One node of the user's DAG (model, seed, snapshot or source)."""

    unique_id: str
    name: str
    resource_type: str  # "model" | "seed" | "snapshot" | "source"
    materialized: str  # table, incremental, view, ephemeral, seed, snapshot, source, ...
    parents: tuple[str, ...] = ()  # direct parents (unique_ids of model/seed/snapshot/source)
    checksum: str | None = None  # SQL / file checksum in the current manifest
    policy: Policy | None = None
    observed: bool = False  # sources only: loaded_at_field/query + freshness configured
    original_file_path: str | None = None

    @property
    def is_source(self) -> bool:
        return self.resource_type == "source"

    @property
    def is_seed(self) -> bool:
        return self.resource_type == "seed"

    @property
    def is_pass_through(self) -> bool:
        """Views and ephemeral models: no data of their own."""
        return self.resource_type == "model" and self.materialized in PASS_THROUGH

    @property
    def is_table_like(self) -> bool:
        """Tables, incrementals, snapshots, materialized views...: hold data."""
        return self.resource_type in ("model", "snapshot") and not self.is_pass_through


@dataclass(frozen=True)
class Build:
    """One successful build of a node, as recorded in ``freshrun_events``."""

    started_at: datetime
    completed_at: datetime
    data_time: datetime | None  # None: nothing in the frontier contributes (never stale by time)
    checksum: str | None = None
    execution_seconds: float = 0.0


@dataclass(frozen=True)
class Observation:
    """One row of ``freshrun_source_observations``."""

    snapshotted_at: datetime
    max_loaded_at: datetime | None


@dataclass
class NodeState:
    """What the warehouse says about one node."""

    last_success: Build | None = None
    # (started_at, completed_at) of every recorded successful build, ascending by completed_at.
    success_times: list[tuple[datetime, datetime]] = field(default_factory=list)
    consecutive_failures: int = 0  # failures (status error) since the last success
    last_failure_at: datetime | None = None  # completed_at of the latest failed attempt
    durations: list[float] = field(default_factory=list)  # execution_seconds of recent successes
    relation_exists: bool | None = None  # None: unknown (not checked)
    # seeds only: started_at of each load whose checksum differs from the previous load
    content_changes: list[datetime] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)  # sources only, ascending
    # checksum the latest failed attempt ran with (optional): when the current
    # checksum differs, the user changed the code since the failure and the
    # planner retries at once instead of backing off.
    last_failure_checksum: str | None = None


@dataclass(frozen=True)
class Selection:
    unique_id: str
    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Violation:
    unique_id: str
    name: str
    lag_minutes: float | None
    maximum_lag_minutes: float | None
    blocked_by: str | None = None
    kind: str = "lag"  # "lag" | "cron"
    deadline: datetime | None = None


@dataclass(frozen=True)
class Assessment:
    """Current freshness of one node (``freshrun status``); computed by ``plan.assess``."""

    unique_id: str
    name: str
    materialized: str
    last_success_at: datetime | None  # completed_at of the latest successful build
    data_time: datetime | None  # None: never built, or never stale by time (static inputs)
    lag_minutes: float | None
    maximum_lag_minutes: float | None
    cron_schedule: str | None
    is_overdue: bool
    blocked_by: str | None  # observed source keeping an overdue node from catching up
    next_deadline: datetime | None  # lag: data_time + L; cron: next tick needing newer data (missed tick if overdue)
    consecutive_failures: int
    # one word: missing | unrecorded | failing | overdue | blocked | fresh | static | lazy | observed | unobserved
    status: str
    resource_type: str = "model"


@dataclass
class Plan:
    now: datetime
    interval_minutes: float
    selected: list[Selection] = field(default_factory=list)  # topological order
    violations: list[Violation] = field(default_factory=list)
    skipped: int = 0  # candidate nodes considered and not selected
    unrecorded: list[str] = field(default_factory=list)  # relations that exist with no history
    excluded_required: list[tuple[str, str]] = field(default_factory=list)  # (ancestor, needed_by) out of scope
    explanations: Mapping[str, list[str]] = field(default_factory=dict)  # unique_id -> human sentences (lazy)

    @property
    def selected_ids(self) -> list[str]:
        return [s.unique_id for s in self.selected]

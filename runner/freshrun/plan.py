"""Compatibility shim: the planner now lives in :mod:`freshrun.planner` (removed at merge)."""

from .planner import (
    DEFAULT_TABLE_SECONDS,
    DEFAULT_VIEW_SECONDS,
    MAX_BACKOFF_TICKS,
    PlanGraph,
    ProjectGraph,
    assess,
    cron_ticks,
    current_data_time,
    effective_data_time,
    expected_duration_seconds,
    explain,
    frontier,
    plan,
)

__all__ = [
    "PlanGraph",
    "ProjectGraph",
    "plan",
    "assess",
    "frontier",
    "effective_data_time",
    "current_data_time",
    "explain",
    "cron_ticks",
    "expected_duration_seconds",
    "DEFAULT_TABLE_SECONDS",
    "DEFAULT_VIEW_SECONDS",
    "MAX_BACKOFF_TICKS",
]

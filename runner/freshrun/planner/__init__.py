"""The planner: lineage + policies + state + now -> what to build, and why.

Pure: no I/O, no dbt, no clock.  ``now`` is a parameter and every datetime is naive UTC.
Each rule lives in its own module; :func:`plan` (in :mod:`.decide`) is the one entry point.
Build a :class:`ProjectGraph` once to plan many times over the same graph.
"""

from __future__ import annotations

from .assessment import assess
from .cron import cron_ticks
from .data_times import current_data_time, effective_data_time
from .decide import plan
from .durations import DEFAULT_TABLE_SECONDS, DEFAULT_VIEW_SECONDS, expected_duration_seconds
from .explanation import explain
from .failures import MAX_BACKOFF_TICKS
from .graph import NodeKind, PlanGraph, ProjectGraph, frontier
from .recorded import is_content_change, recorded_data_time

__all__ = [
    "ProjectGraph",
    "PlanGraph",
    "NodeKind",
    "plan",
    "assess",
    "frontier",
    "effective_data_time",
    "current_data_time",
    "recorded_data_time",
    "is_content_change",
    "explain",
    "cron_ticks",
    "expected_duration_seconds",
    "DEFAULT_TABLE_SECONDS",
    "DEFAULT_VIEW_SECONDS",
    "MAX_BACKOFF_TICKS",
]

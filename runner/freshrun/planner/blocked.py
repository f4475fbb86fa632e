"""Blocked: a rebuild that would not help is dropped, and an overdue node says what holds it back.

A rebuild is dropped when it would not give newer data than the node has, or when it would
still leave the node overdue the moment it finishes because the data it would read (limited
by an observed source) is too old -- rebuilding every tick until the source moves burns
warehouse time for nothing.  An overdue node is limited by the oldest observed source
upstream, the failing ancestor it waits for, or the out-of-scope ancestor it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from .context import Context
from .decisions import Classification
from .graph import TABLE
from .sla import Sla


def does_not_improve(data_time_if_rebuilt: datetime | None, current: datetime | None) -> bool:
    """Would a rebuild read data no newer than the node holds?"""
    return current is not None and data_time_if_rebuilt is not None and data_time_if_rebuilt <= current


def rebuild_is_useless(
    context: Context, sla: Sla, i: int, data_time_if_rebuilt: datetime | None, chain: list[float]
) -> bool:
    """Would a rebuild now still leave i overdue when it finishes, because the data it would
    read (limited by an observed source) is too old?"""
    now = context.inputs.now
    if data_time_if_rebuilt is None or data_time_if_rebuilt >= now:
        return False  # the rebuild would read live data: a chain slower than the lag must still run
    own = context.durations.seconds(i) if context.graph.kind[i] == TABLE else 0.0
    done = now + timedelta(seconds=chain[i] + own)
    if sla.cron is None:
        return data_time_if_rebuilt < done - sla.maximum_lag
    tick = sla.cron.prev_le(done)
    return data_time_if_rebuilt < tick - sla.maximum_lag


def limiting_cause(
    context: Context,
    found: Classification,
    i: int,
    sla: Sla,
    data_time_after: datetime | None,
    needs_excluded: Mapping[int, str],
) -> str | None:
    """The unique_id of what keeps overdue node i from catching up after this plan, if anything."""
    assert sla.required_now is not None
    if data_time_after is not None and data_time_after >= sla.required_now:
        return None
    if i in found.waits_for:
        return context.graph.order[found.waits_for[i]]
    if i in found.backing_off:
        return None  # its own failures: status says "failing", the explanation says "backing off"
    oldest = context.sources.oldest_observed(i)
    if oldest is not None and oldest[0] < sla.required_now:
        return oldest[1]
    if i in needs_excluded:
        return needs_excluded[i]
    return None

"""Lag and cron policies: when a node's data is overdue, and which data time a planner tick requires.

* lag L: data is overdue once older than ``now - L``; the tick at `at` must act when the next
  one (``at + interval``) plus the build chain would miss ``data time + L``, and then requires
  ``at + interval + chain - L``.
* cron: a tick ``c`` needs data from ``c - L``.  The tick at `at` must act for a missed tick or
  for the next tick the following planner tick can no longer serve (``c - chain < at +
  interval``).  A tick whose window ``[c - L, c - chain]`` holds no planner tick counts as
  served once data >= ``c - own build - interval`` (built at the last tick before it): one
  build per cron tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .context import Context
from .cron import CronSchedule, node_cron_schedule
from .graph import TABLE
from .text import format_minutes, format_time, minutes

_UNSET: object = object()

Requirement = tuple[datetime | None, str | None]  # (required data time or None, description)


class Sla:
    """Per-node constants of an SLA evaluation at `now`."""

    __slots__ = (
        "current_data_time",
        "maximum_lag",
        "cron",
        "previous_cron_tick",
        "overdue",
        "required_now",
        "deadline",
        "own_build_time",
    )

    current_data_time: datetime | None
    maximum_lag: timedelta
    cron: CronSchedule | None
    previous_cron_tick: datetime | None
    overdue: bool
    required_now: datetime | None  # data time needed right now not to be overdue
    deadline: datetime | None
    own_build_time: timedelta

    def __init__(self, context: Context, i: int):
        try:
            self._init(context, i)
        except ValueError as e:
            if context.graph.order[i] in str(e):
                raise
            node = context.graph.node[i]
            where = f" ({node.original_file_path})" if node.original_file_path else ""
            raise ValueError(f"{node.unique_id}{where}: {e}") from None

    def _init(self, context: Context, i: int) -> None:
        graph, now = context.graph, context.inputs.now
        node = graph.node[i]
        policy = node.policy
        assert policy is not None and policy.maximum_lag_minutes is not None
        self.own_build_time = (
            timedelta(seconds=context.durations.seconds(i)) if graph.kind[i] == TABLE else timedelta(0)
        )
        self.current_data_time = current = context.data_times.current(i)
        self.maximum_lag = timedelta(minutes=float(policy.maximum_lag_minutes))
        self.cron = node_cron_schedule(node) if policy.cron_schedule else None
        self.previous_cron_tick = None
        self.overdue = False
        self.required_now = None
        self.deadline = None
        if self.cron is not None:
            self.previous_cron_tick = self.cron.prev_le(now)
            self.required_now = self.previous_cron_tick - self.maximum_lag
            if current is not None and current < self.required_now:
                self.overdue = True
                self.deadline = self.previous_cron_tick
        else:
            self.required_now = now - self.maximum_lag
            if current is not None:
                self.deadline = current + self.maximum_lag
                self.overdue = current < self.required_now

    def from_scratch_requirement(self, context: Context, until_built: timedelta) -> datetime:
        """Requirement for data built from scratch now (a missing node, or a view whose
        frontier has a table being built for the first time): fine until the next tick."""
        now, interval = context.inputs.now, context.inputs.interval
        if self.cron is None:
            return now + interval + until_built - self.maximum_lag
        assert self.previous_cron_tick is not None
        requirement = self.previous_cron_tick - self.maximum_lag
        tick = self.cron.prev_lt(now + interval + until_built)
        if tick > now and tick - self.maximum_lag > requirement:
            requirement = tick - self.maximum_lag
        return requirement

    def _requirement_at(
        self,
        at: datetime,
        interval: timedelta,
        until_built: timedelta,
        data_time: datetime,
        previous_cron_tick: datetime | None,
    ) -> tuple[datetime | None, datetime | None, datetime | None]:
        """The requirement the planner tick at `at` sets for data time `data_time`: (requirement
        or None, the missed cron tick that asks for it, the coming cron tick that asks for it).
        until_built: expected time until the node is built; previous_cron_tick: the latest cron
        tick <= at."""
        lag = self.maximum_lag
        if self.cron is None:
            lag_requirement = at + interval + until_built - lag
            return (lag_requirement if data_time < lag_requirement else None), None, None
        assert previous_cron_tick is not None
        # cron: for tick c a build must start in [c - L, c - d]; if no tick of ours falls in
        # that window (narrower than the interval) the best is the last tick at or before c - d,
        # which leaves data time > c - d - interval.  A tick is "served" once the data time is
        # >= min(c - L, c - own - interval) (own: the node's own build time, which does not
        # depend on what else is selected, so that the decision stays monotone).
        own = self.own_build_time
        requirement: datetime | None = None
        missed = coming = None
        if data_time < previous_cron_tick - lag and data_time < previous_cron_tick - own - interval:
            requirement, missed = previous_cron_tick - lag, previous_cron_tick
        # latest tick the following planner tick can no longer serve: c - d < at + interval
        tick = self.cron.prev_lt(at + interval + until_built)
        if tick > at and data_time < min(tick - lag, tick - own - interval):
            coming = tick
            if requirement is None or tick - lag > requirement:
                requirement = tick - lag
        return requirement, missed, coming

    def requirement(self, context: Context, until_built: timedelta, data_time: object = _UNSET) -> Requirement:
        """(required data time, description) if the node must get fresher data at this tick.
        until_built: expected time until the node is built (its own build plus the chain before
        it); data_time: evaluate as if the node's data time were this (default: its current one)."""
        current = self.current_data_time if data_time is _UNSET else data_time
        if current is None:
            return None, None
        assert isinstance(current, datetime)
        now, interval, lag = context.inputs.now, context.inputs.interval, self.maximum_lag
        requirement, missed, coming = self._requirement_at(
            now, interval, until_built, current, self.previous_cron_tick
        )
        if requirement is None:
            return None, None
        wait = format_minutes(minutes(until_built))
        if self.cron is None:
            return requirement, (
                f"lag policy: data time {format_time(current)} + {format_minutes(minutes(lag))} = deadline "
                f"{format_time(current + lag)}; the next tick ({format_time(now + interval)}) plus ~{wait} of "
                "building would miss it"
            )
        if coming is not None:
            return requirement, (
                f"cron {self.cron.expr}: tick {format_time(coming)} needs data from {format_time(coming - lag)} or "
                f"later (has {format_time(current)}); the next tick ({format_time(now + interval)}) plus ~{wait} of "
                "building would be too late"
            )
        return requirement, (
            f"cron {self.cron.expr}: missed tick {format_time(missed)} (needed data from {format_time(requirement)}, "
            f"has {format_time(current)})"
        )

    def next_tick_requirement(
        self, context: Context, until_built: timedelta, data_time: object = _UNSET
    ) -> datetime | None:
        """The requirement the next planner tick would set if nothing were built now (None:
        it would not act either) -- :meth:`requirement` evaluated one interval later."""
        current = self.current_data_time if data_time is _UNSET else data_time
        if current is None:
            return None
        assert isinstance(current, datetime)
        interval = context.inputs.interval
        t = context.inputs.now + interval
        previous_cron_tick = self.cron.prev_le(t) if self.cron is not None else None
        return self._requirement_at(t, interval, until_built, current, previous_cron_tick)[0]


def next_deadline(sla: Sla, now: datetime) -> datetime | None:
    """The next moment the node's data must be newer: lag: data time + L; cron: the next tick
    needing newer data (the missed tick when overdue)."""
    if sla.cron is None or sla.current_data_time is None:
        return sla.deadline
    if sla.overdue:
        return sla.previous_cron_tick
    return sla.cron.next_gt(max(now, sla.current_data_time + sla.maximum_lag))

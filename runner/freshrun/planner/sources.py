"""Sources: what their observations say now, what their cadence says they will hold later.

An *observed* source has a ``max_loaded_at`` from ``dbt source freshness``; an unobserved one
(or one without a usable observation yet) is treated as live.  A source's cadence is the
median interval between its recent distinct ``max_loaded_at`` values.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from itertools import pairwise

from ..model import Observation
from .durations import middle
from .graph import SOURCE
from .inputs import Inputs

CADENCE_VALUES = 8  # a cadence: the median of up to this many intervals between recent distinct max_loaded_at values


def _snapshotted_at(observation: Observation) -> datetime:
    return observation.snapshotted_at


class Sources:
    """Observed ``max_loaded_at`` values and cadences, memoised for one planner call."""

    def __init__(self, inputs: Inputs):
        self.inputs = inputs
        self._now_memo: dict[int, datetime | None] = {}
        self._oldest_memo: dict[int, tuple[datetime, str] | None] = {}

    def max_loaded_at(self, i: int, t: datetime | None = None) -> datetime | None:
        """Observed max_loaded_at as of t (default now); None = unobserved / no usable observation."""
        inputs = self.inputs
        if not inputs.graph.node[i].observed:
            return None
        if t is None and i in self._now_memo:
            return self._now_memo[i]
        observations = inputs.states[i].observations
        value = None
        if observations:
            as_of = inputs.now if t is None else t
            if observations[-1].snapshotted_at <= as_of:
                value = observations[-1].max_loaded_at
            else:
                k = bisect_right(observations, as_of, key=_snapshotted_at)
                value = observations[k - 1].max_loaded_at if k else None
        if t is None:
            self._now_memo[i] = value
        return value

    def max_loaded_at_or_now(self, i: int) -> datetime:
        """What source i holds now, live (now) when it is not observed."""
        value = self.max_loaded_at(i)
        return self.inputs.now if value is None else value

    def expected_max_loaded_at(self, i: int, t: datetime) -> datetime:
        """The max_loaded_at source i is expected to show at t, from its own cadence: the
        latest value advanced by as many median intervals between its recent distinct
        values as fit before t.  No cadence (fewer than two distinct values): the latest
        value.  Unobserved / no data yet: live (t)."""
        latest = self.max_loaded_at(i)
        if latest is None:
            return t
        now = self.inputs.now
        values = [latest]
        for observation in reversed(self.inputs.states[i].observations):
            value = observation.max_loaded_at
            if value is None or observation.snapshotted_at > now or value >= values[-1]:
                continue
            values.append(value)
            if len(values) > CADENCE_VALUES:
                break
        if len(values) < 2:
            return latest
        step = middle([newer - older for newer, older in pairwise(values)])
        if latest + step > t:
            return latest
        return latest + step * ((t - latest) // step)

    def oldest_observed(self, i: int) -> tuple[datetime, str] | None:
        """The observed source anywhere upstream of i with the oldest max_loaded_at (ties: unique_id)."""
        memo = self._oldest_memo
        if i in memo:
            return memo[i]
        graph = self.inputs.graph
        parents, kind, order = graph.parents, graph.kind, graph.order
        stack = [i]
        while stack:
            v = stack[-1]
            if v in memo:
                stack.pop()
                continue
            pending = [p for p in parents[v] if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            oldest = None
            for p in parents[v]:
                candidate = memo[p]
                if candidate is not None and (oldest is None or candidate < oldest):
                    oldest = candidate
            if kind[v] == SOURCE:
                t = self.max_loaded_at(v)
                if t is not None and (oldest is None or (t, order[v]) < oldest):
                    oldest = (t, order[v])
            memo[v] = oldest
        return memo[i]

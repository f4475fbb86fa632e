"""Which table-like frontier members a requirement makes stale: those whose data is older than it.

For requirements a table counts with its effective data time; one never built (or whose
relation is gone) is older than anything; one that exists without recorded history is never
required (its data is unknown).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime
from typing import Any

from .data_times import DataTimes
from .graph import TABLE, fold_through
from .inputs import Inputs

_UNSET: object = object()


class Staleness:
    """Frontier tables by data time, memoised for one planner call."""

    def __init__(self, inputs: Inputs, data_times: DataTimes):
        self.inputs = inputs
        self.data_times = data_times
        self._requirement_data_times: dict[int, Any] = {}  # memo: absent = not computed yet
        self._oldest_memo: dict[int, datetime | None] = {}
        self._sorted_frontier: dict[int, tuple[list[datetime], list[int]]] = {}

    def requirement_data_time(self, p: int) -> datetime | None:
        """What table p's data counts as against a requirement (None: never required; not a table)."""
        inputs = self.inputs
        if inputs.graph.kind[p] != TABLE:
            return None
        if inputs.built[p]:
            return self.data_times.effective(p)
        if inputs.last_success[p] is None and inputs.states[p].relation_exists is True:
            return None  # unrecorded: unknown data, never required
        return datetime.min  # never built / relation gone: older than anything

    def oldest_in_frontier(self, p: int) -> datetime | None:
        """Oldest requirement data time of any table in pass-through p's frontier
        (datetime.min: one was never built)."""
        oldest: datetime | None = fold_through(
            self.inputs.graph, p, self._oldest_memo, self.requirement_data_time, None, min
        )
        return oldest

    def stale_frontier(self, x: int, requirement: datetime) -> list[int]:
        """Table-like frontier members of x whose data is older than `requirement` (or that were
        never built).  Per node, the members are kept sorted by data time: the answer is a prefix."""
        entry = self._sorted_frontier.get(x)
        if entry is None:
            memo = self._requirement_data_times
            pairs: list[tuple[datetime, int]] = []
            for f in self.inputs.graph.table_frontier(x):
                data_time = memo.get(f, _UNSET)
                if data_time is _UNSET:
                    data_time = memo[f] = self.requirement_data_time(f)
                if data_time is not None:
                    pairs.append((data_time, f))
            pairs.sort()
            entry = self._sorted_frontier[x] = ([t for t, _ in pairs], [f for _, f in pairs])
        data_times, members = entry
        return members[: bisect_left(data_times, requirement)]

"""The newest data a node could get if every ancestor were rebuilt first: a fold over its sources.

Sources cap what any rebuild can reach: an observed source at its ``max_loaded_at``, an
unobserved one live.  Seeds contribute nothing; a node without parents reads live data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .graph import SEED, SOURCE
from .inputs import Inputs
from .sources import Sources


class Achievable:
    """Folds over the sources upstream of a node, memoised for one planner call."""

    def __init__(self, inputs: Inputs, sources: Sources):
        self.inputs = inputs
        self.sources = sources
        self._now_memo: dict[int, datetime | None] = {}
        self._observed_memo: dict[int, datetime | None] = {}
        self._next_tick_memo: dict[int, datetime | None] = {}

    def _upstream_min(
        self,
        i: int,
        memo: dict[int, datetime | None],
        at_source: Callable[[int], datetime | None],
        parentless: datetime | None,
    ) -> datetime | None:
        """memo[i]: minimum over i's sources (through every node) of at_source(source);
        seeds contribute nothing, a non-source without parents contributes `parentless`."""
        if i in memo:
            return memo[i]
        graph = self.inputs.graph
        parents, kind = graph.parents, graph.kind
        stack = [i]
        while stack:
            v = stack[-1]
            if v in memo:
                stack.pop()
                continue
            ps = parents[v]
            pending = [p for p in ps if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            k = kind[v]
            if k == SOURCE:
                memo[v] = at_source(v)
            elif k == SEED:
                memo[v] = None
            elif not ps:
                memo[v] = parentless
            else:
                lowest = None
                for p in ps:
                    value = memo[p]
                    if value is not None and (lowest is None or value < lowest):
                        lowest = value
                memo[v] = lowest
        return memo[i]

    def newest_now(self, i: int) -> datetime | None:
        """The newest data time i could get now if every table-like ancestor were rebuilt
        first: its oldest source (unobserved ones are live).  None: static."""
        return self._upstream_min(i, self._now_memo, self.sources.max_loaded_at_or_now, self.inputs.now)

    def newest_observed(self, i: int) -> datetime | None:
        """:meth:`newest_now` over observed sources only (None: i reads no observed data)."""
        return self._upstream_min(i, self._observed_memo, self.sources.max_loaded_at, None)

    def newest_at_next_tick(self, i: int) -> datetime | None:
        """:meth:`newest_now` as it is expected to be at the next tick (sources at their cadence)."""
        t = self.inputs.now + self.inputs.interval
        expected = self.sources.expected_max_loaded_at
        return self._upstream_min(i, self._next_tick_memo, lambda s: expected(s, t), t)

"""What rebuilding a node now would give it: the data time it would record, given this plan's selection.

A node being rebuilt in the same plan contributes the data time its own rebuild gets; every
other frontier member contributes what it holds now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .data_times import DataTimes
from .graph import TABLE, fold_through
from .inputs import Inputs

_UNSET: object = object()


class RebuiltDataTimes:
    """Data times after a rebuild now, memoised for one planner call where they do not depend on the selection."""

    def __init__(self, inputs: Inputs, data_times: DataTimes):
        self.inputs = inputs
        self.data_times = data_times
        self._fixed_memo: dict[int, Any] = {}  # memo: absent = not computed yet

    def data_time_if_rebuilt(
        self,
        i: int,
        selection: Mapping[int, object],
        rebuilt: Mapping[int, datetime | None],
        pass_through_memo: dict[int, datetime | None],
    ) -> datetime | None:
        """Data time i would have if (re)built now, given this plan's selection (None = static).
        rebuilt: data times of the selected tables already decided; pass_through_memo: a
        per-selection memo for pass-through nodes."""
        inputs = self.inputs
        graph = inputs.graph
        ps = graph.parents[i]
        if not ps:
            return inputs.now
        kind, is_pass_through = graph.kind, graph.is_pass_through
        contribution = self.data_times.contribution
        now = inputs.now

        def leaf(f: int) -> datetime | None:
            if kind[f] == TABLE and f in selection:
                return rebuilt.get(f)
            return contribution(f)

        data_time = None
        for p in ps:
            value = fold_through(graph, p, pass_through_memo, leaf, now, min) if is_pass_through[p] else leaf(p)
            if value is not None and (data_time is None or value < data_time):
                data_time = value
        return data_time

    def fixed_contribution(self, v: int) -> datetime | None:
        """Minimum contribution of v's non-table frontier members (now if v has no frontier):
        the part of a rebuild's data time no requirement can change."""
        memo = self._fixed_memo
        fixed = memo.get(v, _UNSET)
        if fixed is _UNSET:
            graph = self.inputs.graph
            members = graph.frontier_of(v)
            if not members:
                fixed = self.inputs.now
            else:
                fixed = None
                kind = graph.kind
                contribution = self.data_times.contribution
                for f in members:
                    if kind[f] != TABLE:
                        value = contribution(f)
                        if value is not None and (fixed is None or value < fixed):
                            fixed = value
            memo[v] = fixed
        return fixed  # type: ignore[no-any-return]

"""Data times: what data a node holds now.

* The *effective data time* of a built table-like node is its recorded data time, lowered to
  the first content change of any seed upstream after its build started, and to the start of
  the first newer build of any table-like frontier node (it is behind that build).  ``None``:
  never stale by time (static inputs only).
* The *current data time* of any node: the effective one for table-like nodes, the minimum over
  the frontier for views/ephemerals, the observation for sources.

The data time a build records, which they start from, is :mod:`.recorded`'s rule.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..model import Node, NodeState
from .graph import SEED, SOURCE, TABLE, as_graph, fold_through, gc_paused
from .inputs import Inputs
from .sources import Sources

_UNSET: object = object()
_STATUS_INTERVAL_MINUTES = 15.0  # any interval: current data times do not depend on it


class DataTimes:
    """Effective and current data times, memoised for one planner call."""

    def __init__(self, inputs: Inputs, sources: Sources):
        self.inputs = inputs
        self.sources = sources
        graph = inputs.graph
        self._effective: list[Any] = [_UNSET] * graph.n  # memo: _UNSET = not computed yet
        self._latest_completions: list[datetime | None] | None = None
        self._current_memo: dict[int, datetime | None] = {}
        # seeds by latest content change; _seeds_changed_from[k] = mask of seeds whose latest change
        # is _seed_latest_changes[k] or later, so "seeds changed after t" is one bisect away
        self._seed_changes: dict[int, list[datetime]] = {}
        latest = []
        for bit, i in enumerate(graph.seed_at_bit):
            changes = inputs.states[i].content_changes
            if changes:
                self._seed_changes[bit] = changes
                latest.append((changes[-1], bit))
        latest.sort()
        self._seed_latest_changes = [t for t, _ in latest]
        changed_from = [0] * (len(latest) + 1)
        for k in range(len(latest) - 1, -1, -1):
            changed_from[k] = changed_from[k + 1] | (1 << latest[k][1])
        self._seeds_changed_from = changed_from

    # ---- seeds
    def seed_changed_since_build(self, i: int) -> bool:
        """Has any seed upstream of built node i changed content since i's last build started?"""
        build = self.inputs.last_success[i]
        if build is None or not self._seed_latest_changes:
            return False
        changed = self._seeds_changed_from[bisect_right(self._seed_latest_changes, build.started_at)]
        return bool(self.inputs.graph.seed_closure[i] & changed)

    # ---- latest completions
    def _latest_completion(self, p: int) -> datetime | None:
        if self.inputs.graph.kind[p] != TABLE:
            return None
        success_times = self.inputs.states[p].success_times
        if success_times:
            return success_times[-1][1]
        build = self.inputs.last_success[p]
        return build.completed_at if build is not None else None

    def _latest_completion_array(self) -> list[datetime | None]:
        """Per node: latest completion of a table (tables) or of any table in the frontier
        (views/ephemerals); None when there is none."""
        # one forward pass with C-level folds: cheaper than lazy folds once most views are asked
        completions = self._latest_completions
        if completions is None:
            graph = self.inputs.graph
            completions = self._latest_completions = [None] * graph.n
            kind, is_pass_through, parents = graph.kind, graph.is_pass_through, graph.parents
            completion_of = completions.__getitem__
            leaf = self._latest_completion
            for i in range(graph.n):
                if kind[i] == TABLE:
                    completions[i] = leaf(i)
                elif is_pass_through[i]:
                    ps = parents[i]
                    if ps:
                        completions[i] = max(filter(None, map(completion_of, ps)), default=None)
        return completions

    # ---- effective data time of a built table-like node
    def effective(self, i: int) -> datetime | None:
        known = self._effective[i]
        if known is not _UNSET:
            return known  # type: ignore[no-any-return]
        inputs = self.inputs
        build = inputs.last_success[i]
        if build is None:
            self._effective[i] = None
            return None
        started = build.started_at
        effective = build.data_time
        # lowered to the first content change of an upstream seed after the build started
        latest_changes = self._seed_latest_changes
        graph = inputs.graph
        mask = (
            graph.seed_closure[i] & self._seeds_changed_from[bisect_right(latest_changes, started)]
            if latest_changes
            else 0
        )
        while mask:
            low = mask & -mask
            bit = low.bit_length() - 1
            mask ^= low
            changes = self._seed_changes[bit]
            if changes[-1] > started:
                change = changes[bisect_right(changes, started)]
                if effective is None or change < effective:
                    effective = change
        # ... and to the start of the first newer build of a table-like frontier node
        kind, parents, states, last_success = graph.kind, graph.parents, inputs.states, inputs.last_success
        completions = self._latest_completion_array()
        ps = parents[i]
        if not ps or max(filter(None, map(completions.__getitem__, ps)), default=started) <= started:
            self._effective[i] = effective  # no frontier table completed a build since i started
            return effective
        stack = [i]
        seen: set[int] = set()
        while stack:
            v = stack.pop()
            for f in parents[v]:
                completed = completions[f]  # latest completion in f (table) or f's frontier (view)
                if completed is None or completed <= started:
                    continue
                if kind[f] == TABLE:
                    # start of f's first success that completed after i's build started
                    success_times = states[f].success_times
                    if success_times:
                        k = len(success_times) - 1
                        while k and success_times[k - 1][1] > started:
                            k -= 1
                        newer_start = success_times[k][0]
                    else:
                        newer_start = last_success[f].started_at  # type: ignore[union-attr]
                    if effective is None or newer_start < effective:
                        effective = newer_start
                elif f not in seen:
                    seen.add(f)
                    stack.append(f)
        self._effective[i] = effective
        return effective

    # ---- current data time of any node
    def contribution(self, f: int) -> datetime | None:
        """What data-holding node f contributes to a dependent's current data time (None = nothing)."""
        inputs = self.inputs
        k = inputs.graph.kind[f]
        if k == TABLE:
            return self.effective(f) if inputs.built[f] else None
        if k == SEED:
            return None
        if k == SOURCE:
            value = self.sources.max_loaded_at(f)
            return inputs.now if value is None else value
        return self.current(f)  # pass-through (parentless ones are live)

    def current(self, i: int) -> datetime | None:
        """Current data time: effective for table-like, frontier minimum for views, observation for sources."""
        inputs = self.inputs
        k = inputs.graph.kind[i]
        if k == TABLE:
            return self.effective(i) if inputs.built[i] else None
        if k == SEED:
            return None
        if k == SOURCE:
            return self.sources.max_loaded_at(i)
        current: datetime | None = fold_through(inputs.graph, i, self._current_memo, self.contribution, inputs.now, min)
        return current


# --------------------------------------------------------------------------- public


def current_data_time(
    nodes: Mapping[str, Node], state: Mapping[str, NodeState], now: datetime
) -> dict[str, datetime | None]:
    """unique_id -> current data time: effective for table-like, frontier minimum for views,
    latest observed max_loaded_at for sources; None = never built / never stale by time."""
    with gc_paused():
        graph = as_graph(nodes)
        inputs = Inputs(graph, state, now, _STATUS_INTERVAL_MINUTES)
        data_times = DataTimes(inputs, Sources(inputs))
        return {graph.order[i]: data_times.current(i) for i in range(graph.n)}


def effective_data_time(
    nodes: Mapping[str, Node], state: Mapping[str, NodeState], unique_id: str, now: datetime
) -> datetime | None:
    """Current data time of one node (see :func:`current_data_time`)."""
    return current_data_time(nodes, state, now)[unique_id]

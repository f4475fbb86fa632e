"""Expected build times: the median of a node's recorded durations, and the longest chains of them.

A node's expected build time is what every "will it finish in time" rule counts; a chain is
the longest path of expected build times through the nodes being built before a node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from ..model import Node, NodeState
from .graph import TABLE
from .inputs import Inputs

DEFAULT_TABLE_SECONDS = 60.0  # expected build time without recorded durations (tables, seeds, snapshots)
DEFAULT_VIEW_SECONDS = 5.0  # ... for views

_Number = TypeVar("_Number")


def middle(values: Iterable[_Number]) -> _Number:
    """The median of numbers or timedeltas."""
    ordered: list[Any] = sorted(values)  # type: ignore[type-var,unused-ignore]
    count = len(ordered)
    half = count // 2
    median: _Number = ordered[half] if count % 2 else (ordered[half - 1] + ordered[half]) / 2
    return median


def expected_duration_seconds(node: Node, state: NodeState | None) -> float:
    """Median of recorded durations; 5 s for views/ephemerals and 60 s otherwise when none."""
    if state is not None and state.durations:
        return float(middle(state.durations))
    return DEFAULT_VIEW_SECONDS if node.is_pass_through else DEFAULT_TABLE_SECONDS


class Durations:
    """Expected build seconds per node, memoised for one planner call."""

    def __init__(self, inputs: Inputs):
        self._nodes = inputs.graph.node
        self._states = inputs.states
        self._memo: dict[int, float] = {}

    def seconds(self, i: int) -> float:
        seconds = self._memo.get(i)
        if seconds is None:
            seconds = self._memo[i] = expected_duration_seconds(self._nodes[i], self._states[i])
        return seconds


def chain_seconds(inputs: Inputs, durations: Durations, selection: Mapping[int, object]) -> list[float]:
    """Per node: the longest chain of expected build seconds of selected ancestors ending at its parents."""
    graph = inputs.graph
    n = graph.n
    chain = [0.0] * n
    if not selection:
        return chain
    through = [0.0] * n  # the same, including the node itself when selected
    parents = graph.parents
    through_of = through.__getitem__
    seconds = durations.seconds
    for i in range(min(selection), n):
        ps = parents[i]
        longest = max(map(through_of, ps)) if ps else 0.0
        chain[i] = longest
        through[i] = longest + seconds(i) if i in selection else longest
    return chain


def selectable_table_chain_seconds(inputs: Inputs, durations: Durations, selectable: list[bool]) -> list[float]:
    """Per node: the longest chain of expected seconds over its selectable table-like ancestors
    (an upper bound of any chain a requirement can make it wait for)."""
    graph = inputs.graph
    n, kind, parents = graph.n, graph.kind, graph.parents
    through = [0.0] * n
    chain = [0.0] * n
    through_of = through.__getitem__
    seconds = durations.seconds
    for i in range(n):
        ps = parents[i]
        longest = max(map(through_of, ps)) if ps else 0.0
        chain[i] = longest
        through[i] = longest + seconds(i) if (kind[i] == TABLE and selectable[i]) else longest
    return chain

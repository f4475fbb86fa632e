"""What one planner call works from: the graph, the state of every node (by graph position), now, the interval."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from ..model import Build, NodeState
from .graph import ProjectGraph

_NO_STATE = NodeState()


class Inputs:
    """The state folded onto graph positions, with ``now`` (naive UTC) and the tick interval."""

    __slots__ = ("graph", "now", "interval_minutes", "interval", "states", "last_success", "built")

    def __init__(self, graph: ProjectGraph, state: Mapping[str, NodeState], now: datetime, interval_minutes: float):
        if now.tzinfo is not None:
            raise ValueError("now must be a naive UTC datetime")
        self.graph = graph
        self.now = now
        self.interval_minutes = float(interval_minutes)
        self.interval = timedelta(minutes=self.interval_minutes)
        get = state.get
        self.states: list[NodeState] = [get(u) or _NO_STATE for u in graph.order]
        self.last_success: list[Build | None] = [s.last_success for s in self.states]
        # built: has a recorded success and its relation was not found missing
        self.built: list[bool] = [
            build is not None and s.relation_exists is not False
            for build, s in zip(self.last_success, self.states, strict=True)
        ]

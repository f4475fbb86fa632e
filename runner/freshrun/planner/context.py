"""Everything one planner call derives from its inputs, memoised: one object per (graph, state, now, interval)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..model import NodeState
from .achievable import Achievable
from .data_times import DataTimes
from .durations import Durations
from .graph import ProjectGraph
from .if_rebuilt import RebuiltDataTimes
from .inputs import Inputs
from .sources import Sources
from .staleness import Staleness


class Context:
    """The inputs of one call and the memoised rules over them."""

    __slots__ = ("inputs", "graph", "durations", "sources", "data_times", "rebuilt", "achievable", "staleness")

    def __init__(self, graph: ProjectGraph, state: Mapping[str, NodeState], now: datetime, interval_minutes: float):
        self.inputs = inputs = Inputs(graph, state, now, interval_minutes)
        self.graph = graph
        self.durations = Durations(inputs)
        self.sources = sources = Sources(inputs)
        self.data_times = data_times = DataTimes(inputs, sources)
        self.rebuilt = RebuiltDataTimes(inputs, data_times)
        self.achievable = Achievable(inputs, sources)
        self.staleness = Staleness(inputs, data_times)

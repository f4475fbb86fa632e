"""The strategies a simulation compares: freshrun's planner and the ways people schedule dbt today.
At every tick the replay reaches, a strategy picks the nodes one dbt invocation builds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import ClassVar

from ..model import Selection
from ..planner import plan
from .horizon import Horizon
from .warehouse import SimulatedWarehouse

HOURLY_MINUTES = 60.0
LOWER_BOUND = "lower_bound"  # not replayed: computed from the horizon alone (lower_bound.py)


class Strategy:
    """How one strategy picks what a tick builds; one instance per replay (it may keep state)."""

    name: ClassVar[str]
    label: ClassVar[str]

    def __init__(self, horizon: Horizon):
        self.horizon = horizon

    def select(self, warehouse: SimulatedWarehouse, tick: datetime) -> list[int]:
        """The graph indices of the nodes the invocation of `tick` builds (empty: none)."""
        raise NotImplementedError

    def selections(self, chosen: Sequence[int]) -> list[Selection]:
        """What the trace shows for the latest `select`: here without reasons."""
        graph = self.horizon.graph
        return [Selection(graph.order[i], graph.node[i].name, ()) for i in chosen]


class Freshrun(Strategy):
    """The planner itself -- the very function ``freshrun run`` calls -- on the simulated state."""

    name = "freshrun"
    label = "freshrun"

    def __init__(self, horizon: Horizon):
        super().__init__(horizon)
        self._selected: list[Selection] = []

    def select(self, warehouse: SimulatedWarehouse, tick: datetime) -> list[int]:
        horizon = self.horizon
        graph = horizon.graph
        decided = plan(graph, warehouse.state, tick, horizon.interval_minutes, scope=horizon.scope)
        self._selected = decided.selected
        return [graph.index[selection.unique_id] for selection in decided.selected]

    def selections(self, chosen: Sequence[int]) -> list[Selection]:
        return list(self._selected)


class BuildEveryTick(Strategy):
    """``dbt build`` of every model, seed and snapshot (views too: they are executions) at every tick."""

    name = "build_every_tick"
    label = "`dbt build` every tick"

    def select(self, warehouse: SimulatedWarehouse, tick: datetime) -> list[int]:
        return list(self.horizon.buildable)


class BuildEveryPeriod(Strategy):
    """``dbt build`` of everything at the first tick of every period of ``every_minutes``."""

    every_minutes: ClassVar[float]

    def __init__(self, horizon: Horizon):
        super().__init__(horizon)
        self._next_build = horizon.start

    def select(self, warehouse: SimulatedWarehouse, tick: datetime) -> list[int]:
        if tick < self._next_build:
            return []
        while self._next_build <= tick:
            self._next_build += timedelta(minutes=self.every_minutes)
        return list(self.horizon.buildable)


class BuildHourly(BuildEveryPeriod):
    name = "build_hourly"
    label = "`dbt build` every hour"
    every_minutes = HOURLY_MINUTES


class Eager(Strategy):
    """Rebuild each table-like node one of whose inputs has new data since its last build started, in
    dependency order so that the change flows down; plus anything missing or with changed code."""

    name = "eager"
    label = "eager: rebuild whenever an input changed"

    def select(self, warehouse: SimulatedWarehouse, tick: datetime) -> list[int]:
        return warehouse.eager_candidates(tick)


REPLAYED: tuple[type[Strategy], ...] = (Freshrun, BuildEveryTick, BuildHourly, Eager)
_BY_NAME = {strategy.name: strategy for strategy in REPLAYED}
STRATEGIES: tuple[str, ...] = (*_BY_NAME, LOWER_BOUND)  # the output order
LABELS = {**{strategy.name: strategy.label for strategy in REPLAYED}, LOWER_BOUND: "lower bound"}


def strategy_named(name: str, horizon: Horizon) -> Strategy:
    """A new instance of the replayed strategy called `name`."""
    strategy = _BY_NAME.get(name)
    if strategy is None:
        raise ValueError(f"unknown strategy: {name}")
    return strategy(horizon)

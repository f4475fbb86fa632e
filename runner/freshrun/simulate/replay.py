"""Replaying one strategy over the horizon: ticks and samples in time order.  At a tick the warehouse
takes in the builds completed, observes the sources and builds what the strategy selects (a tick is
skipped while the previous one still builds); at a sample each model with a policy is checked against
its requirement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from ..model import Selection
from ..planner import current_data_time
from .horizon import Horizon
from .results import StrategyResult
from .strategies import Strategy, strategy_named
from .warehouse import SimulatedWarehouse


@dataclass
class TickTrace:
    """What freshrun decided at one simulated tick."""

    at: datetime
    selected: list[Selection] = field(default_factory=list)
    skipped: bool = False  # builds of the previous tick were still running


class Replayed(NamedTuple):
    result: StrategyResult
    overdue: list[bytearray]  # per SLA model (as horizon.sla_models), per sample: 1 when overdue


class _OverdueSamples:
    """The models with a policy, checked at every sample against their requirement."""

    def __init__(self, horizon: Horizon):
        self.horizon = horizon
        self.overdue = [bytearray(len(horizon.samples)) for _ in horizon.sla_models]
        self._unique_ids = [horizon.graph.order[sla.node] for sla in horizon.sla_models]
        self._data_minutes: list[float | None] = [None] * len(horizon.sla_models)
        self._live = True  # a data time is the sample itself (a live input): re-read at every sample

    def sample(self, warehouse: SimulatedWarehouse, j: int) -> None:
        horizon = self.horizon
        at = horizon.samples[j]
        warehouse.commit(at)
        if warehouse.changed or self._live:
            current = current_data_time(horizon.graph, warehouse.state, at)
            self._live = False
            for m, unique_id in enumerate(self._unique_ids):
                data_time = current.get(unique_id)
                if data_time is None:
                    self._data_minutes[m] = None
                else:
                    self._data_minutes[m] = horizon.minutes_from_start(data_time)
                    if data_time == at:
                        self._live = True
            warehouse.changed = False
        for m, requirement in enumerate(horizon.requirements):
            data_minutes = self._data_minutes[m]
            if data_minutes is not None and data_minutes < requirement[j]:
                self.overdue[m][j] = 1


def _tick(
    warehouse: SimulatedWarehouse, strategy: Strategy, tick: datetime, result: StrategyResult,
    trace: list[TickTrace] | None,
) -> None:
    warehouse.commit(tick)
    if warehouse.running:
        result.skipped_ticks += 1
        if trace is not None:
            trace.append(TickTrace(tick, [], skipped=True))
        return
    warehouse.observe(tick)
    chosen = strategy.select(warehouse, tick)
    if trace is not None:
        trace.append(TickTrace(tick, strategy.selections(chosen)))
    if chosen:
        result.warehouse_seconds += warehouse.schedule(tick, chosen)
        result.executions += len(chosen)


def replay(horizon: Horizon, strategy: str | Strategy, trace: list[TickTrace] | None = None) -> Replayed:
    """Run one strategy (a name from ``STRATEGIES`` other than the lower bound, or an instance) over the
    horizon; `trace`, when given, gets one entry per tick."""
    chooser = strategy if isinstance(strategy, Strategy) else strategy_named(strategy, horizon)
    warehouse = SimulatedWarehouse(horizon)
    result = StrategyResult()
    samples = _OverdueSamples(horizon)
    ticks, sample_times = horizon.ticks, horizon.samples
    k = j = 0
    while k < len(ticks) or j < len(sample_times):
        if k < len(ticks) and (j >= len(sample_times) or ticks[k] <= sample_times[j]):
            _tick(warehouse, chooser, ticks[k], result, trace)
            k += 1
        else:
            samples.sample(warehouse, j)
            j += 1
    result.violation_minutes = sum(sum(row) for row in samples.overdue) * horizon.resolution_minutes
    return Replayed(result, samples.overdue)

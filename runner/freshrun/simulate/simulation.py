"""``simulate``: one horizon, every requested strategy replayed over it, and each one's violations
compared with the lower bound's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta

from ..model import Node, NodeState
from .horizon import DEFAULT_RESOLUTION_MINUTES, Horizon
from .lower_bound import LowerBound
from .replay import TickTrace, replay
from .results import Simulation, StrategyResult
from .strategies import LOWER_BOUND, STRATEGIES, Freshrun


def simulate(
    nodes: Mapping[str, Node],
    state: Mapping[str, NodeState],
    arrivals: Mapping[str, Sequence[datetime]],
    start: datetime,
    hours: float,
    interval_minutes: float,
    scope: AbstractSet[str] | None = None,
    resolution_minutes: float = DEFAULT_RESOLUTION_MINUTES,
    strategies: Sequence[str] = STRATEGIES,
) -> Simulation:
    """Replay ``hours`` of ticks every ``interval_minutes`` from ``start`` under each strategy.

    ``arrivals``: source unique_id -> instants at which it gets new data (the new
    ``max_loaded_at``); see :func:`arrivals_from_spec`.  ``scope``: what freshrun
    may build (``--select/--exclude``), applied to every strategy."""
    unknown = [name for name in strategies if name not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategy: {', '.join(unknown)}")
    horizon = Horizon(nodes, state, arrivals, start, start + timedelta(hours=hours), interval_minutes, scope,
                      resolution_minutes)
    results: dict[str, StrategyResult] = {}
    overdue: dict[str, list[bytearray]] = {}
    trace: list[TickTrace] = []
    for name in strategies:
        if name == LOWER_BOUND:
            continue
        results[name], overdue[name] = replay(horizon, name, trace if name == Freshrun.name else None)
    if LOWER_BOUND in strategies or overdue:
        bound = LowerBound(horizon)
        for name, rows in overdue.items():
            excess = 0
            for row, unavoidable in zip(rows, bound.unavoidable, strict=True):
                excess += sum(1 for is_overdue, is_unavoidable in zip(row, unavoidable, strict=True)
                              if is_overdue and not is_unavoidable)
            results[name].excess_violation_minutes = excess * horizon.resolution_minutes
        if LOWER_BOUND in strategies:
            results[LOWER_BOUND] = bound.result()
    ordered = {name: results[name] for name in STRATEGIES if name in results}
    return Simulation(horizon.start, horizon.end, horizon.interval_minutes, horizon.resolution_minutes,
                      horizon.ticks, ordered, trace, len(horizon.sla_models), horizon.arrivals)

"""``freshrun simulate``, the pure part: replay a horizon of ticks on a DAG and compare freshrun's
planner with the ways people schedule dbt today, and with a lower bound no schedule can beat.
No I/O, no dbt, no clock; every datetime is naive UTC.  How it works: docs/simulate.md."""

from .arrivals import SourcePattern, arrival_times, arrivals_from_spec
from .horizon import DEFAULT_RESOLUTION_MINUTES, Horizon, SlaModel, overdue_at
from .lower_bound import LowerBound
from .replay import Replayed, TickTrace, replay
from .results import Simulation, StrategyResult
from .simulation import simulate
from .strategies import HOURLY_MINUTES, LABELS, LOWER_BOUND, STRATEGIES, Strategy
from .warehouse import SimulatedWarehouse, fresh_state

__all__ = [
    "DEFAULT_RESOLUTION_MINUTES",
    "HOURLY_MINUTES",
    "LABELS",
    "LOWER_BOUND",
    "STRATEGIES",
    "Horizon",
    "LowerBound",
    "Replayed",
    "SimulatedWarehouse",
    "Simulation",
    "SlaModel",
    "SourcePattern",
    "Strategy",
    "StrategyResult",
    "TickTrace",
    "arrival_times",
    "arrivals_from_spec",
    "fresh_state",
    "overdue_at",
    "replay",
    "simulate",
]

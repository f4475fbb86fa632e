"""What a simulation returns: one result per strategy, and the run as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .replay import TickTrace


@dataclass
class StrategyResult:
    executions: int = 0
    warehouse_seconds: float = 0.0
    violation_minutes: float = 0.0
    # violation minutes at (model, instant) pairs where the lower bound is not violated
    excess_violation_minutes: float = 0.0
    skipped_ticks: int = 0

    def as_dict(self, bound: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "executions": self.executions,
            "warehouse_seconds": round(self.warehouse_seconds, 1),
            "violation_minutes": round(self.violation_minutes, 1),
        }
        if not bound:
            out["excess_violation_minutes"] = round(self.excess_violation_minutes, 1)
            out["skipped_ticks"] = self.skipped_ticks
        return out


@dataclass
class Simulation:
    start: datetime
    end: datetime
    interval_minutes: float
    resolution_minutes: float
    ticks: list[datetime]
    strategies: dict[str, StrategyResult]
    trace: list[TickTrace]  # freshrun's decisions, one per tick
    sla_models: int  # models whose violations are counted
    arrivals: dict[str, list[datetime]]

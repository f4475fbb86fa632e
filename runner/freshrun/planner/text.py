"""How times and durations are written in the planner's sentences (explanations, reasons)."""

from __future__ import annotations

from datetime import datetime, timedelta


def format_time(t: datetime | None) -> str:
    return "-" if t is None else t.isoformat(" ", "minutes")


def minutes(duration: timedelta) -> float:
    return duration.total_seconds() / 60.0


def format_minutes(value: float) -> str:
    if abs(value - round(value)) < 0.05:
        return f"{int(round(value))}m"
    return f"{value:.1f}m"

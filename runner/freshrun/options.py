"""Parsing of the CLI's value formats: intervals (`15m`, `2h`, `1d`) and
moments for `--at` (ISO 8601, or offsets from now like `+2h`, `-30m`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from freshrun.errors import ConfigError

_UNITS = {"s": 1 / 60, "m": 1, "min": 1, "h": 60, "d": 1440}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$", re.I)


def parse_minutes(text: str, flag: str = "--interval") -> float:
    m = _DURATION.match(text or "")
    if not m:
        raise ConfigError(f"{flag}: expected a duration like 15m, 2h or 1d, got {text!r}")
    value = float(m.group(1)) * _UNITS[(m.group(2) or "m").lower()]
    if value <= 0:
        raise ConfigError(f"{flag}: must be more than zero, got {text!r}")
    return value


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def parse_at(text: str | None, now: datetime) -> datetime:
    """`--at`: naive UTC.  ISO 8601 without an offset is taken as UTC."""
    if not text:
        return now
    t = text.strip()
    if t[0] in "+-":
        sign = -1 if t[0] == "-" else 1
        return now + sign * timedelta(minutes=parse_minutes(t[1:], "--at"))
    try:
        value = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--at: expected ISO 8601 (2026-11-25T09:00, 2026-11-25 09:00-05:00) or an offset "
                          f"like +2h, got {text!r}") from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value

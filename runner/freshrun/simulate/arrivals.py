"""When each source gets new data in a simulation: periodic or explicit arrival patterns, and the
arrivals document of ``freshrun simulate --arrivals`` (or ``--source-every``) that describes them."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..model import Node

_MINUTES_PER_UNIT = {"s": 1 / 60, "m": 1.0, "min": 1.0, "h": 60.0, "d": 1440.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$", re.I)
_PATTERN_KEYS = {"every", "jitter", "offset", "at"}
_DOCUMENT_KEYS = {"sources", "default", "seed"}


@dataclass(frozen=True)
class SourcePattern:
    """When one source gets new data: explicit times, or every ``every_minutes``
    (first at ``start + offset``), each moved by a uniform random amount in
    ``[-jitter, +jitter]`` minutes."""

    every_minutes: float | None = None
    jitter_minutes: float = 0.0
    offset_minutes: float = 0.0
    at: tuple[datetime, ...] = ()


def arrival_times(pattern: SourcePattern, start: datetime, end: datetime, rng: random.Random) -> list[datetime]:
    """Arrival instants (= the new max_loaded_at) of one source, ascending: the explicit
    ones plus the periodic ones from just before ``start`` (so that the source has data
    at the start) up to ``end``."""
    arrivals = list(pattern.at)
    every = pattern.every_minutes
    if every:
        if every <= 0:
            raise ValueError(f"every must be more than zero, got {every}")
        jitter = abs(pattern.jitter_minutes or 0.0)
        first = start + timedelta(minutes=pattern.offset_minutes or 0.0)
        period = -int(((pattern.offset_minutes or 0.0) + jitter) // every) - 2
        while True:
            nominal = first + timedelta(minutes=period * every)
            if nominal - timedelta(minutes=jitter) > end:
                break
            shift = rng.uniform(-jitter, jitter) if jitter else 0.0
            arrivals.append(nominal + timedelta(minutes=shift))
            period += 1
    return sorted(arrivals)


def _duration_minutes(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a duration like 30m, 2h or a number of minutes, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{what}: expected a duration like 30m, 2h or a number of minutes, got {value!r}")
    return float(match.group(1)) * _MINUTES_PER_UNIT[(match.group(2) or "m").lower()]


def _instant(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        instant = value
    else:
        try:
            instant = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{what}: expected an ISO 8601 time like 2026-11-24T09:00:00Z, got {value!r}") from None
    if instant.tzinfo is not None:
        instant = instant.astimezone(timezone.utc).replace(tzinfo=None)
    return instant


def _source_pattern(spec: Any, what: str) -> SourcePattern:
    if isinstance(spec, (list, tuple)):
        spec = {"at": list(spec)}
    if not isinstance(spec, Mapping):
        raise ValueError(f"{what}: expected a mapping with `every` (and `jitter`, `offset`) or `at`, got {spec!r}")
    unknown = sorted(set(spec) - _PATTERN_KEYS)
    if unknown:
        raise ValueError(f"{what}: unknown key(s) {', '.join(unknown)} (expected every, jitter, offset, at)")
    if spec.get("every") is None and not spec.get("at"):
        raise ValueError(f"{what}: needs `every` or `at`")
    every = _duration_minutes(spec["every"], f"{what}.every") if spec.get("every") is not None else None
    if every is not None and every <= 0:
        raise ValueError(f"{what}.every: must be more than zero")
    at = spec.get("at") or []
    if not isinstance(at, (list, tuple)):
        raise ValueError(f"{what}.at: expected a list of times")
    return SourcePattern(
        every_minutes=every,
        jitter_minutes=_duration_minutes(spec.get("jitter", 0), f"{what}.jitter"),
        offset_minutes=_duration_minutes(spec.get("offset", 0), f"{what}.offset"),
        at=tuple(_instant(value, f"{what}.at") for value in at),
    )


def _listed_source(key: str, sources: Mapping[str, Node], by_name: Mapping[str, list[str]]) -> str:
    """The unique_id a key of ``arrivals.sources`` names (a unique_id or ``source_name.table_name``)."""
    if key in sources:
        return key
    if len(by_name.get(key, [])) == 1:
        return by_name[key][0]
    if key in by_name:
        raise ValueError(f"arrivals.sources.{key}: ambiguous, use one of {', '.join(sorted(by_name[key]))}")
    known = ", ".join(sorted(by_name)) or "none"
    raise ValueError(f"arrivals.sources.{key}: no such source in the project (sources: {known})")


def _document_patterns(spec: Any, sources: Mapping[str, Node]) -> dict[str, SourcePattern]:
    """Source unique_id -> pattern, from an arrivals document."""
    if not isinstance(spec, Mapping):
        raise ValueError("arrivals: expected a mapping with `sources:` (and optional `default:`, `seed:`)")
    unknown = sorted(set(spec) - _DOCUMENT_KEYS)
    if unknown:
        raise ValueError(f"arrivals: unknown key(s) {', '.join(unknown)} (expected sources, default, seed)")
    listed = spec.get("sources") or {}
    if not isinstance(listed, Mapping):
        raise ValueError("arrivals.sources: expected a mapping of source name -> pattern")
    by_name: dict[str, list[str]] = {}
    for unique_id, node in sources.items():
        by_name.setdefault(node.name, []).append(unique_id)
    patterns: dict[str, SourcePattern] = {}
    for key, value in listed.items():
        name = str(key)
        patterns[_listed_source(name, sources, by_name)] = _source_pattern(value, f"arrivals.sources.{name}")
    if spec.get("default") is not None:
        default = _source_pattern(spec["default"], "arrivals.default")
        for unique_id, node in sources.items():
            if node.observed and unique_id not in patterns:
                patterns[unique_id] = default
    return patterns


def arrivals_from_spec(
    spec: Mapping[str, Any] | None,
    nodes: Mapping[str, Node],
    start: datetime,
    end: datetime,
    source_every_minutes: float | None = None,
) -> dict[str, list[datetime]]:
    """Source unique_id -> arrival instants, from an arrivals document (the parsed
    YAML of ``--arrivals``) or ``--source-every``.  Raises ValueError naming the
    offending key.

    Document::

        seed: 7                       # jitter is random but reproducible (default 0)
        default: {every: 1h}          # optional: every observed source not listed
        sources:
          shop.orders: {every: 30m, jitter: 5m, offset: 10m}
          shop.events: {at: ["2026-11-24T09:00:00Z", "2026-11-24T13:30:00Z"]}

    Sources are named ``source_name.table_name`` or by unique_id.  Observed sources
    not listed (and without ``default``) get no new data; unobserved sources are
    live unless listed.
    """
    sources = {unique_id: node for unique_id, node in nodes.items() if node.is_source}
    patterns: dict[str, SourcePattern] = {}
    seed: Any = 0
    if spec is not None:
        patterns = _document_patterns(spec, sources)
        seed = spec.get("seed", 0)
    elif source_every_minutes is not None:
        if source_every_minutes <= 0:
            raise ValueError("--source-every: must be more than zero")
        for unique_id, node in sources.items():
            if node.observed:
                patterns[unique_id] = SourcePattern(every_minutes=source_every_minutes)
    return {
        unique_id: arrival_times(patterns[unique_id], start, end, random.Random(f"{seed}:{unique_id}"))
        for unique_id in sorted(patterns)
    }

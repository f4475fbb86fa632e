"""Lineage and policies from dbt's manifest, validated.

Policy fields (docs/design.md): meta.freshrun.{maximum_lag_minutes,
cron_schedule, cron_schedule_timezone}; dagster-dbt's
meta.dagster.freshness_policy as an alias; dbt's freshness.build_after.
A malformed value is a PolicyError naming the model, its file and the field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import croniter

from freshrun.model import Node, Policy

PACKAGE = "freshrun"
_PERIOD_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
_FIELDS = ("maximum_lag_minutes", "cron_schedule", "cron_schedule_timezone")


@dataclass(frozen=True)
class PolicyError:
    unique_id: str
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.unique_id} ({self.file}): {self.field}: {self.message}"


@dataclass
class Graph:
    nodes: dict[str, Node]
    selectors: dict[str, str]  # unique_id -> a dbt selector that picks exactly that node
    package_nodes: set[str]  # freshrun's own models (never scheduled as the user's)
    errors: list[PolicyError]


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def policy_of(uid: str, file: str, config: Any, meta: Mapping[str, Any]) -> tuple[Policy | None, list[PolicyError]]:
    errors: list[PolicyError] = []

    def err(field: str, message: str) -> None:
        errors.append(PolicyError(uid, file, field, message))

    lag = cron = None
    tz = "UTC"
    raw = meta.get("freshrun") if isinstance(meta, Mapping) else None
    prefix = "meta.freshrun"
    dagster = meta.get("dagster") if isinstance(meta, Mapping) else None
    if raw is None and isinstance(dagster, Mapping) and dagster.get("freshness_policy") is not None:
        raw, prefix = dagster["freshness_policy"], "meta.dagster.freshness_policy"
    if raw is not None and not isinstance(raw, Mapping):
        err(prefix, f"expected a mapping, got {raw!r}")
    elif raw is not None:
        for key in raw:
            if key not in _FIELDS:
                err(f"{prefix}.{key}", "unknown field (expected " + ", ".join(_FIELDS) + ")")
        value = raw.get("maximum_lag_minutes")
        if value is not None:
            if not _is_number(value):
                err(f"{prefix}.maximum_lag_minutes", f"must be a number of minutes, got {value!r}")
            elif value < 0:
                err(f"{prefix}.maximum_lag_minutes", f"must not be negative, got {value!r}")
            else:
                lag = float(value)
        value = raw.get("cron_schedule")
        if value is not None:
            if not isinstance(value, str) or not croniter.is_valid(value):
                err(f"{prefix}.cron_schedule", f"not a valid cron expression: {value!r}")
            elif raw.get("maximum_lag_minutes") is None:
                err(f"{prefix}.cron_schedule", "needs maximum_lag_minutes beside it")
            else:
                cron = value
        value = raw.get("cron_schedule_timezone")
        if value is not None:
            try:
                if not isinstance(value, str) or value not in _zones():
                    raise ZoneInfoNotFoundError(value)
                ZoneInfo(value)
                tz = value
            except (ZoneInfoNotFoundError, ValueError):
                err(f"{prefix}.cron_schedule_timezone", f"unknown time zone {value!r}")
    build_after = updates_on = None
    freshness = _get(config, "freshness")
    ba = _get(freshness, "build_after")
    if ba is not None:
        count, period, on = _get(ba, "count"), _get(ba, "period"), _get(ba, "updates_on") or "any"
        period = getattr(period, "value", period)
        on = getattr(on, "value", on)
        if count is None and period is not None:
            err("freshness.build_after.count", f"missing (period is {period!r})")
        elif count is not None and (not _is_number(count) or count < 0 or int(count) != count):
            err("freshness.build_after.count", f"must be a whole number >= 0, got {count!r}")
        elif count and period not in _PERIOD_MINUTES:
            err("freshness.build_after.period", f"must be minute, hour or day, got {period!r}")
        elif on not in ("any", "all"):
            err("freshness.build_after.updates_on", f"must be any or all, got {on!r}")
        elif count is not None:
            build_after, updates_on = float(count) * _PERIOD_MINUTES.get(period, 0), on
    if lag is None and build_after is None:
        return None, errors
    return Policy(maximum_lag_minutes=lag, cron_schedule=cron, cron_schedule_timezone=tz,
                  build_after_minutes=build_after, updates_on=updates_on or "any"), errors


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = set(available_timezones()) | {"UTC"}
    return _ZONES


def _observed(source: Any) -> bool:
    has_field = bool(_get(source, "loaded_at_field") or _get(source, "loaded_at_query"))
    freshness = _get(source, "freshness")
    has_rule = any(_get(_get(freshness, k), "count") is not None for k in ("warn_after", "error_after"))
    return has_field and has_rule


def load_graph(manifest: Any) -> Graph:
    """Models, seeds, snapshots and sources of the manifest as planner Nodes."""
    raw: dict[str, Any] = {}
    for uid, node in manifest.nodes.items():
        rt = getattr(node.resource_type, "value", node.resource_type)
        if rt in ("model", "seed", "snapshot") and getattr(node.config, "enabled", True):
            raw[uid] = node
    for uid, source in manifest.sources.items():
        if getattr(source.config, "enabled", True):
            raw[uid] = source
    nodes: dict[str, Node] = {}
    selectors: dict[str, str] = {}
    package_nodes: set[str] = set()
    errors: list[PolicyError] = []
    for uid, node in raw.items():
        rt = str(getattr(node.resource_type, "value", node.resource_type))
        file = getattr(node, "original_file_path", "") or ""
        if rt == "source":
            nodes[uid] = Node(uid, f"{node.source_name}.{node.name}", "source", "source", (), None, None,
                              observed=_observed(node), original_file_path=file)
            continue
        materialized = "seed" if rt == "seed" else "snapshot" if rt == "snapshot" else str(node.config.materialized)
        parents = tuple(p for p in dict.fromkeys(getattr(node.depends_on, "nodes", None) or []) if p in raw)
        policy = None
        if rt == "model":
            meta = dict(getattr(node.config, "meta", None) or {}) or dict(getattr(node, "meta", None) or {})
            policy, errs = policy_of(uid, file, node.config, meta)
            if node.package_name != PACKAGE:
                errors.extend(errs)
        checksum = getattr(getattr(node, "checksum", None), "checksum", None)
        nodes[uid] = Node(uid, node.name, rt, materialized, parents, checksum, policy, False, file)
        selectors[uid] = ".".join(node.fqn) if rt != "model" or len(node.fqn) > 1 else node.name
        if node.package_name == PACKAGE:
            package_nodes.add(uid)
    return Graph(nodes, selectors, package_nodes, errors)

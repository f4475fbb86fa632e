"""Builders shared by the planner tests: small synthetic graphs with a fixed `now`, states, and
"apply a tick" (what dbt and the hook would record after a plan's builds)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from freshrun.model import Build, Node, NodeState, Observation, Policy
from freshrun.planner import explain, is_content_change, recorded_data_time

DAY = datetime(2026, 1, 15)
IV = 15.0  # tick interval, minutes


def at(hhmm: str, day: datetime = DAY) -> datetime:
    h, m = hhmm.split(":")
    return day.replace(hour=int(h), minute=int(m))


def mins(x: float) -> timedelta:
    return timedelta(minutes=x)


# ---------------------------------------------------------------- graph builders


def src(name: str, observed: bool = False) -> Node:
    return Node(f"source.p.raw.{name}", name, "source", "source", observed=observed)


def model(name, parents=(), mat="table", policy=None, checksum="c1") -> Node:
    return Node(f"model.p.{name}", name, "model", mat, tuple(parents), checksum, policy)


def seed(name: str, checksum: str = "s1") -> Node:
    return Node(f"seed.p.{name}", name, "seed", "seed", checksum=checksum)


def graph(*nodes: Node) -> dict[str, Node]:
    return {n.unique_id: n for n in nodes}


def uid(name: str) -> str:
    return f"model.p.{name}"


def lag(minutes: float, **kw) -> Policy:
    return Policy(maximum_lag_minutes=minutes, **kw)


def built(
    start: datetime,
    data=...,
    *,
    secs: float = 60.0,
    checksum: str | None = "c1",
    durations=None,
    earlier=(),
    **kw,
) -> NodeState:
    """A node whose latest success started at `start` (data time defaults to `start`)."""
    done = start + timedelta(seconds=secs)
    dt = start if data is ... else data
    times = sorted([*earlier, (start, done)], key=lambda x: x[1])
    return NodeState(
        last_success=Build(start, done, dt, checksum, secs),
        success_times=times,
        durations=list(durations) if durations is not None else [secs],
        **kw,
    )


def observed(*pairs: tuple[datetime, datetime | None]) -> NodeState:
    return NodeState(observations=[Observation(s, m) for s, m in pairs])


def selected(p) -> dict[str, tuple[str, ...]]:
    return {s.name: s.reasons for s in p.selected}


def violations(p) -> dict[str, object]:
    return {v.name: v for v in p.violations}


def text(p, name_or_uid: str) -> str:
    u = name_or_uid if "." in name_or_uid else uid(name_or_uid)
    return " | ".join(explain(p, u))


# ---------------------------------------------------------------- "apply a tick": what the hook would record


def apply_plan(nodes, state, p, now):
    """Simulate dbt building p.selected (in order, instantly, at `now`) and the hook recording it."""
    new = dict(state)
    for s in p.selected:
        n = nodes[s.unique_id]
        old = new.get(s.unique_id, NodeState())
        dt = recorded_data_time(nodes, new, s.unique_id, now)
        changes = list(old.content_changes)
        if n.is_seed and is_content_change(old.last_success, n.checksum):
            changes.append(now)
        new[s.unique_id] = replace(
            old,
            last_success=Build(now, now, dt, n.checksum, 60.0),
            success_times=[*old.success_times, (now, now)],
            consecutive_failures=0,
            last_failure_at=None,
            relation_exists=True,
            content_changes=changes,
        )
    return new


# ---------------------------------------------------------------- projects used by several files


def fresh_project():
    nodes = graph(
        src("orders"),
        seed("countries"),
        model("stg_orders", ["source.p.raw.orders"], "view"),
        model("fct", [uid("stg_orders"), "seed.p.countries"], policy=lag(60)),
        model("rpt", [uid("fct")]),
    )
    state = {
        "seed.p.countries": built(at("08:00"), None, checksum="s1", content_changes=[at("08:00")]),
        uid("stg_orders"): built(at("09:49"), None),
        uid("fct"): built(at("09:50")),
        uid("rpt"): built(at("09:52"), at("09:50")),
    }
    return nodes, state


def stuck_source_project(max_loaded_now: datetime):
    nodes = graph(
        src("events", observed=True),
        model("A", ["source.p.raw.events"], policy=lag(60)),
        model("L", ["source.p.raw.events"]),
        model("B", [uid("L")], policy=lag(60)),
    )
    state = {
        "source.p.raw.events": observed((at("08:30"), at("08:00")), (at("09:25"), max_loaded_now)),
        uid("A"): built(at("08:31"), at("08:00")),
        uid("L"): built(at("08:31"), at("08:00")),
        uid("B"): built(at("08:33"), at("08:00")),
    }
    return nodes, state

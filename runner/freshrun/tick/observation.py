"""Which sources a tick observes, and observing them.

Only the observed sources upstream of a node whose decision could change with
a new observation are asked: the nodes the plan selects or finds violated, and
the build_after nodes whose wait is over.  Observations are taken through dbt's
adapter (freshrun.observe); sources with a `loaded_at_query` need a `dbt
source freshness` invocation, after which the state is read again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from freshrun.contract import TRIGGERED_BY
from freshrun.model import Node, Plan
from freshrun.observe import observe_sources
from freshrun.options import utc_now
from freshrun.session import Session
from freshrun.state import WarehouseState


def candidates_of(session: Session, state: WarehouseState, plan: Plan, now: datetime) -> set[str]:
    """Nodes whose decision could change once sources are observed again."""
    found = {s.unique_id for s in plan.selected} | {v.unique_id for v in plan.violations}
    for uid, node in session.user_nodes.items():
        policy = node.policy
        if policy is None or policy.build_after_minutes is None:
            continue
        if not session.in_scope(uid):
            continue
        last = state.nodes.get(uid)
        last_build = last.last_success if last else None
        if last_build is None or (now - last_build.started_at).total_seconds() / 60 >= policy.build_after_minutes:
            found.add(uid)
    return found


def observed_sources_upstream(nodes: Mapping[str, Node], candidates: set[str]) -> list[str]:
    """Observed sources upstream of the candidate nodes (at any depth)."""
    seen: set[str] = set()
    stack = list(candidates)
    found: list[str] = []
    while stack:
        uid = stack.pop()
        for parent in nodes[uid].parents if uid in nodes else ():
            if parent in seen:
                continue
            seen.add(parent)
            node = nodes.get(parent)
            if node is None:
                continue
            if node.is_source:
                if node.observed:
                    found.append(parent)
            else:
                stack.append(parent)
    return sorted(found)


def observe(session: Session, state: WarehouseState, plan: Plan, now: datetime,
            selector: str) -> tuple[WarehouseState, list[str]]:
    """Observe the sources the plan's decisions hang on; returns the state with the new
    observations and the sources observed (none: nothing to observe)."""
    sources = observed_sources_upstream(session.user_nodes, candidates_of(session, state, plan, now))
    if not sources:
        return state, []
    taken: list[tuple[str, datetime, datetime | None]] = []
    leftover = observe_sources(session.project, sources, utc_now(), taken)
    if leftover:  # loaded_at_query sources: dbt renders and runs those itself
        names = [session.user_nodes[s].name for s in leftover]
        session.project.source_freshness(names, {"triggered_by": TRIGGERED_BY, "selector": selector})
        return session.read_state(), sources
    # only the observations changed: add them to the state rather than reading it all again
    for uid, snapshotted_at, loaded in taken:
        state.add_observation(uid, snapshotted_at, loaded)
    return state, sources

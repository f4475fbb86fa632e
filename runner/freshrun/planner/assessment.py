"""Assessment: every node's current freshness in one word (``freshrun status``), mirroring ``freshrun_model_freshness``.

An overdue node is *blocked* when an observed source upstream is older than the data it needs
now; otherwise statuses follow from the state alone (missing, unrecorded, failing, static, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..model import Assessment, Node, NodeState
from .context import Context
from .graph import BUILDABLE_KINDS, OTHER, SEED, SOURCE, ProjectGraph, as_graph, gc_paused
from .sla import Sla, next_deadline
from .text import minutes

_STATUS_INTERVAL_MINUTES = 15.0  # any interval: an assessment does not depend on it


def assess(nodes: Mapping[str, Node], state: Mapping[str, NodeState], now: datetime) -> dict[str, Assessment]:
    """Per-node current freshness (``freshrun status``), mirroring ``freshrun_model_freshness``."""
    with gc_paused():
        return _assess(as_graph(nodes), state, now)


def _assess(graph: ProjectGraph, state: Mapping[str, NodeState], now: datetime) -> dict[str, Assessment]:
    context = Context(graph, state, now, _STATUS_INTERVAL_MINUTES)
    inputs = context.inputs
    out: dict[str, Assessment] = {}
    for i in range(graph.n):
        node = graph.node[i]
        k = graph.kind[i]
        node_state = inputs.states[i]
        build = inputs.last_success[i]
        policy = node.policy
        data_time = context.data_times.current(i)
        lag = None if data_time is None else round(minutes(now - data_time), 3)
        overdue = False
        blocked_by = None
        deadline = None
        if policy is not None and policy.has_sla and k not in (SEED, SOURCE, OTHER):
            sla = Sla(context, i)
            overdue = sla.overdue
            deadline = next_deadline(sla, now)
            if overdue:
                oldest = context.sources.oldest_observed(i)
                assert sla.required_now is not None
                if oldest is not None and oldest[0] < sla.required_now:
                    blocked_by = oldest[1]
        if k == SOURCE:
            status = "observed" if node.observed else "unobserved"
        elif k in BUILDABLE_KINDS and build is None and node_state.relation_exists is True:
            status = "unrecorded"
        elif k in BUILDABLE_KINDS and not inputs.built[i]:
            status = "missing"
        elif node_state.consecutive_failures > 0:
            status = "failing"
        elif overdue:
            status = "blocked" if blocked_by else "overdue"
        elif k == SEED or (data_time is None and k != SOURCE):
            status = "static"
        elif policy is not None and policy.has_sla:
            status = "fresh"
        else:
            status = "lazy"
        out[graph.order[i]] = Assessment(
            unique_id=graph.order[i],
            name=node.name,
            materialized=node.materialized,
            last_success_at=build.completed_at if build is not None else None,
            data_time=data_time,
            lag_minutes=lag,
            maximum_lag_minutes=policy.maximum_lag_minutes if policy is not None else None,
            cron_schedule=policy.cron_schedule if policy is not None else None,
            is_overdue=overdue,
            blocked_by=blocked_by,
            next_deadline=deadline,
            consecutive_failures=node_state.consecutive_failures,
            status=status,
            resource_type=node.resource_type,
        )
    return out

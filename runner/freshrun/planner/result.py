"""Writing the plan: the selection in canonical order, the violations and what limits them, the explanations' inputs."""

from __future__ import annotations

from datetime import datetime

from ..model import Plan, Selection, Violation
from .blocked import limiting_cause
from .context import Context
from .decisions import Classification, Decisions, Outcome, ordered_reasons
from .explanation import Explainer, Explanations
from .graph import BUILDABLE_KINDS, TABLE
from .text import minutes


def data_time_after_plan(context: Context, decisions: Decisions, i: int) -> datetime | None:
    """Data time i will have after this plan's builds (None = static/unknown)."""
    if context.graph.kind[i] == TABLE:
        if i in decisions.selection:
            return decisions.data_time_if_rebuilt.get(i)
        return context.data_times.current(i)
    return context.rebuilt.data_time_if_rebuilt(
        i, decisions.selection, decisions.data_time_if_rebuilt, decisions.pass_through_if_rebuilt
    )


def write_plan(context: Context, found: Classification, decisions: Decisions) -> Plan:
    graph, inputs = context.graph, context.inputs
    n, kind, order, nodes = graph.n, graph.kind, graph.order, graph.node
    selection, in_scope, excluded = decisions.selection, found.in_scope, decisions.excluded
    result = Plan(now=inputs.now, interval_minutes=inputs.interval_minutes)
    for i in sorted(selection):
        result.selected.append(Selection(order[i], nodes[i].name, tuple(ordered_reasons(selection[i]))))
    result.unrecorded = [order[i] for i in sorted(found.unrecorded) if in_scope[i]]
    result.excluded_required = [(order[a], order[b]) for a, b in sorted(excluded)]
    result.skipped = sum(1 for i in range(n) if kind[i] in BUILDABLE_KINDS and in_scope[i] and i not in selection)

    # violations
    needs_excluded: dict[int, str] = {}
    for a, x in sorted(excluded):
        needs_excluded.setdefault(x, order[a])
    limited_by: dict[int, str] = {}
    for i in sorted(decisions.slas):
        sla = decisions.slas[i]
        if not sla.overdue:
            continue
        assert sla.current_data_time is not None
        after = data_time_after_plan(context, decisions, i)
        blocked_by = limiting_cause(context, found, i, sla, after, needs_excluded)
        if blocked_by is not None:
            limited_by[i] = blocked_by
        policy = nodes[i].policy
        assert policy is not None
        result.violations.append(
            Violation(
                unique_id=order[i],
                name=nodes[i].name,
                lag_minutes=round(minutes(inputs.now - sla.current_data_time), 3),
                maximum_lag_minutes=policy.maximum_lag_minutes,
                blocked_by=blocked_by,
                kind="cron" if sla.cron is not None else "lag",
                deadline=sla.deadline,
            )
        )
    excluded_from: dict[int, list[int]] = {}
    for a, x in sorted(excluded):
        excluded_from.setdefault(a, []).append(x)
    # ancestors a capped node does without (they are newer than what it can get now)
    spared: dict[int, list[int]] = {}
    built, effective, stale_frontier = inputs.built, context.data_times.effective, context.staleness.stale_frontier
    for x, (requirement, cap) in sorted(decisions.capped.items()):
        for f in stale_frontier(x, requirement):
            if f not in selection and built[f] and (e := effective(f)) is not None and e >= cap:
                spared.setdefault(f, []).append(x)
    noteworthy = set(selection)
    for extra in (
        found.unrecorded,
        found.backing_off,
        found.waits_for,
        decisions.blocked,
        decisions.slas,
        decisions.build_after_notes,
        excluded_from,
        spared,
    ):
        noteworthy.update(extra)
    outcome = Outcome(limited_by=limited_by, excluded_from=excluded_from, spared=spared, noteworthy=noteworthy)
    # sentences are written when asked for (plan --explain, status)
    result.explanations = Explanations(Explainer(context, found, decisions, outcome))
    return result

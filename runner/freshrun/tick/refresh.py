"""`freshrun refresh`: the forced nodes are built whatever their freshness,
together with the ancestors they (transitively) require, and nothing else the
tick would have built."""

from __future__ import annotations

from freshrun.model import Plan

REQUIRED_BY = "required_by:"  # the reason an ancestor is selected for a node that needs it


def only_for(plan: Plan, force: frozenset[str]) -> Plan:
    """Keep the forced nodes and the ancestors they require; count the rest of the tick as skipped."""
    keep = set(force)
    changed = True
    while changed:
        changed = False
        for selection in plan.selected:
            if selection.unique_id not in keep and any(
                    reason.startswith(REQUIRED_BY) and reason.split(":", 1)[1] in keep for reason in selection.reasons):
                keep.add(selection.unique_id)
                changed = True
    dropped = len([s for s in plan.selected if s.unique_id not in keep])
    plan.selected = [s for s in plan.selected if s.unique_id in keep]
    plan.skipped += dropped
    return plan

"""Prepare: refresh ahead the inputs a blocked (or capped) SLA node will need once its late source moves.

Such a node is rebuilt once the late source moves, and that rebuild then waits for every
stale ancestor.  When the sources upstream are expected to have moved by the next tick (each
observed source's own cadence), the ancestors it will need are refreshed now instead -- only
those too old for the data the node will need from the next tick's rebuild (no more than it is
expected to get then; an ancestor that cannot reach that yet is prepared for this tick's
requirement instead), only those whose rebuild now reaches it, and only those on a path longer
than the one from the late source (that path has to be rebuilt then anyway).  Without a
cadence (fewer than two distinct values) nothing is prepared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from datetime import datetime, timedelta

from .context import Context
from .graph import TABLE
from .requirements import propagate
from .sla import Sla
from .urgency import Urgency

_NOTHING: frozenset[int] = frozenset()


def prepare_targets(
    context: Context,
    urgency: Urgency,
    acting: Iterable[int],
    slas: Mapping[int, Sla],
    chain: list[float],
    not_propagating: Set[int],
    short: Set[int],
) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """For the blocked (`not_propagating`) and capped (`short`) SLA nodes: (the data they must hold through the next
    tick's rebuild, as if nothing upstream were blocked; the requirement that rebuild will set,
    capped at what they are expected to get then) -- only when the sources upstream are
    expected to allow the first by then."""
    durations, kind = context.durations, context.graph.kind
    newest_at_next_tick = context.achievable.newest_at_next_tick
    for_this_tick: dict[int, datetime] = {}
    for_next_rebuild: dict[int, datetime] = {}
    for i in acting:
        if i not in not_propagating and i not in short:
            continue
        target, _ = urgency.need(i, slas[i], chain, _NOTHING, settle=False)
        if target is None:
            continue
        expected = newest_at_next_tick(i) or datetime.min
        if expected >= target:
            for_this_tick[i] = target
            own = durations.seconds(i) if kind[i] == TABLE else 0.0
            next_requirement = slas[i].next_tick_requirement(context, timedelta(seconds=chain[i] + own)) or target
            for_next_rebuild[i] = min(max(next_requirement, target), expected)
    return for_this_tick, for_next_rebuild


def prepare(
    context: Context,
    selectable: list[bool],
    in_scope: list[bool],
    for_this_tick: Mapping[int, datetime],
    for_next_rebuild: Mapping[int, datetime],
) -> tuple[dict[int, datetime], dict[int, list[int]]]:
    """(ancestor -> the data time it is prepared for, ancestor -> the nodes it prepares for).
    Targets travel up the stale ancestors, through blocked ones too: first for the requirement
    of the next tick's rebuild, then, for ancestors that cannot reach it yet, for this tick's."""
    prepared_for: dict[int, datetime] = {}
    prepared_by: dict[int, list[int]] = {}
    for targets in (for_next_rebuild, for_this_tick):
        requirements, stale_for = propagate(context.staleness, selectable, in_scope, targets)
        if stale_for:
            for f, nodes in worth_preparing(context, stale_for, requirements).items():
                if f not in prepared_by:
                    prepared_by[f] = nodes
                    prepared_for[f] = requirements[f]
    return prepared_for, prepared_by


def worth_preparing(
    context: Context, stale_for: dict[int, list[int]], targets: Mapping[int, datetime]
) -> dict[int, list[int]]:
    """The part of the stale ancestry (stale_for: ancestor -> the descendants it is stale for)
    worth refreshing ahead.  An ancestor can be prepared when everything upstream of it already
    allows its target; the others depend on a late source and are rebuilt once it moves anyway.
    Preparing pays only where it shortens that rebuild: at each node that will wait, a
    preparable parent whose chain is longer than the chain of the parents that cannot be
    prepared -- with everything it needs upstream."""
    inputs, data_times, durations = context.inputs, context.data_times, context.durations
    newest_now = context.achievable.newest_now
    ancestors = sorted(stale_for)  # topological
    can_prepare: dict[int, bool] = {}
    for f in ancestors:
        newest = newest_now(f)
        effective = data_times.effective(f) if inputs.built[f] else None
        can_prepare[f] = newest is not None and newest >= targets[f] and (effective is None or newest > effective)
    parents_of: dict[int, list[int]] = {}
    for f in ancestors:
        for c in stale_for[f]:
            parents_of.setdefault(c, []).append(f)
    longest: dict[int, float] = {}  # longest stale chain ending at f
    fixed: dict[int, float] = {}  # ... of ancestors that cannot be prepared (0 for those that can)
    for f in ancestors:
        ps = parents_of.get(f, ())
        seconds = durations.seconds(f)
        longest[f] = seconds + max((longest[q] for q in ps), default=0.0)
        fixed[f] = 0.0 if can_prepare[f] else seconds + max((fixed[q] for q in ps if not can_prepare[q]), default=0.0)
    keep: set[int] = set()
    for v, ps in parents_of.items():
        if can_prepare.get(v, False):
            continue  # prepared itself (with its parents) or not at all
        floor = max((fixed[q] for q in ps if not can_prepare[q]), default=0.0)
        keep.update(q for q in ps if can_prepare[q] and longest[q] > floor)
    stack = list(keep)
    while stack:
        for q in parents_of.get(stack.pop(), ()):
            if q not in keep:
                keep.add(q)
                stack.append(q)
    return {f: stale_for[f] for f in ancestors if f in keep}


def reaches_target(data_time_if_rebuilt: datetime | None, target: datetime, effective: datetime | None) -> bool:
    """Is an ancestor prepared?  Only if its rebuild now gets it fresh enough (else it is redone then)."""
    return data_time_if_rebuilt is not None and data_time_if_rebuilt >= target and (
        effective is None or data_time_if_rebuilt > effective
    )

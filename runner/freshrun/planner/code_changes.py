"""Code changes propagate: a table-like model built before a change of logic upstream is stale.

What `dbt build -s state:modified+` would do, once and in dependency order: when a view, a
table or a seed upstream changed its code (a seed: its file) after a table-like model was
built, the model holds data computed with the old logic, whatever its freshness policy says.
It is selected with reason ``upstream_code_changed`` in the same tick as the change is built,
after it.  A change of logic reaches a model through views at any depth, and through tables
once they are rebuilt with it.  ``meta.freshrun.rebuild_on_upstream_code_change: false`` on a
model opts it out: it then follows only its own policy.

A change is *pending* when the changed node is selected this tick (``code_changed`` or, for a
table, ``upstream_code_changed``); it is *recorded* when the node was already rebuilt with its
new code (its checksum changed between two recorded builds) after the model's build started.
A pending change the tick cannot build (out of scope, backing off) holds nothing back: the model
waits for it rather than being rebuilt on the old logic.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime

from .context import Context
from .decisions import Classification
from .graph import SEED, TABLE

UPSTREAM_CODE_CHANGED = "upstream_code_changed"


def mark_upstream_code_changes(context: Context, found: Classification) -> None:
    """Add ``upstream_code_changed`` to the reasons of the table-like nodes it applies to."""
    graph, inputs = context.graph, context.inputs
    kind, parents, is_pass_through, nodes = graph.kind, graph.parents, graph.is_pass_through, graph.node
    states, last_success, selectable = inputs.states, inputs.last_success, found.selectable
    # per node: the latest moment its logic, as what downstream reads, changed (recorded), and whether
    # a change of it is built this tick (pending)
    changed_at: list[datetime | None] = [None] * graph.n
    pending = [False] * graph.n
    for i in range(graph.n):
        k = kind[i]
        own = states[i].code_changes
        latest_own = own[-1] if own else None
        if is_pass_through[i]:
            upstream, upstream_pending = _upstream(parents[i], changed_at, pending)
            changed_at[i] = _latest(latest_own, upstream)
            pending[i] = upstream_pending or (_is_changed(found, i) and selectable[i])
            continue
        if k == SEED:
            changed_at[i] = latest_own
            pending[i] = _is_changed(found, i) and selectable[i]
            continue
        if k != TABLE:
            continue
        upstream, upstream_pending = _upstream(parents[i], changed_at, pending)
        build = last_success[i]
        rebuilt_with_upstream = None
        if upstream is not None:  # the first build of this node that read the upstream change
            starts = [start for start, _ in states[i].success_times]
            starts.sort()
            k_first = bisect_left(starts, upstream)
            rebuilt_with_upstream = starts[k_first] if k_first < len(starts) else None
        changed_at[i] = _latest(latest_own, rebuilt_with_upstream)
        stale = build is not None and inputs.built[i] and (
            upstream_pending or (upstream is not None and upstream > build.started_at))
        if stale and nodes[i].rebuild_on_upstream_code_change and selectable[i]:
            reasons = found.reasons.setdefault(i, [])
            if UPSTREAM_CODE_CHANGED not in reasons:
                reasons.append(UPSTREAM_CODE_CHANGED)
        pending[i] = selectable[i] and i in found.reasons and (
            _is_changed(found, i) or UPSTREAM_CODE_CHANGED in found.reasons[i])


def _is_changed(found: Classification, i: int) -> bool:
    return "code_changed" in found.reasons.get(i, ())


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a > b else b


def _upstream(direct: tuple[int, ...], changed_at: list[datetime | None],
              pending: list[bool]) -> tuple[datetime | None, bool]:
    latest: datetime | None = None
    any_pending = False
    for p in direct:
        latest = _latest(latest, changed_at[p])
        any_pending = any_pending or pending[p]
    return latest, any_pending

"""Refresh (forced builds): a forced node pulls in only its stale table-like ancestors, and the path to them.

An ancestor is stale for a refresh when it is built anyway, is behind its own inputs (a newer
build upstream or a seed change since it was built), has a forced or pulled-in input, or was
never built.  Fresh ancestors are left alone.
"""

from __future__ import annotations

from .context import Context
from .decisions import REQUIRED_BY, Classification, Refresh
from .graph import TABLE

_BECAUSE = "refresh of a descendant needs its stale ancestors"


def pull_in_stale_ancestors(context: Context, found: Classification) -> Refresh:
    """Add ``required_by`` reasons to `found` for the stale ancestors of its forced nodes."""
    graph, inputs, data_times = context.graph, context.inputs, context.data_times
    refresh = Refresh()
    pulled = {i for i in found.forced if found.selectable[i]}
    if not pulled:
        return refresh
    kind = graph.kind
    descendants_of: dict[int, set[int]] = {}
    for x in sorted(pulled):
        stack = [f for f in graph.walk_frontier(x) if kind[f] == TABLE]
        seen: set[int] = set()
        while stack:
            f = stack.pop()
            if f in seen:
                continue
            seen.add(f)
            descendants_of.setdefault(f, set()).add(x)
            stack.extend(a for a in graph.walk_frontier(f) if kind[a] == TABLE)
    for a in sorted(descendants_of):
        if a in pulled:
            continue
        behind = False
        if inputs.built[a]:
            effective = data_times.effective(a)
            recorded = inputs.last_success[a].data_time  # type: ignore[union-attr]
            behind = (
                effective is not None and (recorded is None or effective < recorded)
            ) or data_times.seed_changed_since_build(a)
        stale = (
            a in found.reasons
            or behind
            or any(f in pulled for f in graph.walk_frontier(a))
            or (not inputs.built[a] and a not in found.unrecorded)
        )
        if not stale:
            continue
        if not found.selectable[a]:
            if not found.in_scope[a]:
                for x in descendants_of[a]:
                    refresh.excluded.add((a, x))
            continue
        reasons = found.reasons.setdefault(a, [])
        for x in sorted(descendants_of[a]):
            reasons.append(f"{REQUIRED_BY}{graph.order[x]}")
            refresh.because.setdefault(a, {})[x] = _BECAUSE
        pulled.add(a)
    return refresh

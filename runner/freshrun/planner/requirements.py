"""Requirements travel up: a node that must get data from time t needs every table-like ancestor older than t rebuilt.

Each selectable table-like frontier ancestor whose data is older than a descendant's
requirement takes the largest such requirement and passes it on to its own frontier;
ancestors fresh enough are not touched.  An ancestor outside the scope is reported.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Set
from datetime import datetime

from .staleness import Staleness

_NOTHING: frozenset[int] = frozenset()


def propagate(
    staleness: Staleness,
    selectable: list[bool],
    in_scope: list[bool],
    start: Mapping[int, datetime],
    stop: Set[int] = _NOTHING,
    excluded: set[tuple[int, int]] | None = None,
) -> tuple[dict[int, datetime], dict[int, list[int]]]:
    """Carry requirements (node -> data time it must get) up the frontier, in reverse
    topological order.  Returns (requirements, ancestor -> the descendants it is stale for).
    Nodes in `stop` pass nothing up; an ancestor outside the scope is noted in `excluded` as
    (ancestor, node)."""
    stale_frontier = staleness.stale_frontier
    requirements: dict[int, datetime] = dict(start)
    stale_for: dict[int, list[int]] = {}
    heap = [-i for i in requirements]
    heapq.heapify(heap)
    done: set[int] = set()
    while heap:
        i = -heapq.heappop(heap)
        if i in done:
            continue
        done.add(i)
        if i in stop:
            continue
        requirement = requirements[i]
        for f in stale_frontier(i, requirement):
            if not selectable[f]:
                if excluded is not None and not in_scope[f]:
                    excluded.add((f, i))
                continue
            old = requirements.get(f)
            if old is None or requirement > old:
                requirements[f] = requirement
            if f not in done:
                heapq.heappush(heap, -f)
            stale_for.setdefault(f, []).append(i)
    return requirements, stale_for


def stale_closure(
    staleness: Staleness, selectable: list[bool], x: int, requirement: datetime, stop: Set[int]
) -> set[int]:
    """The ancestors `requirement` makes stale for x, transitively (nodes in `stop` pass nothing up)."""
    seen: set[int] = set()
    stack = [x]
    while stack:
        v = stack.pop()
        if v in stop:
            continue
        for f in staleness.stale_frontier(v, requirement):
            if selectable[f] and f not in seen:
                seen.add(f)
                stack.append(f)
    return seen

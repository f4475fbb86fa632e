"""The data time a build records: the minimum over its frontier when it started, as the dbt hook
(``freshrun._data_time_of``) writes it into ``freshrun_events``.

The planner's test helpers and the simulated warehouse take it from here.
A seed load is a content change only when its checksum differs from the previous load's.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import datetime

from ..model import Build, Node, NodeState, Observation
from .graph import PASS_THROUGH_KINDS, SEED, SOURCE, ProjectGraph, as_graph


def recorded_data_time(
    nodes: Mapping[str, Node],
    state: Mapping[str, NodeState],
    unique_id: str,
    started_at: datetime,
    observed_as_of: datetime | None = None,
    built_now: Mapping[str, Build] | None = None,
) -> datetime | None:
    """The data time a build of `unique_id` that started at `started_at` records (the rule of
    the dbt hook, ``freshrun._data_time_of``): see :func:`data_time_recorded`.  `built_now`:
    the builds made earlier in the same invocation, by unique_id."""
    graph = as_graph(nodes)
    i = graph.index[unique_id]
    index = graph.index
    built = {index[uid]: build for uid, build in built_now.items() if uid in index} if built_now else {}
    as_of = started_at if observed_as_of is None else observed_as_of
    return data_time_recorded(graph, i, hook_frontier(graph, i), started_at, as_of, state, built)


def hook_frontier(graph: ProjectGraph, i: int) -> tuple[int, ...]:
    """The frontier the dbt hook sees for node i: its nearest data-holding upstreams (a
    view/ephemeral without parents is in no frontier the hook sees)."""
    kind = graph.kind
    return tuple(f for f in graph.frontier_of(i) if kind[f] not in PASS_THROUGH_KINDS)


def data_time_recorded(
    graph: ProjectGraph,
    i: int,
    members: Sequence[int],
    started_at: datetime,
    observed_as_of: datetime,
    state: Mapping[str, NodeState],
    built_now: Mapping[int, Build],
) -> datetime | None:
    """The data time a build of node i that started at `started_at` records: the minimum over
    `members` (its :func:`hook_frontier`) of

    * an observed source: its latest non-null max_loaded_at observed at or before
      `observed_as_of` (the invocation's start), else `started_at`; an unobserved source:
      `started_at`;
    * a table-like node: the data time of its latest successful build -- in `built_now` (built
      earlier in the same invocation, by graph position) if there, else in `state` -- when it
      has one;
    * a seed: nothing.

    A seed records None; a node whose frontier is empty records `started_at`; None when nothing
    contributes (never stale by time).
    """
    kind = graph.kind
    if kind[i] == SEED:
        return None
    if not members:
        return started_at
    order, node = graph.order, graph.node
    recorded = None
    for f in members:
        k = kind[f]
        value: datetime | None
        if k == SOURCE:
            value = None
            if node[f].observed:
                node_state = state.get(order[f])
                if node_state is not None:
                    value = latest_loaded_at(node_state.observations, observed_as_of)
            if value is None:
                value = started_at
        elif k == SEED:
            continue
        else:
            build = built_now.get(f)
            if build is None:
                node_state = state.get(order[f])
                if node_state is not None:
                    build = node_state.last_success
            if build is None or build.data_time is None:
                continue
            value = build.data_time
        if recorded is None or value < recorded:
            recorded = value
    return recorded


def _snapshotted_at(observation: Observation) -> datetime:
    return observation.snapshotted_at


def latest_loaded_at(observations: Sequence[Observation], at: datetime) -> datetime | None:
    """Latest non-null max_loaded_at observed at or before `at`."""
    position = bisect_right(observations, at, key=_snapshotted_at)
    while position:
        loaded_at = observations[position - 1].max_loaded_at
        if loaded_at is not None:
            return loaded_at
        position -= 1
    return None


def is_content_change(previous: Build | None, checksum: str | None) -> bool:
    """Is a seed load with `checksum` a content change?  Only when it differs from the previous
    load's (a first load is not a change), as ``state.read_state`` derives ``content_changes``."""
    return previous is not None and previous.checksum != checksum

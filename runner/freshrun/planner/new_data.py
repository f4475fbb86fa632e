"""New data since an instant: has an input got data newer than a build that started then read?

One rule for the planner's ``build_after`` check, the simulator's eager strategy and the lower
bound's fewest builds.  Each reads a node's history its own way -- the state now, the simulated
warehouse at a tick, the bound's own builds -- and hands that reading in as a :class:`History`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .graph import SEED, SOURCE, TABLE, ProjectGraph


class History(Protocol):
    """How one caller reads a node's history at the instant it asks about (``now``)."""

    now: datetime

    def is_rebuilt(self, node: int) -> bool:
        """Is the node being built in this plan / invocation?  That counts as new data."""
        ...

    def latest_completion(self, table: int) -> datetime | None:
        """Completion of the table-like node's latest successful build (None: never built)."""
        ...

    def latest_content_change(self, seed: int) -> datetime | None:
        """Start of the seed's latest load that changed its content (None: none recorded)."""
        ...

    def latest_loaded_at(self, source: int) -> datetime | None:
        """The source's max_loaded_at now (None: unobserved or no data known -- it is live)."""
        ...

    def loaded_at_build(self, source: int, since: datetime) -> datetime | None:
        """The max_loaded_at a build that started at `since` read from the source (None: not known,
        so any data the source holds counts as new)."""
        ...


def has_new_data_since(graph: ProjectGraph, history: History, node: int, since: datetime) -> bool:
    """Has `node` got data newer than `since` (or will it, being rebuilt)?

    * being rebuilt: yes;
    * a table-like node: its latest successful build completed after `since`;
    * a seed: its latest content change started after `since`;
    * a source: live (no data known) once time has passed since `since`; else its max_loaded_at
      is newer than the one the build read;
    * a view/ephemeral: when anything in its frontier has (a view being rebuilt counts; a
      parentless one is live).

    Where the callers' readings differ: for a source without an observation at or before
    `since`, the planner takes it that the build read everything loaded before it started (new
    data only if the latest max_loaded_at is after `since`), while the simulated warehouse and
    the lower bound count any data as new; the planner reads a source's latest observation as it
    is, the simulator its latest non-null max_loaded_at (the bound adds the arrivals); the planner
    takes a table's latest completion from its success times, the simulator from its last success
    (the same for a state read from the warehouse).
    """
    if history.is_rebuilt(node):
        return True
    kind = graph.kind[node]
    if kind == TABLE:
        completed = history.latest_completion(node)
        return completed is not None and completed > since
    if kind == SEED:
        changed = history.latest_content_change(node)
        return changed is not None and changed > since
    now = history.now
    if kind == SOURCE:
        latest = history.latest_loaded_at(node)
        if latest is None:
            return now > since  # no data known: live
        read = history.loaded_at_build(node, since)
        return read is None or latest > read
    stack = [node]
    seen = {node}
    parents, is_pass_through = graph.parents, graph.is_pass_through
    while stack:
        view = stack.pop()
        view_parents = parents[view]
        if not view_parents:
            if now > since:
                return True  # a parentless view is live
            continue
        for parent in view_parents:
            if is_pass_through[parent]:
                if history.is_rebuilt(parent):
                    return True
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
            elif has_new_data_since(graph, history, parent, since):
                return True
    return False

"""build_after: rebuild a table once its window has passed since its last build started and its inputs have new data.

``updates_on: any`` needs one input with new data, ``all`` every input.  A direct parent being
rebuilt in this same plan counts as new data; an unobserved source or a parentless view has
new data once time has passed since the last build started (it is live).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from .context import Context
from .new_data import has_new_data_since
from .text import format_minutes, format_time, minutes


class PlanHistory:
    """The planner's reading of a node's history for :func:`has_new_data_since`: the state now,
    and the nodes this plan has selected so far."""

    __slots__ = ("context", "now", "selection")

    def __init__(self, context: Context, selection: Mapping[int, object]):
        self.context = context
        self.now = context.inputs.now
        self.selection = selection  # only buildable nodes are ever selected

    def is_rebuilt(self, node: int) -> bool:
        return node in self.selection

    def latest_completion(self, table: int) -> datetime | None:
        state = self.context.inputs.states[table]
        if state.success_times:
            return state.success_times[-1][1]
        build = state.last_success
        return build.completed_at if build is not None else None

    def latest_content_change(self, seed: int) -> datetime | None:
        changes = self.context.inputs.states[seed].content_changes
        return changes[-1] if changes else None

    def latest_loaded_at(self, source: int) -> datetime | None:
        return self.context.sources.max_loaded_at(source)

    def loaded_at_build(self, source: int, since: datetime) -> datetime | None:
        """The latest observation at or before `since`; none: the build read everything loaded
        before it started (``since``)."""
        before = self.context.sources.max_loaded_at(source, since)
        return before if before is not None else since


def check_build_after(context: Context, i: int, selection: Mapping[int, object]) -> tuple[bool, str]:
    """(is the built table i due under its build_after policy, the sentence saying why (not))."""
    graph, now = context.graph, context.inputs.now
    policy = graph.node[i].policy
    build = context.inputs.last_success[i]
    assert policy is not None and policy.build_after_minutes is not None and build is not None
    since = build.started_at
    window = float(policy.build_after_minutes)
    if minutes(now - since) < window:
        return False, (
            f"build_after {format_minutes(window)}: last build started {format_time(since)}, "
            f"next rebuild allowed from {format_time(since + timedelta(minutes=window))}"
        )
    ps = graph.parents[i]
    history = PlanHistory(context, selection)
    flags: list[tuple[int | None, bool]] = (
        [(p, has_new_data_since(graph, history, p, since)) for p in ps] if ps else [(None, now > since)]
    )
    mode = "all" if (policy.updates_on or "any").lower() == "all" else "any"
    due = all(f for _, f in flags) if mode == "all" else any(f for _, f in flags)
    newer = [graph.node[p].name for p, f in flags if f and p is not None]
    if not due:
        return False, (
            f"build_after {format_minutes(window)} ({mode}): window passed but "
            + ("no input has" if mode == "any" else "not all inputs have")
            + f" new data since its last build at {format_time(since)}"
        )
    shown = ", ".join(newer[:5]) + (f" and {len(newer) - 5} more" if len(newer) > 5 else "")
    return True, (
        f"build_after {format_minutes(window)} passed since its last build at {format_time(since)} and {mode} "
        "inputs have new data" + (f" ({shown})" if shown else "")
    )

"""build_after: rebuild a table once its window has passed since its last build started and its inputs have new data.

``updates_on: any`` needs one input with new data, ``all`` every input.  A direct parent being
rebuilt in this same plan counts as new data; an unobserved source or a parentless view has
new data once time has passed since the last build started (it is live).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from ..model import NodeState
from .context import Context
from .graph import BUILDABLE_KINDS, SEED, SOURCE, TABLE
from .text import format_minutes, format_time, minutes


def _success_times(state: NodeState) -> list[tuple[datetime, datetime]]:
    if state.success_times:
        return state.success_times
    build = state.last_success
    return [(build.started_at, build.completed_at)] if build is not None else []


def has_new_data(context: Context, p: int, since: datetime, selection: Mapping[int, object]) -> bool:
    """Has node p got data newer than `since` (or will it, being rebuilt in this plan)?"""
    graph, inputs, sources = context.graph, context.inputs, context.sources
    now = inputs.now
    k = graph.kind[p]
    if p in selection and k in BUILDABLE_KINDS:
        return True
    if k == TABLE:
        success_times = _success_times(inputs.states[p])
        return bool(success_times) and success_times[-1][1] > since
    if k == SEED:
        changes = inputs.states[p].content_changes
        return bool(changes) and changes[-1] > since
    if k == SOURCE:
        latest = sources.max_loaded_at(p)
        if latest is None:
            return now > since  # unobserved: live
        before = sources.max_loaded_at(p, since)
        # no observation before that build: it read everything loaded before it started
        return latest > (before if before is not None else since)
    # view/ephemeral: new data when anything in its frontier has (or it is rebuilt itself)
    if now > since and context.data_times.has_live_input(p):
        return True
    stack = [p]
    seen = {p}
    parents, is_pass_through = graph.parents, graph.is_pass_through
    while stack:
        v = stack.pop()
        ps = parents[v]
        if not ps:
            if now > since:
                return True
            continue
        for q in ps:
            if is_pass_through[q]:
                if q in selection:
                    return True
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
            elif has_new_data(context, q, since, selection):
                return True
    return False


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
    flags: list[tuple[int | None, bool]] = (
        [(p, has_new_data(context, p, since, selection)) for p in ps] if ps else [(None, now > since)]
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

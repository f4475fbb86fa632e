"""What the state alone says about each buildable node: missing, code changed, unrecorded, failing.

These reasons do not depend on time: a node with one is built this tick whatever its
freshness (unless a failure holds it back), and nodes held back are not selectable.
"""

from __future__ import annotations

from collections.abc import Set

from .context import Context
from .decisions import Classification
from .failures import code_fixed_since_failure, next_retry, waiting_for_failures
from .missing import code_changed, is_unrecorded, missing_because, missing_or_changed


def classify(context: Context, scope: Set[str] | None, force: Set[str]) -> Classification:
    graph, inputs = context.graph, context.inputs
    order = graph.order
    in_scope = [True] * graph.n if scope is None else [u in scope for u in order]
    unknown = sorted(u for u in force if u not in graph.index)
    if unknown:
        raise ValueError(f"unknown node(s) to refresh: {', '.join(unknown)}")
    forced = {graph.index[u] for u in force}
    found = Classification(in_scope=in_scope, forced=forced)

    nodes, states, last_success, now = graph.node, inputs.states, inputs.last_success, inputs.now
    for i in graph.buildable:
        state = states[i]
        build = last_success[i]
        failures = state.consecutive_failures
        if build is not None and not failures and i not in forced and not missing_or_changed(nodes[i], state):
            continue  # the common case: built, unchanged, healthy
        reasons: list[str] = []
        if is_unrecorded(state):
            found.unrecorded.add(i)
        because = missing_because(state)
        if because is not None:
            reasons.append("missing")
            found.missing_because[i] = because
        if code_changed(nodes[i], build):
            reasons.append("code_changed")
        if failures > 0:
            due = next_retry(state, inputs.interval)
            if code_fixed_since_failure(nodes[i], state) or due is None or now >= due:
                reasons.append("retry")
            elif i not in forced:
                found.backing_off[i] = due
        if i in forced:
            reasons.append("forced")
        if reasons:
            found.reasons[i] = reasons

    # descendants of a node backing off wait for it (whatever their own reasons)
    found.waits_for = waiting_for_failures(graph, found.backing_off)

    selectable = [False] * graph.n
    unrecorded, backing_off, waits_for = found.unrecorded, found.backing_off, found.waits_for
    for i in graph.buildable:
        if in_scope[i] and (i in forced or not (i in unrecorded or i in backing_off or i in waits_for)):
            selectable[i] = True
    found.selectable = selectable
    for i in list(found.reasons):
        if not selectable[i]:
            del found.reasons[i]
    return found

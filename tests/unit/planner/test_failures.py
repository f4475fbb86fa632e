"""Failures: back-off, waiting downstream, retry after a code fix.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

import pytest
from planner_helpers import (
    IV,
    at,
    built,
    graph,
    lag,
    mins,
    model,
    selected,
    src,
    text,
    uid,
    violations,
)

from freshrun.model import NodeState
from freshrun.planner import plan

# ================================================================ failures and retry


@pytest.mark.parametrize(
    "failures, wait_ticks",
    [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (9, 16)],
)
def test_retry_backs_off_in_ticks(failures, wait_ticks):
    nodes = graph(src("raw"), model("A", ["source.p.raw.raw"]))
    failed = at("10:00")
    state = {uid("A"): built(at("08:00"), consecutive_failures=failures, last_failure_at=failed)}
    due = failed + mins(IV * wait_ticks)
    p = plan(nodes, state, due, IV)
    assert selected(p) == {"A": ("retry",)}
    p = plan(nodes, state, due - mins(IV), IV)
    assert selected(p) == {}
    assert f"backing off after {failures} failure" in text(p, "A")


def test_downstream_of_a_backing_off_node_waits():
    nodes = graph(
        src("raw"),
        model("A", ["source.p.raw.raw"]),
        model("B", [uid("A")], policy=lag(60)),
        model("C", [uid("A")], checksum="c2"),  # code changed, but waits too
        model("D", ["source.p.raw.raw"]),  # healthy, unrelated: not rebuilt to "resume"
    )
    state = {
        uid("A"): built(at("08:00"), consecutive_failures=2, last_failure_at=at("09:50")),
        uid("B"): built(at("08:02"), at("08:00")),
        uid("C"): built(at("08:02"), at("08:00"), checksum="c1"),
        uid("D"): built(at("08:00")),
    }
    p = plan(nodes, state, at("10:00"), IV)
    assert selected(p) == {}
    assert violations(p)["B"].blocked_by == uid("A")
    assert "waiting for failing ancestor model.p.A" in text(p, "B")
    assert "waiting for failing ancestor model.p.A" in text(p, "C")
    # once A's back-off has elapsed it is retried and its downstream goes with it
    p = plan(nodes, state, at("10:15"), IV)
    assert selected(p) == {
        "A": ("required_by:model.p.B", "retry"),
        "B": ("lag",),
        "C": ("code_changed",),
    }


def test_failed_node_whose_code_was_fixed_is_retried_at_once():
    nodes = graph(src("raw"), model("A", ["source.p.raw.raw"], checksum="c3"))
    state = {
        uid("A"): built(
            at("08:00"), checksum="c1", consecutive_failures=3, last_failure_at=at("09:55"), last_failure_checksum="c2"
        )
    }
    assert selected(plan(nodes, state, at("10:00"), IV)) == {"A": ("code_changed", "retry")}


def test_never_built_failing_node_backs_off_too():
    nodes = graph(src("raw"), model("A", ["source.p.raw.raw"]))
    state = {uid("A"): NodeState(consecutive_failures=1, last_failure_at=at("09:55"))}
    assert selected(plan(nodes, state, at("10:00"), IV)) == {}
    assert selected(plan(nodes, state, at("10:10"), IV)) == {"A": ("missing", "retry")}

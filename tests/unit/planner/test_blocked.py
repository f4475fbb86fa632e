"""Blocked: a rebuild that an observed source keeps from helping is not made.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from planner_helpers import (
    IV,
    at,
    built,
    graph,
    lag,
    model,
    selected,
    src,
    stuck_source_project,
    text,
    uid,
    violations,
)

from freshrun.planner import (
    assess,
    plan,
)

# ================================================================ blocked by an observed source


def test_observed_source_that_has_not_moved_blocks_the_rebuild():
    nodes, state = stuck_source_project(at("08:00"))
    p = plan(nodes, state, at("09:30"), IV)
    assert p.selected == []
    v = violations(p)
    assert set(v) == {"A", "B"}
    assert v["A"].blocked_by == "source.p.raw.events"
    assert v["B"].blocked_by == "source.p.raw.events"
    assert "blocked by source source.p.raw.events" in text(p, "A")


def test_source_that_moved_but_is_still_too_old_blocks_instead_of_rebuilding_every_tick():
    # the source moved (08:00 -> 08:10) but a rebuild would still leave A and B overdue at 09:30
    nodes, state = stuck_source_project(at("08:10"))
    p = plan(nodes, state, at("09:30"), IV)
    assert p.selected == []
    v = violations(p)
    assert v["A"].blocked_by == "source.p.raw.events" and v["B"].blocked_by == "source.p.raw.events"


def test_chain_slower_than_its_lag_over_live_data_is_still_built():
    # unobserved (live) source: a rebuild gets data time = now, so it is worth it even if it takes long
    nodes = graph(src("events"), model("A", ["source.p.raw.events"], policy=lag(10)))
    state = {uid("A"): built(at("08:00"), secs=1200.0)}
    p = plan(nodes, state, at("09:30"), IV)
    assert selected(p) == {"A": ("lag",)}


def test_observed_source_that_moved_unblocks():
    nodes, state = stuck_source_project(at("09:20"))
    p = plan(nodes, state, at("09:30"), IV)
    assert selected(p) == {"A": ("lag",), "L": ("required_by:model.p.B",), "B": ("lag",)}
    v = violations(p)
    assert v["A"].blocked_by is None and v["B"].blocked_by is None  # the builds fix them


def test_observation_newer_than_now_is_ignored():
    # planning "as of" 09:00 must not use an observation snapshotted at 09:25
    nodes, state = stuck_source_project(at("09:20"))
    a = assess(nodes, state, at("09:00"))
    assert a["source.p.raw.events"].data_time == at("08:00")

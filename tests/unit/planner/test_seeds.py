"""Seeds: content changes make downstream stale; reloads with the same checksum do not.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from dataclasses import replace

from planner_helpers import (
    IV,
    at,
    built,
    graph,
    lag,
    model,
    seed,
    selected,
    uid,
)

from freshrun.planner import (
    assess,
    effective_data_time,
    plan,
)

# ================================================================ seeds


def seed_project(content_changes):
    nodes = graph(seed("s"), model("X", ["seed.p.s"], policy=lag(60)))
    state = {
        "seed.p.s": built(
            at("09:30"), None, checksum="s1", earlier=[(at("08:00"), at("08:01"))], content_changes=content_changes
        ),
        uid("X"): built(at("09:00"), None),
    }
    return nodes, state


def test_seed_content_change_makes_downstream_stale():
    nodes, state = seed_project([at("08:00"), at("09:30")])
    # X's data time is now 09:30 (the reload): deadline 10:30
    assert effective_data_time(nodes, state, uid("X"), at("10:00")) == at("09:30")
    assert selected(plan(nodes, state, at("10:00"), IV)) == {}
    assert assess(nodes, state, at("10:00"))[uid("X")].lag_minutes == 30
    assert selected(plan(nodes, state, at("10:20"), IV)) == {"X": ("lag",)}


def test_seed_reload_with_same_checksum_changes_nothing():
    nodes, state = seed_project([at("08:00")])
    assert effective_data_time(nodes, state, uid("X"), at("23:00")) is None
    assert plan(nodes, state, at("23:00"), IV).selected == []
    assert assess(nodes, state, at("23:00"))[uid("X")].status == "static"


def test_seed_file_change_reloads_the_seed_only():
    nodes, state = seed_project([at("08:00")])
    nodes["seed.p.s"] = replace(nodes["seed.p.s"], checksum="s2")
    p = plan(nodes, state, at("10:00"), IV)
    assert selected(p) == {"s": ("code_changed",)}

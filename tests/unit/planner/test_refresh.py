"""Scope (--select/--exclude) and refresh (forced builds).

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from planner_helpers import (
    IV,
    at,
    built,
    graph,
    lag,
    model,
    seed,
    selected,
    src,
    text,
    uid,
    violations,
)

from freshrun.planner import plan

# ================================================================ scope and refresh


def test_scope_never_selects_outside_and_reports_required_ancestors():
    nodes = graph(
        src("raw"),
        model("A", ["source.p.raw.raw"]),
        model("B", [uid("A")], policy=lag(60)),
        model("X", ["source.p.raw.raw"], checksum="c2"),
    )
    state = {
        uid("A"): built(at("08:00")),
        uid("B"): built(at("08:02"), at("08:00")),
        uid("X"): built(at("08:00"), checksum="c1"),
    }
    p = plan(nodes, state, at("09:30"), IV, scope={uid("B")})
    assert p.selected == []  # A can't be rebuilt, so B's rebuild would not help
    assert p.excluded_required == [(uid("A"), uid("B"))]
    assert violations(p)["B"].blocked_by == uid("A")
    assert p.skipped == 1
    assert "needed by model.p.B but outside the scope" in text(p, "A")
    p = plan(nodes, state, at("09:30"), IV, scope={uid("A"), uid("B")})
    assert selected(p) == {"A": ("required_by:model.p.B",), "B": ("lag",)}


def refresh_project():
    nodes = graph(
        seed("s"),
        src("raw"),
        model("A", ["seed.p.s"]),
        model("B", [uid("A")]),
        model("D", ["source.p.raw.raw"]),
        model("C", [uid("B"), uid("D")]),
    )
    state = {
        "seed.p.s": built(
            at("09:00"), None, checksum="s1", earlier=[(at("06:00"), at("06:01"))], content_changes=[at("06:00")]
        ),
        uid("A"): built(at("07:00"), None),
        uid("B"): built(at("07:05"), None),
        uid("D"): built(at("07:05")),
        uid("C"): built(at("07:10"), at("07:05")),
    }
    return nodes, state


def test_refresh_builds_the_model_and_only_its_stale_ancestors():
    nodes, state = refresh_project()
    # nothing is stale: only C itself
    p = plan(nodes, state, at("10:00"), IV, force={uid("C")})
    assert selected(p) == {"C": ("forced",)}
    # the seed's content changed at 09:00: A and B are behind it, D is not
    state["seed.p.s"] = replace(state["seed.p.s"], content_changes=[at("06:00"), at("09:00")])
    p = plan(nodes, state, at("10:00"), IV, force={uid("C")})
    assert selected(p) == {"A": ("required_by:model.p.C",), "B": ("required_by:model.p.C",), "C": ("forced",)}
    assert "forced: requested by refresh" in text(p, "C")
    with pytest.raises(ValueError, match="model.p.nope"):
        plan(nodes, state, at("10:00"), IV, force={"model.p.nope"})


def test_refresh_overrides_back_off_of_the_forced_model():
    nodes, state = refresh_project()
    state[uid("C")] = replace(state[uid("C")], consecutive_failures=3, last_failure_at=at("09:59"))
    assert selected(plan(nodes, state, at("10:00"), IV, force={uid("C")})) == {"C": ("forced",)}

"""Missing, code_changed and unrecorded nodes: built (or adopted) whatever their freshness.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from planner_helpers import (
    IV,
    at,
    built,
    graph,
    mins,
    model,
    selected,
    src,
    text,
    uid,
)

from freshrun.model import NodeState
from freshrun.planner import plan

# ================================================================ missing / code_changed / unrecorded


def test_missing_and_code_changed_are_built_but_not_their_lazy_downstream():
    nodes = graph(
        src("raw"),
        model("a", ["source.p.raw.raw"]),  # never built
        model("a_child", [uid("a")]),
        model("b", ["source.p.raw.raw"], checksum="c2"),  # code changed
        model("b_child", [uid("b")]),
        model("gone", ["source.p.raw.raw"]),  # relation dropped
        model("v", [uid("b")], "view", checksum="v2"),  # view code changed
        model("v_child", [uid("v")]),
    )
    t = at("09:00")
    state = {
        uid("a_child"): built(t),
        uid("b"): built(t, checksum="c1"),
        uid("b_child"): built(t + mins(2)),
        uid("gone"): built(t, relation_exists=False),
        uid("v"): built(t, checksum="v1"),
        uid("v_child"): built(t + mins(3)),
    }
    p = plan(nodes, state, at("09:30"), IV)
    assert selected(p) == {
        "a": ("missing",),
        "b": ("code_changed",),
        "gone": ("missing",),
        "v": ("code_changed",),
    }
    assert p.selected_ids == [uid("a"), uid("b"), uid("gone"), uid("v")]  # topological
    assert "never built" in text(p, "a")
    assert "relation is gone" in text(p, "gone")
    assert "lazy: nothing needs it" in text(p, "b_child")


def test_relation_without_history_is_unrecorded_not_rebuilt():
    nodes = graph(src("raw"), model("legacy", ["source.p.raw.raw"]), model("child", [uid("legacy")]))
    state = {uid("legacy"): NodeState(relation_exists=True)}
    p = plan(nodes, state, at("09:30"), IV)
    assert selected(p) == {"child": ("missing",)}
    assert p.unrecorded == [uid("legacy")]
    assert "freshrun baseline" in text(p, "legacy")


def test_ephemeral_and_sources_are_never_selected():
    nodes = graph(src("raw"), model("eph", ["source.p.raw.raw"], "ephemeral"), model("t", [uid("eph")]))
    p = plan(nodes, {uid("t"): built(at("09:00"))}, at("09:30"), IV)
    assert p.selected == []
    assert p.skipped == 1
    assert "no relation to build" in text(p, "eph")
    assert text(p, "source.p.raw.raw").startswith("source:")

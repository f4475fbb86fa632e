"""Lag policies: built as late as possible, counting the chain the build waits for.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from planner_helpers import (
    IV,
    at,
    built,
    graph,
    lag,
    model,
    observed,
    seed,
    selected,
    src,
    text,
    uid,
    violations,
)

from freshrun.planner import plan

# ================================================================ lag policies: as late as possible


@pytest.mark.parametrize(
    "now, expect",
    [("09:30", False), ("09:40", False), ("09:42", False), ("09:43", True), ("09:45", True), ("10:10", True)],
)
def test_lag_model_is_selected_at_the_last_tick_that_meets_its_deadline(now, expect):
    # data time 09:00 + 60m = deadline 10:00; median duration 3m (120, 180, 600 s)
    nodes = graph(src("raw"), model("a", ["source.p.raw.raw"], policy=lag(60)))
    state = {uid("a"): built(at("09:00"), durations=[600, 120, 180])}
    p = plan(nodes, state, at(now), IV)
    # selected iff now + 15m + 3m > 10:00, i.e. after 09:42
    assert selected(p) == ({"a": ("lag",)} if expect else {})
    if not expect:
        assert "fresh until 2026-01-15 10:00" in text(p, "a")


def chain_with_heavy_upstream(upstream_secs: float):
    nodes = graph(
        src("raw"),
        model("u", ["source.p.raw.raw"]),
        model("a", [uid("u")], policy=lag(60)),
    )
    state = {
        uid("u"): built(at("08:58"), at("09:00"), durations=[upstream_secs, upstream_secs, 60]),
        uid("a"): built(at("09:20"), at("09:00"), durations=[60]),
    }
    return nodes, state


@pytest.mark.parametrize("now, expect", [("09:15", False), ("09:20", False), ("09:25", True), ("09:30", True)])
def test_lag_counts_median_durations_along_the_selected_path(now, expect):
    # u would have to be rebuilt too (median 20m) + a (1m): 21m; deadline 10:00
    nodes, state = chain_with_heavy_upstream(1200)
    p = plan(nodes, state, at(now), IV)
    if expect:
        assert selected(p) == {"u": ("required_by:model.p.a",), "a": ("lag",)}
    else:
        assert selected(p) == {}


def test_lag_with_light_upstream_waits_longer():
    nodes, state = chain_with_heavy_upstream(60)
    assert selected(plan(nodes, state, at("09:25"), IV)) == {}
    # 2m of building: selected once now + 15 + 2 > 10:00
    assert selected(plan(nodes, state, at("09:44"), IV)) == {
        "u": ("required_by:model.p.a",),
        "a": ("lag",),
    }


def next_tick_chain_project():
    # raw (live) -> A -> B -> X (60m), 90 s each.  X and B hold 09:03:30 (deadline 10:03:30);
    # A holds 09:10, newer than X's data, so the smallest improvement needs only B and X (3m)
    nodes = graph(
        src("raw"),
        model("A", ["source.p.raw.raw"]),
        model("B", [uid("A")]),
        model("X", [uid("B")], policy=lag(60)),
    )
    ts = at("09:03") + timedelta(seconds=30)
    state = {
        uid("A"): built(at("09:10"), secs=90),
        uid("B"): built(ts, secs=90),
        uid("X"): built(ts + timedelta(seconds=90), ts, secs=90),
    }
    return nodes, state


def test_lag_counts_the_chain_the_next_tick_would_build():
    # At 09:45 the smallest improvement (B, X: 3m) would still fit after the next tick
    # (10:00 + 3m < 10:03:30).  But the next tick would need data from ~09:19 to last until
    # the tick after it, for which A (09:10) is too old too: A, B, X = 4.5m, done 10:04:30,
    # past the deadline.  So the rebuild happens now (A is fresh enough for what X needs now).
    nodes, state = next_tick_chain_project()
    p = plan(nodes, state, at("09:45"), IV)
    assert selected(p) == {"B": ("required_by:model.p.X",), "X": ("lag",)}
    assert "plus ~4.5m of building would miss it" in text(p, "X")
    # one tick earlier nothing is due yet
    assert selected(plan(nodes, state, at("09:30"), IV)) == {}


def observed_siblings_project(extra_link: bool):
    # S1 -> B -> X (60m) and S2 -> C -> X; both sources hold 09:58.  X has 09:05 (from B),
    # C has 09:30.  With extra_link, C reads S2 through D (09:30 too).
    nodes = graph(
        src("s1", observed=True),
        src("s2", observed=True),
        model("B", ["source.p.raw.s1"]),
        *(
            [model("D", ["source.p.raw.s2"]), model("C", [uid("D")])]
            if extra_link
            else [model("C", ["source.p.raw.s2"])]
        ),
        model("X", [uid("B"), uid("C")], policy=lag(60)),
    )
    state = {
        "source.p.raw.s1": observed((at("09:59"), at("09:58"))),
        "source.p.raw.s2": observed((at("09:59"), at("09:58"))),
        uid("B"): built(at("09:05")),
        uid("C"): built(at("09:30")),
        uid("X"): built(at("09:32"), at("09:05")),
    }
    if extra_link:
        state[uid("D")] = built(at("09:29"), at("09:30"))
    return nodes, state


def test_ancestors_that_finish_within_the_chain_are_refreshed_alongside():
    # X needs data from ~09:17 (B is too old, C is not), so B -> X is built anyway (2m).
    # C -> X takes no longer, and the sources hold 09:58: rebuilding C alongside costs X no
    # time and lifts its data to 09:58 instead of 09:30 (no second rebuild at 10:30).
    nodes, state = observed_siblings_project(extra_link=False)
    p = plan(nodes, state, at("10:00"), IV)
    assert selected(p) == {"B": ("required_by:model.p.X",), "C": ("required_by:model.p.X",), "X": ("lag",)}


def test_ancestors_that_would_lengthen_the_chain_are_not_added():
    # C now needs D first: D -> C -> X (3m) is longer than B -> X, so only B and X
    nodes, state = observed_siblings_project(extra_link=True)
    p = plan(nodes, state, at("10:00"), IV)
    assert selected(p) == {"B": ("required_by:model.p.X",), "X": ("lag",)}


def test_only_ancestors_that_are_too_old_are_added():
    # src -> A (lazy) -> B (60m); A was rebuilt at 09:50 by someone else, B still has 09:00 data
    nodes = graph(src("raw"), model("A", ["source.p.raw.raw"]), model("B", [uid("A")], policy=lag(60)))
    fresh_a = {
        uid("A"): built(at("09:50"), earlier=[(at("08:58"), at("08:59"))]),
        uid("B"): built(at("09:00"), at("08:58")),
    }
    p = plan(nodes, fresh_a, at("09:45"), IV)
    assert selected(p) == {"B": ("lag",)}

    stale_a = {uid("A"): built(at("08:58")), uid("B"): built(at("09:00"), at("08:58"))}
    p = plan(nodes, stale_a, at("09:45"), IV)
    assert selected(p) == {"A": ("required_by:model.p.B",), "B": ("lag",)}
    assert "B needs data from" in text(p, "A")


def test_requirement_propagates_only_as_far_as_needed():
    # raw -> A -> B -> C(60m). B stale, A fresh enough (rebuilt 09:40 for someone else): only B, C
    nodes = graph(
        src("raw"),
        model("A", ["source.p.raw.raw"]),
        model("B", [uid("A")]),
        model("C", [uid("B")], policy=lag(60)),
    )
    state = {
        uid("A"): built(at("09:40"), earlier=[(at("08:50"), at("08:51"))]),
        uid("B"): built(at("08:55"), at("08:50")),
        uid("C"): built(at("08:57"), at("08:50")),
    }
    p = plan(nodes, state, at("09:45"), IV)
    assert selected(p) == {"B": ("required_by:model.p.C",), "C": ("lag",)}


def test_view_in_the_middle_is_never_selected():
    nodes = graph(
        src("raw"),
        model("A", ["source.p.raw.raw"]),
        model("V", [uid("A")], "view"),
        model("B", [uid("V")], policy=lag(60)),
    )
    state = {
        uid("A"): built(at("08:00")),
        uid("V"): built(at("07:00"), None),
        uid("B"): built(at("08:05"), at("08:00")),
    }
    p = plan(nodes, state, at("08:45"), IV)
    assert selected(p) == {"A": ("required_by:model.p.B",), "B": ("lag",)}
    assert "view" in text(p, "V")


def test_view_with_policy_requires_its_frontier_instead_of_a_rebuild():
    nodes = graph(
        src("raw"),
        model("A", ["source.p.raw.raw"]),
        model("E", [uid("A")], "ephemeral"),
        model("V", [uid("E")], "view", policy=lag(60)),
    )
    state = {uid("A"): built(at("08:50")), uid("V"): built(at("07:00"), None)}
    assert selected(plan(nodes, state, at("09:30"), IV)) == {}
    p = plan(nodes, state, at("09:35"), IV)  # 09:35 + 15 + 1 > 09:50
    assert selected(p) == {"A": ("required_by:model.p.V",)}
    assert p.violations == []


def test_overdue_model_is_a_violation_and_is_selected():
    nodes = graph(src("raw"), model("a", ["source.p.raw.raw"], policy=lag(60)))
    p = plan(nodes, {uid("a"): built(at("08:00"))}, at("09:30"), IV)
    assert selected(p) == {"a": ("lag",)}
    v = violations(p)["a"]
    assert (v.lag_minutes, v.maximum_lag_minutes, v.kind, v.blocked_by) == (90.0, 60, "lag", None)
    assert v.deadline == at("09:00")


def test_never_built_model_with_policy_is_missing_not_lag():
    nodes = graph(src("raw"), model("a", ["source.p.raw.raw"], policy=lag(60)))
    p = plan(nodes, {}, at("09:30"), IV)
    assert selected(p) == {"a": ("missing",)}


def test_static_inputs_are_never_stale_by_time():
    nodes = graph(seed("s"), model("a", ["seed.p.s"], policy=lag(60)))
    state = {
        "seed.p.s": built(at("01:00"), None, checksum="s1", content_changes=[at("01:00")]),
        uid("a"): built(at("01:05"), None),
    }
    p = plan(nodes, state, at("23:00"), IV)
    assert p.selected == [] and p.violations == []
    assert "never stale by time" in text(p, "a")

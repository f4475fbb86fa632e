"""Prepare: the inputs a blocked or capped node will need are refreshed before its late source moves.

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
    mins,
    model,
    observed,
    selected,
    src,
    text,
    uid,
)

from freshrun.planner import plan


def late_source_project(cadence_minutes: float, extra_parent: bool = False, late_path_table: bool = False):
    """s (observed; new data every `cadence_minutes` until 08:00, then late) and live -> A -> X (60m).
    X holds 08:00 (from s), deadline 09:00.  extra_parent: live -> A0 -> A.  late_path_table:
    X reads s through C (which holds 08:00) instead of directly."""
    c = cadence_minutes
    values = [at("08:00") - mins(c * k) for k in (2, 1, 0)]
    obs = [(v + mins(5), v) for v in values] + [(at("08:35"), at("08:00"))]
    nodes = graph(
        src("s", observed=True),
        src("live"),
        *(
            [model("A0", ["source.p.raw.live"]), model("A", [uid("A0")])]
            if extra_parent
            else [model("A", ["source.p.raw.live"])]
        ),
        *([model("C", ["source.p.raw.s"])] if late_path_table else []),
        model("X", [uid("C") if late_path_table else "source.p.raw.s", uid("A")], policy=lag(60)),
    )
    state = {
        "source.p.raw.s": observed(*obs),
        uid("A"): built(at("08:05")),
        uid("X"): built(at("08:07"), at("08:00")),
    }
    if extra_parent:
        state[uid("A0")] = built(at("08:04"))
    if late_path_table:
        state[uid("C")] = built(at("08:06"), at("08:00"))
    return nodes, state


def test_blocked_node_gets_its_other_inputs_refreshed_before_its_source_moves():
    # At 08:50 X is due but s has not moved since 08:00: X is blocked.  s moves every 30m, so
    # it is expected by the next tick; X's rebuild then would wait for A (08:05, too old for
    # what X must hold through that rebuild): A is refreshed now, X waits for s.
    nodes, state = late_source_project(30)
    p = plan(nodes, state, at("08:50"), IV)
    assert selected(p) == {"A": ("required_by:model.p.X",)}
    assert "blocked by source source.p.raw.s" in text(p, "X")
    assert "refreshed now" in text(p, "A")


def test_blocked_node_is_not_prepared_for_while_its_source_is_not_due():
    # s moves every 2h (next ~10:00): nothing to prepare at 08:50
    nodes, state = late_source_project(120)
    assert selected(plan(nodes, state, at("08:50"), IV)) == {}
    # a source without a cadence (one value only) is not guessed at either
    nodes, state = late_source_project(30)
    state["source.p.raw.s"] = observed((at("08:05"), at("08:00")), (at("08:35"), at("08:00")))
    assert selected(plan(nodes, state, at("08:50"), IV)) == {}


def test_only_inputs_on_a_path_longer_than_the_late_one_are_prepared():
    # s -> C -> X: C is rebuilt once s moves anyway (1m), and A -> X is no longer: nothing to do
    nodes, state = late_source_project(30, late_path_table=True)
    assert selected(plan(nodes, state, at("08:50"), IV)) == {}
    # live -> A0 -> A -> X (2m) would hold X's rebuild up: A0 and A are refreshed now
    nodes, state = late_source_project(30, extra_parent=True, late_path_table=True)
    p = plan(nodes, state, at("08:50"), IV)
    assert selected(p) == {"A0": ("required_by:model.p.A",), "A": ("required_by:model.p.X",)}


def test_inputs_are_prepared_for_the_requirement_of_the_next_ticks_rebuild():
    # As above, with A0 -> A -> X and A holding 08:14.  That is fresh enough for what X would
    # need if rebuilt now (~08:08), but X will be rebuilt at 09:05, once s moves (expected
    # 08:30), and then needs ~08:23: the 2-table chain would hold it up then, so it is
    # refreshed now.
    nodes, state = late_source_project(30, extra_parent=True)
    state[uid("A0")] = built(at("08:14"))
    state[uid("A")] = built(at("08:15"), at("08:14"))
    p = plan(nodes, state, at("08:50"), IV)
    assert selected(p) == {"A0": ("required_by:model.p.A",), "A": ("required_by:model.p.X",)}
    assert "needs data from 2026-01-15 08:23 or later and this has 2026-01-15 08:14" in text(p, "A")
    # an input that already holds what the next tick's rebuild needs is left alone
    state[uid("A0")] = built(at("08:24"))
    state[uid("A")] = built(at("08:25"), at("08:24"))
    assert selected(plan(nodes, state, at("08:50"), IV)) == {}


def test_node_capped_by_a_late_source_gets_the_inputs_behind_it_prepared():
    # view X (60m) over M1 (s, A) and M2 (live).  X has 07:58 from M2: M2 is rebuilt now.
    # M1 is held at 08:00 by s (blocked), so X stays below what it needs; when s moves
    # (expected by the next tick) M1 will wait for A (08:01): A is refreshed now.
    nodes = graph(
        src("s", observed=True),
        src("live"),
        model("A", ["source.p.raw.live"]),
        model("M1", ["source.p.raw.s", uid("A")]),
        model("M2", ["source.p.raw.live"]),
        model("X", [uid("M1"), uid("M2")], "view", policy=lag(60)),
    )
    state = {
        "source.p.raw.s": observed(*[(v + mins(5), v) for v in (at("07:00"), at("07:30"), at("08:00"))]),
        uid("A"): built(at("08:01")),
        uid("M1"): built(at("08:06"), at("08:00")),
        uid("M2"): built(at("07:58")),
        uid("X"): built(at("06:00")),  # a view: built once, live since
    }
    p = plan(nodes, state, at("08:45"), IV)
    assert selected(p) == {"A": ("required_by:model.p.M1",), "M2": ("required_by:model.p.X",)}
    assert "fresh enough for model.p.X: has 2026-01-15 08:00" in text(p, "M1")


def test_node_capped_by_a_late_source_does_not_wait_for_inputs_newer_than_the_cap():
    # X (30m) holds 08:20.  s moved to 08:40 (every 60m: not again before 09:40), so a rebuild
    # now gets X at most 08:40 -- short of the ~08:46 it needs to last until the next tick.
    # A (08:45) is older than that requirement but newer than anything X can get now:
    # rebuilding it would only make X wait one more minute.  X is rebuilt on its own.
    nodes = graph(
        src("s", observed=True),
        src("live"),
        model("A", ["source.p.raw.live"]),
        model("X", ["source.p.raw.s", uid("A")], policy=lag(30)),
    )
    state = {
        "source.p.raw.s": observed((at("07:45"), at("07:40")), (at("08:45"), at("08:40"))),
        uid("A"): built(at("08:45")),
        uid("X"): built(at("08:21"), at("08:20")),
    }
    p = plan(nodes, state, at("09:00"), IV)
    assert selected(p) == {"X": ("lag",)}
    assert "capped: source source.p.raw.s (max_loaded_at 2026-01-15 08:40) limits it" in text(p, "X")
    assert "fresh enough for model.p.X: has 2026-01-15 08:45" in text(p, "A")
    # once s has data newer than A, A is too old for what X then gets: it is rebuilt first
    state["source.p.raw.s"] = observed((at("07:45"), at("07:40")), (at("08:59"), at("08:58")))
    p = plan(nodes, state, at("09:00"), IV)
    assert selected(p) == {"A": ("required_by:model.p.X",), "X": ("lag",)}

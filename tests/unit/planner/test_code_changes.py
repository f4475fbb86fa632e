"""Code changes propagate: upstream_code_changed (planner/code_changes.py)."""

from __future__ import annotations

from dataclasses import replace

from planner_helpers import IV, at, built, graph, lag, model, seed, selected, src, uid

from freshrun.planner import plan


def project():
    return graph(
        src("raw"),
        seed("countries"),
        model("stg", ["source.p.raw.raw"], "view", checksum="v1"),
        model("inner_view", [uid("stg")], "view"),
        model("facts", [uid("inner_view"), "seed.p.countries"]),
        model("summary", [uid("facts")], policy=lag(24 * 60)),
        model("other", ["source.p.raw.raw"]),
    )


def state_at(t, **overrides):
    state = {
        "seed.p.countries": built(t, None, checksum="s1"),
        uid("stg"): built(t, checksum="v1"),
        uid("inner_view"): built(t),
        uid("facts"): built(t),
        uid("summary"): built(t),
        uid("other"): built(t),
    }
    state.update(overrides)
    return state


def test_a_view_edited_and_not_yet_rebuilt_rebuilds_every_table_below_it_after_it():
    nodes = project()
    nodes[uid("stg")] = replace(nodes[uid("stg")], checksum="v2")
    p = plan(nodes, state_at(at("09:00")), at("09:30"), IV)
    assert selected(p) == {"stg": ("code_changed",), "facts": ("upstream_code_changed",),
                           "summary": ("upstream_code_changed",)}
    assert p.selected_ids.index(uid("stg")) < p.selected_ids.index(uid("facts"))


def test_a_view_rebuilt_by_hand_with_new_code_still_reaches_the_tables_built_before_it():
    t = at("09:00")
    nodes = project()
    nodes[uid("stg")] = replace(nodes[uid("stg")], checksum="v2")
    by_hand = built(at("09:10"), checksum="v2", earlier=[(t, t)], code_changes=[at("09:10")])
    p = plan(nodes, state_at(t, **{uid("stg"): by_hand}), at("09:30"), IV)
    assert selected(p) == {"facts": ("upstream_code_changed",), "summary": ("upstream_code_changed",)}


def test_tables_built_after_the_change_are_not_rebuilt_again():
    t = at("09:00")
    nodes = project()
    nodes[uid("stg")] = replace(nodes[uid("stg")], checksum="v2")
    state = state_at(t, **{
        uid("stg"): built(at("09:10"), checksum="v2", earlier=[(t, t)], code_changes=[at("09:10")]),
        uid("facts"): built(at("09:11"), earlier=[(t, t)]),
        uid("summary"): built(at("09:12"), earlier=[(t, t)]),
    })
    assert selected(plan(nodes, state, at("09:30"), IV)) == {}


def test_a_changed_seed_reaches_the_tables_that_read_it():
    nodes = project()
    nodes["seed.p.countries"] = replace(nodes["seed.p.countries"], checksum="s2")
    p = plan(nodes, state_at(at("09:00")), at("09:30"), IV)
    assert selected(p) == {"countries": ("code_changed",), "facts": ("upstream_code_changed",),
                           "summary": ("upstream_code_changed",)}


def test_a_model_can_opt_out_and_its_downstream_then_sees_no_change():
    nodes = project()
    nodes[uid("stg")] = replace(nodes[uid("stg")], checksum="v2")
    nodes[uid("facts")] = replace(nodes[uid("facts")], rebuild_on_upstream_code_change=False)
    p = plan(nodes, state_at(at("09:00")), at("09:30"), IV)
    assert selected(p) == {"stg": ("code_changed",)}


def test_a_change_the_tick_cannot_build_holds_the_tables_below_back():
    nodes = project()
    nodes[uid("stg")] = replace(nodes[uid("stg")], checksum="v2")
    scope = {uid("facts"), uid("summary")}  # --select facts summary: stg is out of scope
    p = plan(nodes, state_at(at("09:00")), at("09:30"), IV, scope=scope)
    assert selected(p) == {}  # rebuilding facts now would read the old view: wait for it

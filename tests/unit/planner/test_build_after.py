"""build_after: rebuilt once the window passed and inputs have new data.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from dataclasses import replace

from planner_helpers import (
    IV,
    apply_plan,
    at,
    built,
    graph,
    model,
    observed,
    seed,
    selected,
    src,
    text,
    uid,
)

from freshrun.model import Policy
from freshrun.planner import plan

# ================================================================ build_after


def build_after_project(minutes, updates_on="any", t_checksum="c1"):
    nodes = graph(
        src("raw"),
        model("A", ["source.p.raw.raw"]),
        model("B", ["source.p.raw.raw"]),
        model(
            "T",
            [uid("A"), uid("B")],
            policy=Policy(build_after_minutes=minutes, updates_on=updates_on),
            checksum=t_checksum,
        ),
    )
    state = {
        uid("A"): built(at("09:30"), earlier=[(at("08:50"), at("08:51"))]),  # new since T
        uid("B"): built(at("08:50")),  # nothing new
        uid("T"): built(at("09:00"), at("08:50")),
    }
    return nodes, state


def test_build_after_any_vs_all():
    nodes, state = build_after_project(60, "any")
    assert selected(plan(nodes, state, at("10:05"), IV)) == {"T": ("upstream_updated",)}
    nodes, state = build_after_project(60, "all")
    p = plan(nodes, state, at("10:05"), IV)
    assert selected(p) == {}
    assert "not all inputs have new data" in text(p, "T")


def test_build_after_interval_gates_and_count_zero_does_not():
    nodes, state = build_after_project(60, "any")
    p = plan(nodes, state, at("09:45"), IV)
    assert selected(p) == {}
    assert "next rebuild allowed from 2026-01-15 10:00" in text(p, "T")
    nodes, state = build_after_project(0, "any")
    assert selected(plan(nodes, state, at("09:45"), IV)) == {"T": ("upstream_updated",)}


def test_build_after_never_holds_back_a_code_change():
    nodes, state = build_after_project(240, "any", t_checksum="c2")
    assert selected(plan(nodes, state, at("09:15"), IV)) == {"T": ("code_changed",)}


def test_build_after_parent_rebuilt_in_the_same_run_counts_as_new_data():
    nodes, state = build_after_project(60, "all")
    nodes[uid("B")] = replace(nodes[uid("B")], checksum="c9")  # B rebuilt now for its code
    p = plan(nodes, state, at("10:05"), IV)
    assert selected(p) == {"B": ("code_changed",), "T": ("upstream_updated",)}


def test_build_after_observed_source_seed_and_view_parents():
    def project(obs_max, seed_changes):
        nodes = graph(
            src("obs", observed=True),
            seed("s"),
            model("V", ["source.p.raw.obs"], "view"),
            model("T", [uid("V"), "seed.p.s"], policy=Policy(build_after_minutes=0, updates_on="any")),
        )
        state = {
            "source.p.raw.obs": observed((at("08:55"), at("08:30")), (at("09:30"), obs_max)),
            "seed.p.s": built(
                at("09:20"), None, checksum="s1", earlier=[(at("08:00"), at("08:01"))], content_changes=seed_changes
            ),
            uid("V"): built(at("07:00"), None),
            uid("T"): built(at("09:00"), at("08:30")),
        }
        return nodes, state

    # source has not moved, seed reloaded with the same content: nothing new
    nodes, state = project(at("08:30"), [at("08:00")])
    assert selected(plan(nodes, state, at("09:45"), IV)) == {}
    # the observed source moved (seen through the view)
    nodes, state = project(at("09:10"), [at("08:00")])
    assert selected(plan(nodes, state, at("09:45"), IV)) == {"T": ("upstream_updated",)}
    # the seed's content changed
    nodes, state = project(at("08:30"), [at("08:00"), at("09:20")])
    assert selected(plan(nodes, state, at("09:45"), IV)) == {"T": ("upstream_updated",)}


def test_build_after_unobserved_source_is_always_new_but_stable_within_a_tick():
    nodes = graph(src("raw"), model("T", ["source.p.raw.raw"], policy=Policy(build_after_minutes=0)))
    state = {uid("T"): built(at("09:00"))}
    p = plan(nodes, state, at("09:15"), IV)
    assert selected(p) == {"T": ("upstream_updated",)}
    state = apply_plan(nodes, state, p, at("09:15"))
    assert plan(nodes, state, at("09:15"), IV).selected == []

"""Status: assess, current and effective data times, frontiers.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from planner_helpers import (
    at,
    built,
    graph,
    lag,
    model,
    seed,
    src,
    stuck_source_project,
    uid,
)

from freshrun.planner import (
    assess,
    current_data_time,
    effective_data_time,
    frontier,
)

# ================================================================ status, frontier, explain


def test_frontier_looks_through_views_and_ephemerals():
    nodes = graph(
        src("raw"),
        seed("s"),
        model("v", ["source.p.raw.raw"], "view"),
        model("e", [uid("v"), "seed.p.s"], "ephemeral"),
        model("t", ["source.p.raw.raw"]),
        model("x", [uid("e"), uid("t")]),
        model("const", [], "view"),
        model("y", [uid("const"), uid("x")]),
    )
    fr = frontier(nodes)
    assert fr[uid("x")] == ("model.p.t", "seed.p.s", "source.p.raw.raw")
    assert fr[uid("y")] == ("model.p.const", "model.p.x")  # a parentless view is live data
    assert fr[uid("t")] == ("source.p.raw.raw",)
    assert fr["source.p.raw.raw"] == ()


def test_assess_reports_current_freshness_per_node():
    nodes, state = stuck_source_project(at("08:00"))
    nodes = {
        **nodes,
        uid("V"): model("V", [uid("A"), uid("L")], "view", policy=lag(120)),
        uid("nope"): model("nope", ["source.p.raw.events"]),
        uid("cr"): model("cr", [uid("A")], policy=lag(60, cron_schedule="0 12 * * *")),
    }
    state = {**state, uid("cr"): built(at("08:40"), at("08:00")), uid("V"): built(at("07:00"), None)}
    a = assess(nodes, state, at("09:30"))
    assert a[uid("A")].status == "blocked" and a[uid("A")].blocked_by == "source.p.raw.events"
    assert a[uid("A")].lag_minutes == 90 and a[uid("A")].is_overdue
    assert a[uid("A")].next_deadline == at("09:00")
    assert a[uid("A")].last_success_at == at("08:32")
    assert a[uid("V")].data_time == at("08:00") and a[uid("V")].status == "fresh"
    assert a[uid("V")].next_deadline == at("10:00")
    assert a[uid("nope")].status == "missing"
    assert a[uid("L")].status == "lazy"
    assert a[uid("cr")].status == "fresh" and a[uid("cr")].next_deadline == at("12:00")
    assert a["source.p.raw.events"].status == "observed"
    assert current_data_time(nodes, state, at("09:30"))[uid("V")] == at("08:00")


def test_view_current_data_time_is_the_minimum_over_its_frontier():
    nodes = graph(
        src("live"),
        model("A", ["source.p.raw.live"]),
        model("B", ["source.p.raw.live"]),
        model("V", [uid("A"), uid("B")], "view"),
        model("W", ["source.p.raw.live"], "view"),
    )
    state = {uid("A"): built(at("08:00")), uid("B"): built(at("09:00"))}
    cur = current_data_time(nodes, state, at("10:00"))
    assert cur[uid("V")] == at("08:00")
    assert cur[uid("W")] == at("10:00")  # unobserved source: live


def test_table_is_behind_a_newer_build_of_its_frontier():
    # B read A's static data; A was then rebuilt (code change) at 09:30: B is behind from 09:30
    nodes = graph(seed("s"), model("A", ["seed.p.s"]), model("B", [uid("A")]))
    state = {
        uid("A"): built(at("09:30"), None, earlier=[(at("08:00"), at("08:01"))]),
        uid("B"): built(at("08:05"), None),
    }
    assert effective_data_time(nodes, state, uid("B"), at("10:00")) == at("09:30")

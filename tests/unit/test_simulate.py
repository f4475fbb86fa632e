"""`freshrun simulate`, the pure part: small synthetic graphs, fixed times, hand-checked figures."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from freshrun.model import Node, Observation, Policy
from freshrun.planner import assess, plan
from freshrun.simulate import (
    SourcePattern,
    arrival_times,
    arrivals_from_spec,
    fresh_state,
    overdue_at,
    simulate,
)

T0 = datetime(2026, 1, 15, 0, 0)
S = "source.p.raw.s"


def mins(x: float) -> timedelta:
    return timedelta(minutes=x)


def src(name: str = "s", observed: bool = True) -> Node:
    return Node(f"source.p.raw.{name}", f"raw.{name}", "source", "source", observed=observed)


def model(name, parents=(), mat="table", policy=None) -> Node:
    return Node(f"model.p.{name}", name, "model", mat, tuple(parents), "c1", policy)


def uid(name: str) -> str:
    return f"model.p.{name}"


def graph(*nodes: Node) -> dict[str, Node]:
    return {n.unique_id: n for n in nodes}


HOURLY_FROM, HOURLY_UNTIL = T0 - mins(120), T0 + mins(600)


def hourly(start: datetime = HOURLY_FROM, end: datetime = HOURLY_UNTIL) -> list[datetime]:
    """New data on the hour, every hour."""
    out, t = [], start
    while t <= end:
        out.append(t)
        t += mins(60)
    return out


def chain(lag: float) -> dict[str, Node]:
    """s -> a (lazy table) -> b (table, lag policy) -> v (view); c: a lazy table nobody needs."""
    return graph(
        src(),
        model("a", [S]),
        model("b", [uid("a")], policy=Policy(maximum_lag_minutes=lag)),
        model("v", [uid("b")], "view"),
        model("c", [S]),
    )


def run(nodes, arrivals, hours=6.0, start=T0, **kw):
    state = fresh_state(nodes, start - mins(15), arrivals)
    return simulate(nodes, state, arrivals, start, hours, 15.0, **kw), state


# ---------------------------------------------------------------- hand-checked figures


def test_feasible_lag_freshrun_meets_the_lower_bound_exactly():
    # hourly data, lag 90, 15-minute ticks, 60 s per table: built at 23:45 with 23:00 data.
    # b needs data >= t - 90: its 23:00 data lasts until 00:30, so a and b are rebuilt once an
    # hour (on data from the hour) -- 6 builds each over 6 hours; c and the view are never needed.
    nodes = chain(90)
    sim, _ = run(nodes, {S: hourly()})
    r = sim.strategies
    assert r["lower_bound"].executions == 12
    assert r["lower_bound"].violation_minutes == 0
    assert r["freshrun"].executions == 12
    assert r["freshrun"].violation_minutes == 0 and r["freshrun"].excess_violation_minutes == 0
    # dbt build of the 4 buildable nodes (a, b, c, v) at each of 24 ticks / 6 hours
    assert r["build_every_tick"].executions == 96
    assert r["build_hourly"].executions == 24
    # eager: a and c whenever the source moved (6 times), b whenever a was rebuilt; never the view
    assert r["eager"].executions == 18
    assert r["freshrun"].warehouse_seconds == 12 * 60.0
    # freshrun builds as late as possible: at the last tick that still meets the deadline
    built = [(t.at, [s.name for s in t.selected]) for t in sim.trace if t.selected]
    assert built == [(T0 + mins(15 + 60 * h), ["a", "b"]) for h in range(6)]
    assert [s.reasons for s in sim.trace[1].selected] == [("required_by:model.p.b",), ("lag",)]


def test_infeasible_lag_counts_unavoidable_minutes():
    # lag 30 with data once an hour: from hh:30 until the new data is built (next tick hh+1:00
    # plus two 60 s builds) no schedule can meet the policy: 32 minutes an hour; at the start, the
    # 23:00 data is already 60 minutes old (2 minutes until the 00:00 rebuild lands); the last hour
    # ends at 06:00 (30 minutes).
    nodes = chain(30)
    sim, _ = run(nodes, {S: hourly()})
    r = sim.strategies
    assert r["lower_bound"].violation_minutes == 2 + 5 * 32 + 30
    assert r["freshrun"].violation_minutes == r["lower_bound"].violation_minutes
    assert r["freshrun"].excess_violation_minutes == 0
    # one rebuild of a and b right after each arrival is all that helps
    assert r["lower_bound"].executions == 12
    assert r["freshrun"].executions <= r["build_hourly"].executions < r["build_every_tick"].executions
    # dbt build every hour at hh:00 reads the hh:00 data as well: same violations
    assert r["build_hourly"].violation_minutes == r["lower_bound"].violation_minutes


def test_cron_deadline_bound_and_freshrun():
    # a 09:00 deadline needing data from 08:00 or later; data arrives every hour on the hour
    nodes = graph(src(), model("a", [S]),
                  model("d", [uid("a")], policy=Policy(maximum_lag_minutes=60, cron_schedule="0 9 * * *")))
    start = T0 + mins(6 * 60)
    sim, _ = run(nodes, {S: hourly(start - mins(120), start + mins(600))}, hours=6, start=start)
    r = sim.strategies
    # one build of a and d (with 08:xx data, before 09:00) is the bound; freshrun makes exactly that
    assert r["lower_bound"].executions == 2
    assert r["freshrun"].executions == 2
    assert r["freshrun"].violation_minutes == 0 and r["lower_bound"].violation_minutes == 0
    built = [t for t in sim.trace if t.selected]
    assert len(built) == 1 and T0 + mins(8 * 60) <= built[0].at < T0 + mins(9 * 60)


def test_view_policy_reaches_through_to_tables():
    # a view with a policy: its upstream tables are what must be rebuilt (views cost nothing)
    nodes = graph(src(), model("a", [S]), model("v", [uid("a")], "view", policy=Policy(maximum_lag_minutes=90)))
    sim, _ = run(nodes, {S: hourly()})
    r = sim.strategies
    assert r["lower_bound"].executions == 6  # a, once an hour; the view never
    assert r["freshrun"].executions == 6
    assert r["freshrun"].violation_minutes == 0


def test_build_after_is_part_of_the_bound():
    # build_after 2 h on a table over hourly data: rebuilt every 2 hours, by every strategy that follows it
    nodes = graph(src(), model("a", [S], policy=Policy(build_after_minutes=120)))
    sim, _ = run(nodes, {S: hourly()})
    r = sim.strategies
    assert r["lower_bound"].executions == 3  # 01:45, 03:45, 05:45 (2 h after 23:45, data new each time)
    assert r["freshrun"].executions == 3


def test_a_build_counts_only_once_it_has_completed():
    # lag 30 on a live source, 15-minute ticks, 60 s builds: the data of a build started at tick b
    # lasts until b + 30, but a build started at b + 30 completes too late -- so one every tick
    nodes = graph(src("live", observed=False), model("e", ["source.p.raw.live"], policy=Policy(maximum_lag_minutes=30)))
    sim = simulate(nodes, fresh_state(nodes, T0 - mins(15)), {}, T0, 6, 15.0)
    assert sim.strategies["freshrun"].executions == 24
    assert sim.strategies["lower_bound"].executions == 23  # the 05:30 data lasts until the horizon ends
    assert sim.strategies["freshrun"].violation_minutes == 0


def test_lazy_graph_costs_nothing():
    nodes = graph(src(), model("a", [S]), model("v", [uid("a")], "view"))
    sim, _ = run(nodes, {S: hourly()})
    assert sim.strategies["freshrun"].executions == 0
    assert sim.strategies["lower_bound"].executions == 0
    assert sim.strategies["build_every_tick"].executions == 48


def test_missing_nodes_are_built_once_by_everyone():
    nodes = chain(90)
    state = fresh_state(nodes, T0 - mins(15), {S: hourly()})
    del state[uid("c")]  # never built
    sim = simulate(nodes, state, {S: hourly()}, T0, 6, 15.0)
    assert sim.strategies["lower_bound"].executions == 13
    assert sim.strategies["freshrun"].executions == 13
    assert ("missing",) in [s.reasons for s in sim.trace[0].selected]


# ---------------------------------------------------------------- the simulation is the real planner


def test_each_tick_is_plan_on_the_simulated_state():
    """Replaying by hand -- observe, plan(), build what it selects with the hook's data times --
    gives the simulation's trace at every tick."""
    nodes = graph(
        src(), src("live", observed=False),
        model("stg", [S], "view"),
        model("a", [uid("stg")]),
        model("e", ["source.p.raw.live"], policy=Policy(maximum_lag_minutes=45)),
        model("b", [uid("a"), uid("e")], policy=Policy(maximum_lag_minutes=120)),
        model("r", [uid("b")], policy=Policy(build_after_minutes=60)),
    )
    arr = {S: arrival_times(SourcePattern(every_minutes=40, jitter_minutes=10), T0 - mins(60), T0 + mins(600),
                            random.Random(5))}
    sim, state = run(nodes, arr, hours=8)
    assert sum(len(t.selected) for t in sim.trace) > 10
    for tick in sim.trace:
        t = tick.at
        v = max(x for x in arr[S] if x <= t)
        obs = state[S].observations
        if obs[-1].max_loaded_at != v:
            state[S] = replace(state[S], observations=[*obs, Observation(t, v)])
        p = plan(nodes, state, t, 15.0)
        assert tick.selected == p.selected, t
        done: dict[str, datetime] = {}  # every build finishes before the next tick here
        for s in p.selected:
            state = _apply(nodes, state, s.unique_id, t, done)


def _apply(nodes, state, u, t, done):
    """What the hook records for a build of u in the invocation of tick t: it starts when its
    selected parents are done (60 s per table), its data time is the minimum over its inputs."""
    from freshrun.model import Build

    n = nodes[u]
    started = max([done[p] for p in n.parents if p in done], default=t)
    vals = []
    for p in n.parents:
        pn = nodes[p]
        if pn.is_source:
            vals.append(state[p].observations[-1].max_loaded_at if pn.observed else started)
        elif pn.materialized == "view":
            vals.append(state[S].observations[-1].max_loaded_at)  # the only view reads s
        else:
            vals.append(state[p].last_success.data_time)
    old = state[u]
    end = started + timedelta(seconds=60)
    done[u] = end
    out = dict(state)
    out[u] = replace(old, last_success=Build(started, end, min(vals), "c1", 60.0),
                     success_times=[*old.success_times, (started, end)], durations=[*old.durations, 60.0])
    return out


def test_first_tick_equals_plan_on_the_given_state():
    nodes = chain(90)
    state = fresh_state(nodes, T0 - mins(80), {S: hourly()})
    sim = simulate(nodes, state, {S: hourly()}, T0 + mins(17), 1, 15.0)
    state[S] = replace(state[S], observations=[*state[S].observations, Observation(T0 + mins(17), T0)])
    assert sim.trace[0].selected == plan(nodes, state, T0 + mins(17), 15.0).selected != []


def test_hook_data_times_of_a_fresh_state():
    nodes = graph(
        src(), src("live", observed=False), Node("seed.p.sd", "sd", "seed", "seed", checksum="x"),
        model("a", [S]), model("b", [uid("a"), "seed.p.sd"]), model("v", [uid("b")], "view"),
        model("c", [uid("v"), "source.p.raw.live"]), model("z", ["seed.p.sd"]),
    )
    at = T0 + mins(7)
    st = fresh_state(nodes, at, {S: [T0 - mins(50), T0 - mins(5), T0 + mins(30)]})
    assert st[S].observations == [Observation(at, T0 - mins(5))]
    assert st[uid("a")].last_success.data_time == T0 - mins(5)  # observed source: its latest observation
    assert st[uid("b")].last_success.data_time == T0 - mins(5)  # table: its parent's; the seed adds nothing
    c = st[uid("c")].last_success
    assert c.started_at == at + timedelta(seconds=125)  # after a, b (60 s each) and the view (5 s) on its path
    assert c.data_time == T0 - mins(5)  # min(b through the view, live = its start)
    assert st[uid("z")].last_success.data_time is None  # seeds only: never stale by time
    assert st["seed.p.sd"].last_success.data_time is None


def test_overdue_rule_is_assess():
    rng = random.Random(3)
    nodes = graph(
        src(), model("a", [S]), model("v", [uid("a")], "view", policy=Policy(maximum_lag_minutes=50)),
        model("b", [uid("a")], policy=Policy(maximum_lag_minutes=40)),
        model("c", [uid("a")], policy=Policy(maximum_lag_minutes=60, cron_schedule="*/45 * * * *",
                                             cron_schedule_timezone="America/New_York")),
    )
    for _ in range(200):
        built = T0 + mins(rng.uniform(0, 600))
        st = fresh_state(nodes, built, {S: [built - mins(rng.uniform(0, 200))]})
        t = built + mins(rng.uniform(0, 300))
        a = assess(nodes, st, t)
        for name, lag, prev in (("v", 50, None), ("b", 40, None), ("c", 60, _prev_cron(t))):
            x = a[uid(name)]
            assert overdue_at(x.data_time, t, lag, prev) == x.is_overdue, (name, t)


def _prev_cron(t: datetime) -> datetime:
    from freshrun.planner import cron_ticks

    return cron_ticks("*/45 * * * *", "America/New_York", t - mins(200), t)[-1]


# ---------------------------------------------------------------- engine details


def test_ticks_are_skipped_while_the_previous_one_builds():
    nodes = chain(90)
    state = fresh_state(nodes, T0 - mins(15), {S: hourly()}, durations={uid("a"): 1200, uid("b"): 60})
    sim = simulate(nodes, state, {S: hourly()}, T0, 6, 15.0)
    fr = sim.strategies["freshrun"]
    assert fr.skipped_ticks > 0 and any(t.skipped for t in sim.trace)
    assert sim.strategies["build_every_tick"].skipped_ticks >= 24 // 2  # 21 minutes of building every tick


def test_unobserved_source_with_arrivals_is_observed_in_the_simulation():
    nodes = graph(src("ev", observed=False), model("e", ["source.p.raw.ev"], policy=Policy(maximum_lag_minutes=60)))
    live = simulate(nodes, fresh_state(nodes, T0 - mins(15)), {}, T0, 6, 15.0)
    assert live.strategies["freshrun"].violation_minutes == 0  # live: rebuilt within its lag
    arr = {"source.p.raw.ev": [T0 + mins(30)]}  # one load, then nothing
    once = simulate(nodes, fresh_state(nodes, T0 - mins(15)), arr, T0, 6, 15.0)
    # data from 00:30 becomes overdue at 01:30 and stays so: unavoidable, and freshrun does not rebuild it for nothing
    assert once.strategies["lower_bound"].violation_minutes == pytest.approx(6 * 60 - 90, abs=2)
    assert once.strategies["freshrun"].excess_violation_minutes == 0
    assert once.strategies["freshrun"].executions <= 3


def test_simulation_is_deterministic():
    nodes = chain(60)
    pat = {S: arrival_times(SourcePattern(every_minutes=25, jitter_minutes=8), T0 - mins(60), T0 + mins(500),
                            random.Random(9))}
    a, _ = run(nodes, pat)
    b, _ = run(nodes, pat)
    assert a.strategies == b.strategies and a.trace == b.trace


# ---------------------------------------------------------------- arrivals


def test_periodic_arrivals_with_jitter_are_reproducible():
    p = SourcePattern(every_minutes=30, jitter_minutes=5, offset_minutes=10)
    end = T0 + mins(300)
    one = arrival_times(p, T0, end, random.Random("7:x"))
    assert one == arrival_times(p, T0, end, random.Random("7:x"))
    assert one != arrival_times(p, T0, end, random.Random("8:x"))
    inside = [t for t in one if T0 + mins(10) - mins(5) <= t <= end]
    assert len(inside) == 10  # 00:10, 00:40, ... 04:40
    assert any(t <= T0 for t in one)  # the source has data at the start
    for k, t in enumerate(sorted(inside)):
        assert abs((t - (T0 + mins(10 + 30 * k))).total_seconds()) <= 300


def test_arrivals_spec():
    nodes = graph(src("orders"), src("events", observed=False), src("other"), model("a", [S]))
    end = T0 + mins(240)
    arr = arrivals_from_spec({"seed": 1, "sources": {"raw.orders": {"every": "1h"},
                                                      "source.p.raw.events": {"at": ["2026-01-15T01:00:00Z"]}}},
                             nodes, T0, end)
    assert set(arr) == {"source.p.raw.orders", "source.p.raw.events"}  # `other` is not listed: no new data
    assert arr["source.p.raw.events"] == [T0 + mins(60)]
    assert [t for t in arr["source.p.raw.orders"] if T0 <= t <= end] == [T0 + mins(60 * h) for h in range(5)]
    with_default = arrivals_from_spec({"default": {"every": 30}, "sources": {}}, nodes, T0, end)
    assert set(with_default) == {"source.p.raw.orders", "source.p.raw.other"}  # observed ones only
    every = arrivals_from_spec(None, nodes, T0, end, source_every_minutes=20)
    assert set(every) == {"source.p.raw.orders", "source.p.raw.other"}
    for bad, message in [
        ({"sources": {"raw.nope": {"every": "1h"}}}, "arrivals.sources.raw.nope: no such source"),
        ({"sources": {"raw.orders": {"every": "soon"}}}, "arrivals.sources.raw.orders.every"),
        ({"sources": {"raw.orders": {"jitter": "5m"}}}, "needs `every` or `at`"),
        ({"sources": {"raw.orders": {"at": ["yesterday"]}}}, "arrivals.sources.raw.orders.at"),
        ({"sources": {"raw.orders": {"every": 0}}}, "must be more than zero"),
        ({"srcs": {}}, "unknown key(s) srcs"),
    ]:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            arrivals_from_spec(bad, nodes, T0, end)


def test_bad_inputs():
    nodes = chain(60)
    state = fresh_state(nodes, T0)
    with pytest.raises(ValueError):
        simulate(nodes, state, {}, T0, 0, 15.0)
    with pytest.raises(ValueError):
        simulate(nodes, state, {uid("a"): [T0]}, T0, 1, 15.0)  # not a source
    with pytest.raises(ValueError):
        simulate(nodes, state, {}, T0, 1, 15.0, strategies=("cron",))

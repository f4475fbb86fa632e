"""Cron policies: built in the window before each tick, in the schedule's time zone.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from planner_helpers import (
    DAY,
    IV,
    apply_plan,
    at,
    built,
    graph,
    lag,
    mins,
    model,
    selected,
    src,
    text,
    uid,
    violations,
)

from freshrun.planner import (
    cron_ticks,
    plan,
)

# ================================================================ cron policies


def cron_project(expr, tz, L, built_at, data=...):
    nodes = graph(
        src("raw"),
        model("daily", ["source.p.raw.raw"], policy=lag(L, cron_schedule=expr, cron_schedule_timezone=tz)),
    )
    return nodes, {uid("daily"): built(built_at, data)}


@pytest.mark.parametrize(
    "now, expect",
    [("07:50", False), ("08:30", False), ("08:44", False), ("08:45", True), ("08:50", True)],
)
def test_cron_builds_in_the_window_before_the_tick(now, expect):
    # tick 09:00 UTC, L=60: a build must start in [08:00, 08:59] (d = 1m)
    nodes, state = cron_project("0 9 * * *", "UTC", 60, at("08:45", DAY - timedelta(days=1)))
    p = plan(nodes, state, at(now), IV)
    assert selected(p) == ({"daily": ("cron",)} if expect else {})
    assert p.violations == []


def test_cron_missed_tick_is_overdue_and_selected():
    nodes, state = cron_project("0 9 * * *", "UTC", 60, at("08:45", DAY - timedelta(days=1)))
    p = plan(nodes, state, at("09:10"), IV)
    assert selected(p) == {"daily": ("cron",)}
    v = violations(p)["daily"]
    assert (v.kind, v.deadline) == ("cron", at("09:00"))


def test_cron_after_a_timely_build_nothing_until_next_window():
    nodes, state = cron_project("0 9 * * *", "UTC", 60, at("08:45"))
    for now in ("09:00", "09:15", "12:00", "23:45"):
        p = plan(nodes, state, at(now), IV)
        assert p.selected == [] and p.violations == [], now
    assert "fresh for cron 0 9 * * * until tick 2026-01-16 09:00" in text(plan(nodes, state, at("12:00"), IV), "daily")


@pytest.mark.parametrize(
    "now, expect",
    [("12:15", False), ("12:30", False), ("12:45", True), ("13:00", True)],
)
def test_cron_time_zone_across_spring_forward(now, expect):
    # 09:00 America/New_York on Sunday 2026-03-08 (first EDT day) is 13:00 UTC (it was 14:00 UTC the day before)
    sun = datetime(2026, 3, 8)
    nodes, state = cron_project("0 9 * * *", "America/New_York", 60, at("13:45", sun - timedelta(days=1)))
    p = plan(nodes, state, at(now, sun), IV)
    assert selected(p) == ({"daily": ("cron",)} if expect else {})
    if now == "13:00":
        assert violations(p)["daily"].deadline == at("13:00", sun)


@pytest.mark.parametrize(
    "now, expect",
    [("12:45", False), ("13:00", False), ("13:30", False), ("13:45", True)],
)
def test_cron_time_zone_across_fall_back(now, expect):
    # 09:00 America/New_York on Sunday 2026-11-01 (first EST day) is 14:00 UTC (13:00 UTC the day before)
    sun = datetime(2026, 11, 1)
    nodes, state = cron_project("0 9 * * *", "America/New_York", 60, at("12:45", sun - timedelta(days=1)))
    p = plan(nodes, state, at(now, sun), IV)
    assert selected(p) == ({"daily": ("cron",)} if expect else {})
    assert p.violations == []


def test_cron_ticks_dst_edges():
    ny = "America/New_York"
    # a job at 02:30 on the spring-forward day (02:30 does not exist) fires at 03:00 EDT
    assert cron_ticks("30 2 * * *", ny, datetime(2026, 3, 7), datetime(2026, 3, 9, 12)) == [
        datetime(2026, 3, 7, 7, 30),
        datetime(2026, 3, 8, 7, 0),
        datetime(2026, 3, 9, 6, 30),
    ]
    # a job at 01:30 on the fall-back day (01:30 happens twice) fires once, at the first 01:30
    assert cron_ticks("30 1 * * *", ny, datetime(2026, 10, 31, 12), datetime(2026, 11, 2, 12)) == [
        datetime(2026, 11, 1, 5, 30),
        datetime(2026, 11, 2, 6, 30),
    ]
    # an hourly job follows the clock: 23 ticks on the short local day, 25 on the long one
    # 00:00 EST .. 23:00 EDT
    spring = cron_ticks("0 * * * *", ny, datetime(2026, 3, 8, 4, 59), datetime(2026, 3, 9, 3, 59))
    # 00:00 EDT .. 23:00 EST
    fall = cron_ticks("0 * * * *", ny, datetime(2026, 11, 1, 3, 59), datetime(2026, 11, 2, 4, 59))
    assert len(spring) == 23 and len(fall) == 25
    assert spring[:3] == [datetime(2026, 3, 8, 5), datetime(2026, 3, 8, 6), datetime(2026, 3, 8, 7)]  # 00, 01, 03 local


def test_cron_window_narrower_than_interval_builds_once_at_the_last_tick():
    # hourly, L=10m, interval 15m: the window [c-10, c-1] holds no tick -> build at :45 only
    nodes, state = cron_project("0 * * * *", "UTC", 10, at("07:45"))
    builds = []
    now = at("08:00")
    while now <= at("11:00"):
        p = plan(nodes, state, now, IV)
        if p.selected:
            builds.append(now.strftime("%H:%M"))
            state = apply_plan(nodes, state, p, now)
            assert plan(nodes, state, now, IV).selected == []
        now += mins(IV)
    assert builds == ["08:45", "09:45", "10:45"]


def test_invalid_cron_is_an_error_naming_the_model():
    nodes, state = cron_project("not a cron", "UTC", 60, at("08:00"))
    with pytest.raises(ValueError, match="model.p.daily"):
        plan(nodes, state, at("09:00"), IV)
    nodes, state = cron_project("0 9 * * *", "Mars/Olympus", 60, at("08:00"))
    with pytest.raises(ValueError, match="Mars/Olympus"):
        plan(nodes, state, at("09:00"), IV)

"""The data time a build records (the dbt hook's rule), and which seed loads are content changes.

New with the planner package: pins :func:`freshrun.planner.recorded_data_time` to the rule of
``macros/data_time/_data_time_of.sql`` (``freshrun._data_time_of``) and :func:`is_content_change`
to ``state.read_state``.
"""

from __future__ import annotations

from planner_helpers import at, built, graph, model, observed, seed, src, uid

from freshrun.model import Build
from freshrun.planner import is_content_change, recorded_data_time


def test_seed_records_nothing_and_only_a_changed_reload_is_a_content_change():
    nodes = graph(seed("s"), model("A", ["seed.p.s"]))
    assert recorded_data_time(nodes, {}, "seed.p.s", at("09:00")) is None
    assert recorded_data_time(nodes, {}, uid("A"), at("09:00")) is None  # static inputs only
    first = Build(at("08:00"), at("08:01"), None, "s1")
    assert not is_content_change(None, "s1")  # a first load
    assert not is_content_change(first, "s1")
    assert is_content_change(first, "s2")


def test_sources_count_their_latest_observation_before_the_invocation_else_the_build_start():
    nodes = graph(
        src("obs", observed=True),
        src("live"),
        model("A", ["source.p.raw.obs"]),
        model("B", ["source.p.raw.live"]),
        model("C", ["source.p.raw.obs", "source.p.raw.live"]),
    )
    state = {"source.p.raw.obs": observed((at("08:00"), at("07:50")), (at("08:30"), None), (at("09:10"), at("09:05")))}
    # the latest non-null value observed at or before the invocation's start
    assert recorded_data_time(nodes, state, uid("A"), at("09:02"), observed_as_of=at("09:00")) == at("07:50")
    assert recorded_data_time(nodes, state, uid("A"), at("09:20")) == at("09:05")
    # unobserved source, or an observed one without a value yet: the build's start
    assert recorded_data_time(nodes, state, uid("B"), at("09:02"), observed_as_of=at("09:00")) == at("09:02")
    assert recorded_data_time(nodes, {}, uid("A"), at("09:02")) == at("09:02")
    assert recorded_data_time(nodes, state, uid("C"), at("09:20")) == at("09:05")


def test_tables_count_their_latest_build_and_parentless_views_nothing():
    nodes = graph(
        src("raw"),
        seed("s"),
        model("T", ["source.p.raw.raw"]),
        model("const", [], "view"),
        model("X", [uid("T"), uid("const")]),
        model("Y", [uid("const"), "seed.p.s"]),
        model("Z", [uid("const")]),
    )
    state = {uid("T"): built(at("08:00"), at("07:30"))}
    assert recorded_data_time(nodes, state, uid("X"), at("09:00")) == at("07:30")
    # built earlier in the same invocation: that build's data time
    now_built = {uid("T"): Build(at("09:00"), at("09:01"), at("08:55"))}
    assert recorded_data_time(nodes, state, uid("X"), at("09:02"), built_now=now_built) == at("08:55")
    # a never-built table contributes nothing; a parentless view is in no frontier the hook sees
    assert recorded_data_time(nodes, {}, uid("X"), at("09:00")) is None
    assert recorded_data_time(nodes, {}, uid("Y"), at("09:00")) is None
    assert recorded_data_time(nodes, {}, uid("Z"), at("09:00")) == at("09:00")

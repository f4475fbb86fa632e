"""A project with nothing to do, and the planner's argument checks.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

import pytest
from planner_helpers import (
    IV,
    at,
    fresh_project,
    text,
)

from freshrun.planner import plan

# ================================================================ nothing to do


def test_nothing_changed_selects_nothing():
    nodes, state = fresh_project()
    p = plan(nodes, state, at("10:00"), IV)
    assert p.selected == []
    assert p.violations == []
    assert p.skipped == 4  # seed, view, two tables
    assert p.unrecorded == [] and p.excluded_required == []
    assert set(p.explanations) == set(nodes)
    assert "fresh until 2026-01-15 10:50 (lag 10m of 60m)" in text(p, "fct")
    assert "lazy: nothing needs it" in text(p, "rpt")
    assert text(p, "stg_orders").startswith("view:")


def test_interval_must_be_positive_and_now_naive():
    nodes, state = fresh_project()
    with pytest.raises(ValueError):
        plan(nodes, state, at("10:00"), 0)
    with pytest.raises(ValueError):
        plan(nodes, state, at("10:00").replace(tzinfo=__import__("datetime").timezone.utc), IV)

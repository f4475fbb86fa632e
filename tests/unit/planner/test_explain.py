"""Explanations: why a node was (not) selected.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

from planner_helpers import (
    IV,
    at,
    fresh_project,
    uid,
)

from freshrun.planner import (
    explain,
    plan,
)


def test_explain_unknown_node():
    nodes, state = fresh_project()
    p = plan(nodes, state, at("10:00"), IV)
    assert "not part of" in explain(p, "model.p.nope")[0]
    assert explain(p, uid("fct")) == p.explanations[uid("fct")]

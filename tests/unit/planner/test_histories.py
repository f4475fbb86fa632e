"""Property: simulated histories on random projects.

Every test asserts outcomes (which nodes are selected, with which reasons, which
violations) -- never the planner's internals.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

import pytest
from planner_helpers import (
    IV,
    apply_plan,
    lag,
    mins,
    model,
    seed,
    selected,
    src,
)

from freshrun.model import Node, NodeState, Observation, Policy
from freshrun.planner import (
    ProjectGraph,
    plan,
)

# ================================================================ property: simulated histories


def _random_project(rng: random.Random) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    ids: list[str] = []
    for k in range(rng.randint(1, 3)):
        n = src(f"s{k}", observed=rng.random() < 0.5)
        nodes[n.unique_id] = n
        ids.append(n.unique_id)
    if rng.random() < 0.5:
        n = seed("sd")
        nodes[n.unique_id] = n
        ids.append(n.unique_id)
    for k in range(rng.randint(2, 14)):
        mat = rng.choice(["table", "table", "view", "ephemeral", "incremental"])
        parents = rng.sample(ids, min(len(ids), rng.randint(0, 3)))
        r = rng.random()
        pol = None
        if mat != "ephemeral" and r < 0.3:
            pol = lag(rng.choice([30, 60, 120]))
        elif mat != "ephemeral" and r < 0.4:
            pol = lag(
                rng.choice([10, 60]),
                cron_schedule=rng.choice(["0 * * * *", "*/20 * * * *", "0 9 * * *"]),
                cron_schedule_timezone=rng.choice(["UTC", "America/New_York"]),
            )
        elif r < 0.55:
            pol = Policy(build_after_minutes=rng.choice([0, 30, 60]), updates_on=rng.choice(["any", "all"]))
        n = model(f"m{k}", parents, mat, pol)
        nodes[n.unique_id] = n
        ids.append(n.unique_id)
    return nodes


def _ancestors(nodes, u):
    out, stack = set(), list(nodes[u].parents)
    while stack:
        x = stack.pop()
        if x not in out:
            out.add(x)
            stack.extend(nodes[x].parents)
    return out


@pytest.mark.parametrize("seed_", [1, 2, 3])
def test_simulated_histories_plan_is_stable_and_deterministic(seed_):
    """Random DAGs and policies, 40 ticks each: sources arrive, code changes, builds fail (10%,
    their downstream is skipped).  After every tick re-planning at the same `now` is empty,
    selections are topological and never include sources/ephemerals, and a prepared graph
    gives the same plan."""
    rng = random.Random(seed_)
    for _ in range(20):
        nodes = _random_project(rng)
        lag_of = {u: rng.randint(0, 90) for u, n in nodes.items() if n.is_source}
        state: dict[str, NodeState] = {}
        now = datetime(2026, 3, 7, rng.randint(0, 23))  # spans the 2026-03-08 DST change
        for _tick in range(40):
            for u, n in list(nodes.items()):
                if n.is_source and n.observed:
                    old = state.get(u, NodeState()).observations
                    m = now - mins(lag_of[u]) if rng.random() < 0.8 else (old[-1].max_loaded_at if old else None)
                    if old and old[-1].max_loaded_at and (m is None or m < old[-1].max_loaded_at):
                        m = old[-1].max_loaded_at
                    state[u] = NodeState(observations=[*old, Observation(now - mins(1), m)])
                elif not n.is_source and rng.random() < 0.02:
                    nodes[u] = replace(n, checksum=f"c{rng.randint(2, 9)}")
            p = plan(nodes, state, now, IV)
            order = ProjectGraph(nodes).order
            assert p.selected_ids == sorted(p.selected_ids, key=order.index)
            assert all(not nodes[u].is_source and nodes[u].materialized != "ephemeral" for u in p.selected_ids)
            assert plan(ProjectGraph(nodes), state, now, IV) == p
            failed: set[str] = set()
            for s in p.selected:
                if _ancestors(nodes, s.unique_id) & failed:
                    continue  # dbt skips the downstream of a failure
                if rng.random() < 0.1:
                    failed.add(s.unique_id)
                    old = state.get(s.unique_id, NodeState())
                    state[s.unique_id] = replace(
                        old, consecutive_failures=old.consecutive_failures + 1, last_failure_at=now
                    )
                    continue
                state = apply_plan(nodes, state, replace(p, selected=[s]), now)
            again = plan(nodes, state, now, IV)
            assert again.selected == [], (now, selected(p), selected(again))
            now += mins(IV)

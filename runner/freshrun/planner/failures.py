"""Failures: a failing node backs off, and everything downstream of it waits.

A node that failed k times in a row is retried once 1, 2, 4, ... (at most
``MAX_BACKOFF_TICKS``) ticks have passed since its last failure, half a tick early so that a
tick arriving a little early still retries.  When the code changed since the failure
(``NodeState.last_failure_checksum`` differs from the current checksum) it is retried at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..model import Node, NodeState
from .graph import ProjectGraph

MAX_BACKOFF_TICKS = 16  # retry back-off: 1, 2, 4, 8, 16, 16, ... ticks


def next_retry(state: NodeState, interval: timedelta) -> datetime | None:
    """When a failing node may be retried (None: no failure time recorded -- at once)."""
    failed_at = state.last_failure_at
    if failed_at is None:
        return None
    ticks: int = min(2 ** (state.consecutive_failures - 1), MAX_BACKOFF_TICKS)
    return failed_at + ticks * interval - interval / 2


def code_fixed_since_failure(node: Node, state: NodeState) -> bool:
    """Has the node's code changed since its latest failed attempt?"""
    return (
        state.last_failure_checksum is not None
        and node.checksum is not None
        and state.last_failure_checksum != node.checksum
    )


def waiting_for_failures(graph: ProjectGraph, backing_off: dict[int, datetime | None]) -> dict[int, int]:
    """Every descendant of a node backing off -> the node backing off it waits for."""
    waits: dict[int, int] = {}
    if not backing_off:
        return waits
    parents = graph.parents
    mark = bytearray(graph.n)  # 1: backing off, 2: downstream of one
    for held in backing_off:
        mark[held] = 1
    marked = mark.__getitem__
    for i in range(min(backing_off) + 1, graph.n):
        if not mark[i] and any(map(marked, parents[i])):
            mark[i] = 2
            for p in parents[i]:
                if mark[p]:
                    waits[i] = p if mark[p] == 1 else waits[p]
                    break
    return waits

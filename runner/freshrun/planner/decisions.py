"""The typed hand-off between the planner's stages: classifying, deciding, and writing the result.

Each stage returns one of these and later stages (the result, the explanations) read only
them, so what a decision hands on is stated here rather than spread over attributes.
Nodes are graph positions (see :class:`~freshrun.planner.graph.ProjectGraph`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .sla import Sla

REQUIRED_BY = "required_by:"  # reason prefix: built because a descendant needs newer data

# canonical reason order in Selection.reasons (required_by:<node> sorts at 5)
REASON_RANK = {
    "missing": 0,
    "code_changed": 1,
    "lag": 2,
    "cron": 3,
    "upstream_updated": 4,
    "retry": 6,
    "forced": 7,
}


def reason_key(reason: str) -> tuple[int, str]:
    if reason.startswith(REQUIRED_BY):
        return (5, reason)
    return (REASON_RANK.get(reason, 8), reason)


def ordered_reasons(reasons: list[str]) -> list[str]:
    """A node's reasons without duplicates, in canonical order."""
    return sorted(dict.fromkeys(reasons), key=reason_key)


@dataclass
class Classification:
    """What the state alone says about each buildable node, before any time rule."""

    in_scope: list[bool]  # may this run build it (--select / --exclude)
    forced: set[int]  # refresh: build whatever its state
    unrecorded: set[int] = field(default_factory=set)  # relation exists without recorded history
    backing_off: dict[int, datetime | None] = field(default_factory=dict)  # -> next retry time
    reasons: dict[int, list[str]] = field(default_factory=dict)  # built anyway: missing, code_changed, retry, forced
    missing_because: dict[int, str] = field(default_factory=dict)
    waits_for: dict[int, int] = field(default_factory=dict)  # downstream of a node backing off -> that node
    selectable: list[bool] = field(default_factory=list)  # in scope and not held back by failures


@dataclass
class Refresh:
    """What refreshing forced nodes pulled in besides them (reasons are added to the classification)."""

    excluded: set[tuple[int, int]] = field(default_factory=set)  # (ancestor outside the scope, node needing it)
    because: dict[int, dict[int, str]] = field(default_factory=dict)  # ancestor -> {descendant: sentence}


@dataclass
class Decisions:
    """The outcome of the fixpoint: the selection and everything the result and the explanations read."""

    selection: dict[int, list[str]]  # node -> reasons (unsorted, may repeat)
    slas: dict[int, Sla]  # SLA nodes in scope
    requirements: dict[int, datetime]  # data time each node must get (own need or inherited)
    own_needs: dict[int, tuple[str, str]]  # SLA node -> ("lag" | "cron", description)
    required_by: dict[int, list[int]]  # ancestor -> the descendants whose requirement it is stale for
    blocked: dict[int, datetime | None]  # a rebuild would not help: -> the data time it would get
    data_time_if_rebuilt: dict[int, datetime | None]  # selected / checked tables -> data time after the rebuild
    pass_through_if_rebuilt: dict[int, datetime | None]  # the same for pass-through nodes (memo)
    chain: list[float]  # node -> longest chain of expected seconds of selected ancestors before it
    capped: dict[int, tuple[datetime, datetime]]  # short node -> (its requirement, what a late source caps it at)
    prepared_by: dict[int, list[int]]  # ancestor refreshed ahead -> the blocked/short nodes it prepares for
    prepared_for: dict[int, datetime]  # ancestor refreshed ahead -> the data time it prepares for
    excluded: set[tuple[int, int]]  # (ancestor outside the scope, node needing it)
    refresh_because: dict[int, dict[int, str]]  # see Refresh.because
    build_after_notes: dict[int, str]  # build_after node -> why it is (not) rebuilt


@dataclass
class Outcome:
    """What writing the result found out, for the explanations."""

    limited_by: dict[int, str]  # overdue node -> what keeps it from catching up (source, failing or excluded node)
    excluded_from: dict[int, list[int]]  # ancestor outside the scope -> the nodes needing it
    spared: dict[int, list[int]]  # ancestor not rebuilt -> capped nodes it is fresh enough for
    noteworthy: set[int]  # nodes whose explanation says more than an idle sentence

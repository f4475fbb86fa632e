"""The horizon of a simulation: everything derived once from its inputs and shared by every strategy --
the ticks, the sampled instants, per-node facts by graph index, each policy's requirement at every
sample, and what ``dbt source freshness`` reports for a source at any instant."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from datetime import datetime, timedelta
from typing import NamedTuple

from ..model import Node, NodeState
from ..planner import ProjectGraph, cron_ticks, expected_duration_seconds
from ..planner.recorded import hook_frontier, latest_loaded_at

DEFAULT_RESOLUTION_MINUTES = 1.0
# Instants as minutes since the start of the horizon: before and after every instant.
EARLIEST = float("-inf")
LATEST = float("inf")


def overdue_at(
    data_time: datetime | None, at: datetime, maximum_lag_minutes: float, latest_cron_tick: datetime | None
) -> bool:
    """The rule of ``planner.assess`` (planner/assessment.py): overdue when the data time is older than
    ``at - lag`` (or, with a cron schedule, ``c - lag`` for the latest cron tick c <= at)."""
    if data_time is None:
        return False
    reference = latest_cron_tick if latest_cron_tick is not None else at
    return data_time < reference - timedelta(minutes=maximum_lag_minutes)


def _cron_ticks_covering(expression: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    """Cron ticks in (start - lookback, end], with at least one at or before start when one exists."""
    for days in (2, 9, 40, 400):
        ticks = cron_ticks(expression, timezone, start - timedelta(days=days), end)
        if ticks and ticks[0] <= start:
            return ticks
    return cron_ticks(expression, timezone, start - timedelta(days=400), end)


def _is_view_model(node: Node) -> bool:
    return node.resource_type == "model" and node.materialized == "view"


class SlaModel(NamedTuple):
    """A model whose violations are counted (as ``assess`` counts them: models and snapshots)."""

    node: int
    maximum_lag_minutes: float
    cron_ticks: list[datetime] | None


class Horizon:
    """The inputs of one simulation and what every strategy derives from them alike."""

    def __init__(
        self,
        nodes: Mapping[str, Node],
        state: Mapping[str, NodeState],
        arrivals: Mapping[str, Sequence[datetime]],
        start: datetime,
        end: datetime,
        interval_minutes: float,
        scope: AbstractSet[str] | None = None,
        resolution_minutes: float = DEFAULT_RESOLUTION_MINUTES,
    ):
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("start and end must be naive UTC datetimes")
        if interval_minutes <= 0 or resolution_minutes <= 0:
            raise ValueError("interval and resolution must be more than zero")
        if end <= start:
            raise ValueError("the horizon must be longer than zero")
        simulated_nodes = dict(nodes.items())
        for unique_id in arrivals:
            node = simulated_nodes.get(unique_id)
            if node is None or not node.is_source:
                raise ValueError(f"arrivals for {unique_id}: not a source of this project")
            if not node.observed:  # an unobserved source with a given pattern is observed in the simulation
                simulated_nodes[unique_id] = replace(node, observed=True)
        self.graph = graph = ProjectGraph(simulated_nodes)
        self.start, self.end = start, end
        self.interval_minutes = float(interval_minutes)
        self.resolution_minutes = float(resolution_minutes)
        self.initial_state = state
        self.arrivals_by_index: dict[int, list[datetime]] = {
            graph.index[unique_id]: sorted(times) for unique_id, times in arrivals.items()
        }
        self.arrivals = {unique_id: sorted(times) for unique_id, times in arrivals.items()}
        self.scope = set(scope) if scope is not None else None
        self.ticks = self._every(start, timedelta(minutes=self.interval_minutes))
        # the middle of each `resolution_minutes`: each sample stands for its whole step
        step = timedelta(minutes=self.resolution_minutes)
        self.samples = self._every(start + step / 2, step)
        self._index_nodes()
        self._index_policies()

    def _every(self, first: datetime, step: timedelta) -> list[datetime]:
        instants: list[datetime] = []
        instant = first
        while instant < self.end:
            instants.append(instant)
            instant += step
        return instants

    def _index_nodes(self) -> None:
        graph = self.graph
        nodes, order = graph.node, graph.order
        self.is_table_like = [node.is_table_like for node in nodes]
        self.is_pass_through = [node.is_pass_through for node in nodes]
        self.is_seed = [node.is_seed for node in nodes]
        self.is_source = [node.is_source for node in nodes]
        self.is_observed = [node.is_source and node.observed for node in nodes]
        self.in_scope = [self.scope is None or order[i] in self.scope for i in range(graph.n)]
        # what `dbt build` builds: models (not ephemeral), seeds, snapshots
        self.buildable = [
            i for i, node in enumerate(nodes)
            if self.in_scope[i] and (self.is_table_like[i] or self.is_seed[i] or _is_view_model(node))
        ]
        self.buildable_set = set(self.buildable)
        state = self.initial_state
        self.duration_seconds = [expected_duration_seconds(node, state.get(order[i])) for i, node in enumerate(nodes)]
        self.frontier = [graph.frontier_of(i) for i in range(graph.n)]
        self.hook_frontier = [hook_frontier(graph, i) for i in range(graph.n)]

    def _index_policies(self) -> None:
        self.sla_models: list[SlaModel] = []
        for i, node in enumerate(self.graph.node):
            policy = node.policy
            lag = policy.maximum_lag_minutes if policy is not None else None
            if policy is None or lag is None or not self.in_scope[i]:
                continue
            if node.resource_type not in ("model", "snapshot"):
                continue
            crons = None
            if policy.cron_schedule:
                crons = _cron_ticks_covering(
                    policy.cron_schedule, policy.cron_schedule_timezone or "UTC", self.start, self.end
                )
            self.sla_models.append(SlaModel(i, float(lag), crons))
        # per SLA model, per sample: the data time required, in minutes since the start (EARLIEST: none yet)
        self.requirements: list[list[float]] = []
        for sla in self.sla_models:
            row = []
            for sample in self.samples:
                if sla.cron_ticks is None:
                    reference: datetime | None = sample
                else:
                    position = bisect_right(sla.cron_ticks, sample)
                    reference = sla.cron_ticks[position - 1] if position else None
                if reference is None:
                    row.append(EARLIEST)
                else:
                    row.append(self.minutes_from_start(reference) - sla.maximum_lag_minutes)
            self.requirements.append(row)

    def minutes_from_start(self, instant: datetime) -> float:
        return (instant - self.start).total_seconds() / 60.0

    def source_freshness(self, i: int, at: datetime) -> datetime | None:
        """What `dbt source freshness` reports for observed source i at `at`: the newest of the
        latest arrival and the latest recorded observation (None: no data known)."""
        loaded_at = None
        arrivals = self.arrivals_by_index.get(i)
        if arrivals:
            position = bisect_right(arrivals, at)
            if position:
                loaded_at = arrivals[position - 1]
        node_state = self.initial_state.get(self.graph.order[i])
        if node_state is not None and node_state.observations:
            recorded = latest_loaded_at(node_state.observations, at)
            if recorded is not None and (loaded_at is None or recorded > loaded_at):
                loaded_at = recorded
        return loaded_at

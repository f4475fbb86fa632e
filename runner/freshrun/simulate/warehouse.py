"""The warehouse one strategy builds in during a simulation: the state as the dbt hook would record it,
the builds still running, and what one dbt invocation of a selection does to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from ..model import Build, Node, NodeState, Observation
from ..planner.missing import missing_or_changed
from ..planner.new_data import has_new_data_since
from ..planner.recorded import data_time_recorded, is_content_change, latest_loaded_at
from .horizon import Horizon

SUCCESS_HISTORY = 50  # success_times kept per node (state.HISTORY_PER_NODE)
DURATION_HISTORY = 10  # durations kept per node (as state.read_state does)


def copy_state(state: Mapping[str, NodeState]) -> dict[str, NodeState]:
    return {
        unique_id: replace(
            node_state,
            success_times=list(node_state.success_times),
            durations=list(node_state.durations),
            observations=list(node_state.observations),
            content_changes=list(node_state.content_changes),
        )
        for unique_id, node_state in state.items()
    }


class SimulatedWarehouse:
    """One strategy's warehouse: its state, and the builds of the running invocation."""

    def __init__(self, horizon: Horizon):
        self.horizon = horizon
        self.state = copy_state(horizon.initial_state)
        self.running: list[tuple[datetime, int, Build]] = []  # (completed_at, node, build), by completion
        self.changed = True  # the state changed since data times were last read from it

    def observe(self, tick: datetime) -> None:
        """``dbt source freshness`` on the sources with arrivals, as a tick runs it."""
        horizon, order = self.horizon, self.horizon.graph.order
        for i in horizon.arrivals_by_index:
            loaded_at = horizon.source_freshness(i, tick)
            if loaded_at is None:
                continue
            unique_id = order[i]
            node_state = self.state.get(unique_id)
            if node_state is None:
                node_state = self.state[unique_id] = NodeState()
            if not node_state.observations or node_state.observations[-1].max_loaded_at != loaded_at:
                node_state.observations.append(Observation(tick, loaded_at))
                self.changed = True

    def recorded_data_time(
        self, i: int, started: datetime, tick: datetime, invocation: Mapping[int, Build]
    ) -> datetime | None:
        """The data time the dbt hook records for a build of node i started at `started` in the invocation
        of `tick`; `invocation` holds the builds made earlier in the same invocation (the planner's rule)."""
        horizon = self.horizon
        return data_time_recorded(horizon.graph, i, horizon.hook_frontier[i], started, tick, self.state, invocation)

    def schedule(self, tick: datetime, selection: Sequence[int]) -> float:
        """Build `selection` as one invocation started at `tick` (a node starts once its selected
        ancestors have completed); returns the warehouse seconds."""
        horizon = self.horizon
        graph = horizon.graph
        parents, durations, nodes = graph.parents, horizon.duration_seconds, graph.node
        chosen = set(selection)
        # completion offset (seconds) of the latest selected node on a path ending at each node
        offsets = [0.0] * graph.n
        invocation: dict[int, Build] = {}
        seconds = 0.0
        for i in range(min(chosen), graph.n):
            node_parents = parents[i]
            ready = max((offsets[p] for p in node_parents), default=0.0) if node_parents else 0.0
            if i not in chosen:
                offsets[i] = ready
                continue
            duration = durations[i]
            offsets[i] = ready + duration
            started = tick + timedelta(seconds=ready)
            completed = tick + timedelta(seconds=ready + duration)
            build = Build(started, completed, self.recorded_data_time(i, started, tick, invocation),
                          nodes[i].checksum, duration)
            invocation[i] = build
            self.running.append((completed, i, build))
            seconds += duration
        self.running.sort(key=lambda running: (running[0], running[1]))
        return seconds

    def commit(self, until: datetime) -> None:
        """Builds completed at or before `until` enter the state."""
        running = self.running
        count = 0
        while count < len(running) and running[count][0] <= until:
            count += 1
        if not count:
            return
        order, nodes = self.horizon.graph.order, self.horizon.graph.node
        for _, i, build in running[:count]:
            unique_id = order[i]
            old = self.state.get(unique_id) or NodeState()
            changes = old.content_changes
            if nodes[i].is_seed and is_content_change(old.last_success, build.checksum):
                changes = [*changes, build.started_at]
            self.state[unique_id] = replace(
                old,
                last_success=build,
                success_times=[*old.success_times[-(SUCCESS_HISTORY - 1):], (build.started_at, build.completed_at)],
                durations=[*old.durations[-(DURATION_HISTORY - 1):], build.execution_seconds],
                consecutive_failures=0,
                last_failure_at=None,
                relation_exists=True,
                content_changes=changes,
            )
        del running[:count]
        self.changed = True

    def eager_candidates(self, tick: datetime) -> list[int]:
        """Every buildable node missing or changed, and every table-like one with an input that has new
        data since its last build started (an input chosen before it counts as new)."""
        horizon = self.horizon
        order, nodes = horizon.graph.order, horizon.graph.node
        chosen: set[int] = set()
        history = _WarehouseHistory(self, tick, chosen)
        for i in horizon.buildable:
            node_state = self.state.get(order[i])
            if missing_or_changed(nodes[i], node_state):
                chosen.add(i)
                continue
            if not horizon.is_table_like[i] or node_state is None or node_state.last_success is None:
                continue
            since = node_state.last_success.started_at
            frontier = horizon.frontier[i]
            if not frontier:
                continue  # no inputs at all
            if any(has_new_data_since(horizon.graph, history, f, since) for f in frontier):
                chosen.add(i)
        return sorted(chosen)


class _WarehouseHistory:
    """The simulated warehouse's reading of a node's history at a tick, for :func:`has_new_data_since`
    (eager's rule): its state, and the nodes eager has chosen so far.

    A source without an observation at or before the last build's start counts as having new data
    (the planner takes it that the build read everything loaded before it started)."""

    __slots__ = ("warehouse", "now", "chosen")

    def __init__(self, warehouse: SimulatedWarehouse, tick: datetime, chosen: set[int]):
        self.warehouse = warehouse
        self.now = tick
        self.chosen = chosen

    def _state(self, node: int) -> NodeState | None:
        warehouse = self.warehouse
        return warehouse.state.get(warehouse.horizon.graph.order[node])

    def is_rebuilt(self, node: int) -> bool:
        return node in self.chosen

    def latest_completion(self, table: int) -> datetime | None:
        node_state = self._state(table)
        if node_state is None or node_state.last_success is None:
            return None
        return node_state.last_success.completed_at

    def latest_content_change(self, seed: int) -> datetime | None:
        node_state = self._state(seed)
        return node_state.content_changes[-1] if node_state is not None and node_state.content_changes else None

    def latest_loaded_at(self, source: int) -> datetime | None:
        node_state = self._state(source)
        if node_state is None or not self.warehouse.horizon.is_observed[source]:
            return None
        return latest_loaded_at(node_state.observations, self.now)

    def loaded_at_build(self, source: int, since: datetime) -> datetime | None:
        node_state = self._state(source)
        return latest_loaded_at(node_state.observations, since) if node_state is not None else None


def fresh_state(
    nodes: Mapping[str, Node],
    built_at: datetime,
    arrivals: Mapping[str, Sequence[datetime]] | None = None,
    durations: Mapping[str, float] | None = None,
) -> dict[str, NodeState]:
    """The state right after one ``dbt build`` of everything started at ``built_at``
    (with ``dbt source freshness`` just before it), as the hook would record it:
    for benchmarks and tests that start from a warehouse that was just built."""
    arrivals = arrivals or {}
    state: dict[str, NodeState] = {}
    for unique_id, times in arrivals.items():
        before = [instant for instant in times if instant <= built_at]
        if before:
            state[unique_id] = NodeState(observations=[Observation(built_at, max(before))])
    if durations:
        for unique_id, node in nodes.items():
            if unique_id in durations and not node.is_source:
                state.setdefault(unique_id, NodeState()).durations.append(float(durations[unique_id]))
    horizon = Horizon(nodes, state, arrivals, built_at, built_at + timedelta(minutes=1), 1.0, None, 1.0)
    warehouse = SimulatedWarehouse(horizon)
    if horizon.buildable:
        warehouse.schedule(built_at, horizon.buildable)
    warehouse.commit(datetime.max)
    return warehouse.state

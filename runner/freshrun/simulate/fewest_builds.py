"""The fewest rebuilds that meet every policy wherever the lower bound says it can be met: each need
passed up to the tables it depends on, each build at the latest tick that still meets it, plus what
``build_after`` rules force and what is missing.  Views cost nothing."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..model import NodeState
from ..planner.missing import missing_or_changed
from ..planner.new_data import has_new_data_since
from .horizon import EARLIEST
from .results import StrategyResult

if TYPE_CHECKING:
    from .lower_bound import LowerBound


class FewestBuilds:
    """The bound's count of executions and warehouse seconds, from its best achievable data."""

    def __init__(self, bound: LowerBound):
        self.bound = bound
        self.horizon = bound.horizon
        self.builds: dict[int, list[int]] = {}  # node -> tick indices of its builds

    def count(self) -> StrategyResult:
        """Executions and warehouse seconds of the fewest builds; violation minutes: the unavoidable ones."""
        horizon = self.horizon
        graph = horizon.graph
        needs = self._needs()
        executions = 0
        seconds = 0.0
        for i in horizon.buildable:
            node_state = horizon.initial_state.get(graph.order[i])
            missing = missing_or_changed(graph.node[i], node_state)
            if not horizon.is_table_like[i]:
                if missing and horizon.is_seed[i]:  # missing seeds are loaded once; views cost nothing
                    executions += 1
                    seconds += horizon.duration_seconds[i]
                continue
            ticks_built = self._table_builds(i, missing, needs.get(i))
            self.builds[i] = ticks_built
            executions += len(ticks_built)
            seconds += len(ticks_built) * horizon.duration_seconds[i]
        result = StrategyResult(executions=executions, warehouse_seconds=seconds)
        result.violation_minutes = sum(sum(row) for row in self.bound.unavoidable) * horizon.resolution_minutes
        return result

    def _needs(self) -> dict[int, list[float]]:
        """Per table-like node and sample: the newest data anything downstream needs that it can get
        (EARLIEST: none), down to where the data held at the start already suffices."""
        horizon = self.horizon
        needs: dict[int, list[float]] = {}

        def add(f: int, row: Sequence[float]) -> None:
            known = needs.get(f)
            needs[f] = list(row) if known is None else list(map(max, known, row))

        for m, sla in enumerate(horizon.sla_models):
            feasible = [required if (best is not None and best >= required) else EARLIEST
                        for best, required in zip(self.bound.best[m], horizon.requirements[m], strict=True)]
            if horizon.is_table_like[sla.node]:
                add(sla.node, feasible)
            else:
                for f in horizon.frontier[sla.node]:
                    if horizon.is_table_like[f]:
                        add(f, feasible)
        for i in range(horizon.graph.n - 1, -1, -1):  # reverse topological: a node's needs are complete when reached
            if i not in needs:
                continue
            initial = self.bound.initial[i]
            held = EARLIEST if initial is None else initial
            upstream = [need if need > held else EARLIEST for need in needs[i]]
            if any(need != EARLIEST for need in upstream):
                for f in horizon.frontier[i]:
                    if horizon.is_table_like[f]:
                        add(f, upstream)
        return needs

    def _table_builds(self, i: int, missing: bool, need: list[float] | None) -> list[int]:
        """The tick indices of table-like i's fewest builds: once if missing, the greedy latest tick that
        still meets each need, and whatever its build_after rule forces."""
        horizon, tick_minutes = self.horizon, self.bound.tick_minutes
        best = self.bound.best_data.get(i)
        node_state = horizon.initial_state.get(horizon.graph.order[i])
        ticks_built: list[int] = []
        initial = self.bound.initial[i]
        held = EARLIEST if initial is None else initial
        last_start = None
        if node_state is not None and node_state.last_success is not None:
            last_start = node_state.last_success.started_at
        if missing:
            ticks_built.append(0)
            if best is not None:
                held = max(held, best[0])
            last_start = horizon.ticks[0]
        own = horizon.duration_seconds[i] / 60.0
        policy = horizon.graph.node[i].policy
        build_after = policy is not None and policy.has_build_after and (last_start is not None)
        next_checked = 1 if missing else 0  # next tick whose build_after rule is checked
        for j in range(len(horizon.samples)):
            sample_tick = self.bound.tick_of_sample[j]
            if build_after:
                assert last_start is not None
                while next_checked <= sample_tick:
                    if ((not ticks_built or ticks_built[-1] != next_checked)
                            and self._build_after_due(i, next_checked, last_start)):
                        ticks_built.append(next_checked)
                        last_start = horizon.ticks[next_checked]
                        if best is not None:
                            held = max(held, best[next_checked])
                    next_checked += 1
            if need is not None and need[j] > held and best is not None:
                # the build must have completed by now: the latest tick at least its own duration ago
                k = bisect_right(tick_minutes, self.bound.sample_minutes[j] - own) - 1
                k = min(sample_tick, k) if k >= 0 else 0
                if not ticks_built or ticks_built[-1] < k:
                    ticks_built.append(k)
                    tick = horizon.ticks[k]
                    last_start = tick if last_start is None or tick > last_start else last_start
                held = max(held, best[k])
        if build_after:
            assert last_start is not None
            while next_checked < len(horizon.ticks):
                if ((not ticks_built or ticks_built[-1] != next_checked)
                        and self._build_after_due(i, next_checked, last_start)):
                    ticks_built.append(next_checked)
                    last_start = horizon.ticks[next_checked]
                next_checked += 1
        return ticks_built

    def _build_after_due(self, i: int, k: int, since: datetime) -> bool:
        """The planner's build_after rule at tick k for node i last built at `since`."""
        horizon = self.horizon
        tick = horizon.ticks[k]
        policy = horizon.graph.node[i].policy
        assert policy is not None and policy.build_after_minutes is not None
        if (tick - since).total_seconds() / 60.0 < float(policy.build_after_minutes):
            return False
        parents = horizon.graph.parents[i]
        if not parents:
            flags = [tick > since]
        else:
            history = _BoundHistory(self, k)
            flags = [has_new_data_since(horizon.graph, history, p, since) for p in parents]
        return all(flags) if (policy.updates_on or "any").lower() == "all" else any(flags)


class _BoundHistory:
    """The lower bound's reading of a node's history at tick k, for :func:`has_new_data_since`: the
    fewest builds chosen so far (a build at tick k itself counts as new data), else the initial
    state; sources as ``dbt source freshness`` would report them.

    A source without data known at the last build's start counts as having new data (the planner
    takes it that the build read everything loaded before it started)."""

    __slots__ = ("fewest", "k", "now")

    def __init__(self, fewest: FewestBuilds, k: int):
        self.fewest = fewest
        self.k = k
        self.now = fewest.horizon.ticks[k]

    def _latest_build(self, node: int) -> int | None:
        """The tick index of the node's latest fewest build at or before tick k."""
        k = self.k
        for built in reversed(self.fewest.builds.get(node, ())):
            if built <= k:
                return built
        return None

    def _initial(self, node: int) -> NodeState | None:
        horizon = self.fewest.horizon
        return horizon.initial_state.get(horizon.graph.order[node])

    def is_rebuilt(self, node: int) -> bool:
        return self._latest_build(node) == self.k

    def latest_completion(self, table: int) -> datetime | None:
        built = self._latest_build(table)
        if built is not None:
            return self.fewest.horizon.ticks[built]
        node_state = self._initial(table)
        return node_state.last_success.completed_at if node_state is not None and node_state.last_success else None

    def latest_content_change(self, seed: int) -> datetime | None:
        node_state = self._initial(seed)
        return node_state.content_changes[-1] if node_state is not None and node_state.content_changes else None

    def latest_loaded_at(self, source: int) -> datetime | None:
        horizon = self.fewest.horizon
        return horizon.source_freshness(source, self.now) if horizon.is_observed[source] else None

    def loaded_at_build(self, source: int, since: datetime) -> datetime | None:
        return self.fewest.horizon.source_freshness(source, since)

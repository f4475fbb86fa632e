"""The lower bound, from the graph, the policies and the arrivals alone: the best data any schedule
could give each model at every sample (so the violations no schedule avoids), and the fewest rebuilds
that meet every policy wherever it can be met.  The reasoning is in docs/simulate.md."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime

from ..plan import current_data_time
from .horizon import EARLIEST, LATEST, Horizon
from .results import StrategyResult
from .warehouse import missing_or_changed, seed_changed_since


class LowerBound:
    """Best achievable data and fewest builds over one horizon.  Times are minutes since its start."""

    def __init__(self, horizon: Horizon):
        self.horizon = horizon
        graph = horizon.graph
        self.tick_minutes = [horizon.minutes_from_start(tick) for tick in horizon.ticks]
        self.sample_minutes = [horizon.minutes_from_start(sample) for sample in horizon.samples]
        self.tick_of_sample = [bisect_right(horizon.ticks, sample) - 1 for sample in horizon.samples]
        current = current_data_time(graph, horizon.initial_state, horizon.start)
        self.initial: list[float | None] = [
            None if (data_time := current.get(unique_id)) is None else horizon.minutes_from_start(data_time)
            for unique_id in graph.order
        ]
        # observed sources: what is known at each tick (None: no data known = live)
        self.source_at_tick: dict[int, list[float | None]] = {}
        for i in range(graph.n):
            if horizon.is_observed[i]:
                self.source_at_tick[i] = [
                    None if (loaded_at := horizon.source_freshness(i, tick)) is None
                    else horizon.minutes_from_start(loaded_at)
                    for tick in horizon.ticks
                ]
        # per table-like node and tick k: the best data a rebuild in the invocation of k gives it
        # (None: nothing contributes), and the earliest instant that rebuild can complete
        self.best_data: dict[int, list[float] | None] = {}
        self.completion: dict[int, list[float]] = {}
        for i in range(graph.n):
            if horizon.is_table_like[i]:
                self._add_table(i)
        # per SLA model and sample: the best data it can have, and whether even that is overdue
        self.best: list[list[float | None]] = []
        self.unavoidable: list[bytearray] = []
        for m, sla in enumerate(horizon.sla_models):
            row = [self.best_data_time(sla.node, j) for j in range(len(horizon.samples))]
            self.best.append(row)
            self.unavoidable.append(bytearray(
                1 if (best is not None and best < required) else 0
                for best, required in zip(row, horizon.requirements[m], strict=True)
            ))
        self.builds: dict[int, list[int]] = {}  # filled by result(): node -> tick indices of its builds

    # ---- best achievable data
    def _add_table(self, i: int) -> None:
        tick_count = len(self.horizon.ticks)
        if i not in self.horizon.buildable_set:  # cannot be rebuilt: keeps what it has
            initial = self.initial[i]
            self.best_data[i] = None if initial is None else [initial] * tick_count
            self.completion[i] = [EARLIEST] * tick_count
            return
        row = self._best_row(i)
        self.best_data[i] = row
        self.completion[i] = [EARLIEST] * tick_count if row is None else self._completion_row(i, row)

    def _best_row(self, i: int) -> list[float] | None:
        """Per tick: the minimum over i's root sources of what is known of them then."""
        horizon, tick_minutes = self.horizon, self.tick_minutes
        contributing = False
        row = [LATEST] * len(tick_minutes)
        frontier = horizon.frontier[i]
        if not frontier:
            row = list(tick_minutes)
            contributing = True
        for f in frontier:
            if horizon.is_source[f]:
                if horizon.is_observed[f]:
                    known = self.source_at_tick[f]
                    row = [min(best, tick_minutes[k] if loaded is None else loaded)
                           for k, (best, loaded) in enumerate(zip(row, known, strict=True))]
                else:
                    row = [min(best, minutes) for best, minutes in zip(row, tick_minutes, strict=True)]
                contributing = True
            elif horizon.is_seed[f]:
                continue
            elif horizon.is_pass_through[f]:  # parentless view: live
                row = [min(best, minutes) for best, minutes in zip(row, tick_minutes, strict=True)]
                contributing = True
            else:
                upstream = self.best_data.get(f)
                if upstream is None:
                    continue
                row = list(map(min, row, upstream))
                contributing = True
        return row if contributing else None

    def _completion_row(self, i: int, best_row: list[float]) -> list[float]:
        """Per tick k: when a rebuild of i with best_row[k] can complete at the earliest."""
        horizon, tick_minutes = self.horizon, self.tick_minutes
        own = horizon.duration_seconds[i] / 60.0
        tables = [f for f in horizon.frontier[i] if horizon.is_table_like[f] and self.best_data.get(f) is not None]
        row = []
        for k in range(len(tick_minutes)):
            wanted = best_row[k]
            ready = tick_minutes[k]
            for f in tables:
                holding = self._earliest_holding(f, wanted)
                if holding > ready:
                    ready = holding
            row.append(ready + own)
        for k in range(1, len(row)):  # monotone by construction; guard against float noise
            if row[k] < row[k - 1]:
                row[k] = row[k - 1]
        return row

    def _earliest_holding(self, f: int, wanted: float) -> float:
        """Earliest instant table-like f can hold data >= wanted."""
        initial = self.initial[f]
        if initial is not None and initial >= wanted:
            return EARLIEST
        best = self.best_data.get(f)
        if best is None:
            return EARLIEST
        k = bisect_left(best, wanted)
        if k >= len(best):
            return LATEST
        return self.completion[f][k]

    def _best_table(self, i: int, j: int) -> float | None:
        initial = self.initial[i]
        best = self.best_data.get(i)
        if best is None:
            return initial
        k = bisect_right(self.completion[i], self.sample_minutes[j]) - 1
        if k < 0:
            return initial
        value = best[k]
        return value if initial is None or value > initial else initial

    def best_data_time(self, i: int, j: int) -> float | None:
        """Best data time node i can have at sample j (None: no data / static)."""
        horizon = self.horizon
        if horizon.is_table_like[i]:
            return self._best_table(i, j)
        at = self.sample_minutes[j]
        frontier = horizon.frontier[i]
        if not frontier:
            return at  # a parentless view is live
        best = None
        k = self.tick_of_sample[j]
        for f in frontier:
            if horizon.is_source[f]:
                loaded = self.source_at_tick[f][k] if horizon.is_observed[f] else None
                value = at if loaded is None else loaded
            elif horizon.is_seed[f]:
                continue
            elif horizon.is_pass_through[f]:
                value = at
            else:
                table = self._best_table(f, j)
                if table is None:
                    continue
                value = table
            if best is None or value < best:
                best = value
        return best

    # ---- fewest builds
    def result(self) -> StrategyResult:
        horizon = self.horizon
        graph = horizon.graph
        needs = self._needs()
        self.builds = {}
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
        result.violation_minutes = sum(sum(row) for row in self.unavoidable) * horizon.resolution_minutes
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
                        for best, required in zip(self.best[m], horizon.requirements[m], strict=True)]
            if horizon.is_table_like[sla.node]:
                add(sla.node, feasible)
            else:
                for f in horizon.frontier[sla.node]:
                    if horizon.is_table_like[f]:
                        add(f, feasible)
        for i in range(horizon.graph.n - 1, -1, -1):  # reverse topological: a node's needs are complete when reached
            if i not in needs:
                continue
            initial = self.initial[i]
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
        horizon, tick_minutes = self.horizon, self.tick_minutes
        best = self.best_data.get(i)
        node_state = horizon.initial_state.get(horizon.graph.order[i])
        ticks_built: list[int] = []
        initial = self.initial[i]
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
            sample_tick = self.tick_of_sample[j]
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
                k = bisect_right(tick_minutes, self.sample_minutes[j] - own) - 1
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
        flags = [tick > since] if not parents else [self._has_new_data(p, since, k, set()) for p in parents]
        return all(flags) if (policy.updates_on or "any").lower() == "all" else any(flags)

    def _has_new_data(self, p: int, since: datetime, k: int, seen: set[int]) -> bool:
        """Whether parent p has data newer than `since` at tick k, counting the bound's own builds upstream."""
        horizon = self.horizon
        tick = horizon.ticks[k]
        if horizon.is_source[p]:
            if not horizon.is_observed[p]:
                return tick > since
            latest = horizon.source_freshness(p, tick)
            if latest is None:
                return tick > since
            before = horizon.source_freshness(p, since)
            return before is None or latest > before
        node_state = horizon.initial_state.get(horizon.graph.order[p])
        if horizon.is_seed[p]:
            return seed_changed_since(node_state, since)
        if horizon.is_table_like[p]:
            for built in reversed(self.builds.get(p, ())):
                if built > k:
                    continue
                return horizon.ticks[built] > since or built == k
            return bool(node_state is not None and node_state.last_success is not None
                        and node_state.last_success.completed_at > since)
        # view / ephemeral: new data when anything in its frontier has
        parents = horizon.graph.parents[p]
        if not parents:
            return tick > since
        if p in seen:
            return False
        seen.add(p)
        return any(self._has_new_data(q, since, k, seen) for q in parents)

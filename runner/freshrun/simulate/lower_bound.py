"""The lower bound, from the graph, the policies and the arrivals alone: the best data any schedule
could give each model at every sample (so the violations no schedule avoids), and the fewest rebuilds
that meet every policy wherever it can be met.  The reasoning is in docs/simulate.md."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ..planner import current_data_time
from .fewest_builds import FewestBuilds
from .horizon import EARLIEST, LATEST, Horizon
from .results import StrategyResult


class LowerBound:
    """The best data each node can have at each tick and sample of one horizon, and the violations even
    that data has.  Times are minutes since the start of the horizon."""

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

    def result(self) -> StrategyResult:
        """The bound as a strategy's result: the fewest builds (see fewest_builds.py), the unavoidable violations."""
        fewest = FewestBuilds(self)
        result = fewest.count()
        self.builds = fewest.builds
        return result

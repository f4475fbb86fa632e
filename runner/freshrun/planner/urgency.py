"""Lag and cron urgency: must an SLA node get fresher data at this tick, and from which data time?

As late as possible: a node is selected when waiting one tick would miss its deadline,
counting the expected build times of the chain the next tick would have to build -- the chain
any improvement needs (the node and its ancestors whose data is no newer than its own) or, if
longer, the chain for the requirement the next tick would set (a later requirement makes more
ancestors stale).  The requirement is then raised until the node, rebuilt after the ancestors
it makes stale, would not need again at once (the least fixpoint: never "rebuild everything
because everything takes long"), and further towards the newest data its observed sources
hold, as far as that does not lengthen the chain it waits for.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime, timedelta

from .context import Context
from .durations import selectable_table_chain_seconds
from .graph import TABLE
from .requirements import stale_closure
from .sla import Requirement, Sla

SETTLE_ROUNDS = 12  # rounds raising a requirement to its fixpoint; converges in 2-3 in practice
_ONE_MICROSECOND = timedelta(microseconds=1)


class Urgency:
    """Requirement searches for the SLA nodes of one planner call."""

    def __init__(self, context: Context, selectable: list[bool]):
        self.context = context
        self.selectable = selectable
        self._table_chain: list[float] | None = None

    def _selectable_table_chain(self) -> list[float]:
        if self._table_chain is None:
            context = self.context
            self._table_chain = selectable_table_chain_seconds(context.inputs, context.durations, self.selectable)
        return self._table_chain

    def _own_seconds(self, i: int) -> float:
        return self.context.durations.seconds(i) if self.context.graph.kind[i] == TABLE else 0.0

    def prospect(
        self, x: int, requirement: datetime, chain: list[float], stop: Set[int], with_data_time: bool = False
    ) -> tuple[float, datetime | None]:
        """(expected seconds until x is built if selected now with `requirement`, and -- with
        with_data_time -- the data time x would then get, None: static).  The wait is the
        longest chain through x's ancestors the requirement makes stale (frontier tables with
        data older than it, found transitively) and through nodes already selected (`chain`).
        Nodes in `stop` (blocked) pass the requirement no further up."""
        context = self.context
        graph = context.graph
        kind, selectable = graph.kind, self.selectable
        stale_frontier = context.staleness.stale_frontier
        seconds = context.durations.seconds
        stale_parents_memo: dict[int, list[int]] = {}

        def stale_parents(v: int) -> list[int]:
            parents = stale_parents_memo.get(v)
            if parents is None:
                parents = stale_parents_memo[v] = (
                    [] if v in stop else [f for f in stale_frontier(v, requirement) if selectable[f]]
                )
            return parents

        until_built: dict[int, float] = {}  # stale ancestor -> expected seconds until it is rebuilt
        data_time_after: dict[int, datetime | None] = {}  # stale ancestor -> data time after its rebuild

        built, effective = context.inputs.built, context.data_times.effective
        fixed_contribution, table_frontier = context.rebuilt.fixed_contribution, graph.table_frontier

        def data_time_of(v: int) -> datetime | None:
            data_time = fixed_contribution(v)  # sources, seeds, live members: independent of the requirement
            stale: list[int] | tuple[()] = stale_parents_memo.get(v, ())
            for f in table_frontier(v):
                if f in stale:
                    value = data_time_after[f]
                elif built[f]:
                    value = effective(f)
                else:
                    continue
                if value is not None and (data_time is None or value < data_time):
                    data_time = value
            return data_time

        longest = chain[x]
        for first in stale_parents(x):
            if first not in until_built:
                stack = [(first, False)]
                while stack:
                    v, expanded = stack.pop()
                    if v in until_built:
                        continue
                    if not expanded:
                        stack.append((v, True))
                        stack.extend((a, False) for a in stale_parents(v) if a not in until_built)
                    else:
                        wait = chain[v]
                        for a in stale_parents(v):
                            if until_built[a] > wait:
                                wait = until_built[a]
                        until_built[v] = wait + seconds(v)
                        if with_data_time:
                            data_time_after[v] = data_time_of(v)
            if until_built[first] > longest:
                longest = until_built[first]
        total = longest + (seconds(x) if kind[x] == TABLE else 0.0)
        if with_data_time:
            return total, data_time_of(x)
        return total, None

    def settle(
        self,
        i: int,
        sla: Sla,
        requirement: datetime,
        chain: list[float],
        stop: Set[int],
        next_tick: bool = False,
    ) -> datetime:
        """Raise `requirement` until i, rebuilt after the ancestors it makes stale, would get
        data that does not itself need refreshing right away (counting the chain that would
        then limit it).  Least fixpoint: never the self-fulfilling "rebuild everything because
        everything takes long".  next_tick: the same for the requirement the next tick would set."""
        context = self.context
        for _ in range(SETTLE_ROUNDS):
            _, data_time_after = self.prospect(i, requirement, chain, stop, with_data_time=True)
            if data_time_after is None:
                return requirement
            just_newer = data_time_after + _ONE_MICROSECOND
            until_built = timedelta(seconds=self.prospect(i, just_newer, chain, stop)[0])
            if next_tick:
                raised = sla.next_tick_requirement(context, until_built, data_time=data_time_after)
            else:
                raised = sla.requirement(context, until_built, data_time=data_time_after)[0]
            if raised is None:
                return requirement
            raised = max(raised, just_newer)
            if raised <= requirement:
                return requirement
            requirement = raised
        return requirement

    def from_scratch(self, i: int, sla: Sla, chain: list[float], stop: Set[int]) -> datetime:
        """Requirement of a node getting data from scratch now (missing, code change, retry...)."""
        until_built = timedelta(seconds=chain[i] + self._own_seconds(i))
        return self.settle(i, sla, sla.from_scratch_requirement(self.context, until_built), chain, stop)

    def need(self, i: int, sla: Sla, chain: list[float], stop: Set[int], settle: bool = True) -> Requirement:
        """(required data time, description) if i must get fresher data at this tick, else (None, None).

        Waiting for the next tick is too late when the chain that tick would build cannot
        complete by the deadline from there: the chain any improvement needs -- i plus its
        ancestors whose data is no newer than i's (they limit it) -- or, if longer, the chain
        for the requirement the next tick would set (it is later, so more ancestors can be
        too old for it).  settle=False: the first requirement, before settling and raising
        (what i needs to stay fresh through the next tick's rebuild)."""
        context = self.context
        current = sla.current_data_time
        if current is None:
            return None, None
        own = self._own_seconds(i)
        upper_bound = timedelta(seconds=chain[i] + self._selectable_table_chain()[i] + own)
        if sla.requirement(context, upper_bound)[0] is None:
            return None, None  # not urgent even if every table upstream had to be rebuilt first
        seconds = self.prospect(i, current + _ONE_MICROSECOND, chain, stop)[0]
        next_requirement = sla.next_tick_requirement(context, timedelta(seconds=seconds))
        if next_requirement is not None:
            next_requirement = self.settle(
                i, sla, max(next_requirement, current + _ONE_MICROSECOND), chain, stop, next_tick=True
            )
            seconds = max(seconds, self.prospect(i, next_requirement, chain, stop)[0])
        requirement, why = sla.requirement(context, timedelta(seconds=seconds))
        if requirement is None or not settle:
            return requirement, why
        requirement = self.settle(i, sla, requirement, chain, stop)
        return self.raise_for_free(i, requirement, chain, stop), why

    def raise_for_free(self, i: int, requirement: datetime, chain: list[float], stop: Set[int]) -> datetime:
        """Raise `requirement` towards the newest data i's observed sources hold, as far as the
        chain i waits for does not get longer: the ancestors that adds are rebuilt alongside
        the chain needed anyway, cost i no time and postpone its next rebuild.  (The chain only
        grows with the requirement, and only at an ancestor's data time: the answer is one of those.)"""
        context = self.context
        newest = context.achievable.newest_observed(i)
        if newest is None or newest <= requirement:
            return requirement
        seconds = self.prospect(i, requirement, chain, stop)[0]
        if self.prospect(i, newest, chain, stop)[0] <= seconds:
            return newest
        effective, built = context.data_times.effective, context.inputs.built
        candidates = sorted(
            {
                e
                for f in stale_closure(context.staleness, self.selectable, i, newest, stop)
                if built[f] and (e := effective(f)) is not None and requirement < e < newest
            }
        )
        low, high = 0, len(candidates)
        while low < high:
            middle = (low + high) // 2
            if self.prospect(i, candidates[middle], chain, stop)[0] <= seconds:
                requirement = candidates[middle]
                low = middle + 1
            else:
                high = middle
        return requirement

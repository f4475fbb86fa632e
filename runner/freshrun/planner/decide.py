"""Deciding what one tick builds: the entry point :func:`plan` and the fixpoint behind it.

A plan is reached in rounds, because the selection and the time rules depend on each other:
what is built lengthens the chains the lag and cron rules count, and the rules add to what is
built.  Each round: the time needs of the SLA nodes, their propagation to ancestors, the
inputs prepared ahead, then one forward pass deciding every candidate (blocked, build_after,
prepared).  Blocked nodes stop pulling in their ancestors and nodes a late source caps lower
what they ask for; the rounds stop when nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime

from ..model import Node, NodeState, Plan
from .blocked import does_not_improve, rebuild_is_useless
from .build_after import check_build_after
from .classify import classify
from .context import Context
from .decisions import REQUIRED_BY, Classification, Decisions, Refresh
from .durations import chain_seconds
from .graph import TABLE, as_graph, gc_paused
from .prepare import prepare, prepare_targets, reaches_target
from .refresh import pull_in_stale_ancestors
from .requirements import propagate
from .result import write_plan
from .sla import Sla
from .urgency import Urgency

FIXPOINT_ROUNDS = 12  # rounds (selection <-> durations); converges in 2-3 in practice


def plan(
    nodes: Mapping[str, Node],
    state: Mapping[str, NodeState],
    now: datetime,
    interval_minutes: float,
    scope: Set[str] | None = None,
    force: Set[str] = frozenset(),
) -> Plan:
    """Decide what one tick builds, with reasons.  Pure: same inputs, same plan."""
    if not interval_minutes or interval_minutes <= 0:
        raise ValueError("interval_minutes must be > 0")
    with gc_paused():
        context = Context(as_graph(nodes), state, now, interval_minutes)
        found = classify(context, scope, force)
        refresh = pull_in_stale_ancestors(context, found)
        decisions = _Fixpoint(context, found, refresh).run()
        return write_plan(context, found, decisions)


@dataclass
class _TimeNeeds:
    """What the SLA nodes ask for in one round (recomputed when the chains or the blocked / short sets change)."""

    requirements: dict[int, datetime]  # acting SLA node -> its own requirement
    own_needs: dict[int, tuple[str, str]]  # ... -> ("lag" | "cron", description) when the time rule acts
    capped: dict[int, tuple[datetime, datetime]]  # short node -> (requirement, what a late source caps it at)
    prepare_for_this_tick: dict[int, datetime]  # blocked / short node -> data it must hold through the next rebuild
    prepare_for_next_rebuild: dict[int, datetime]  # ... -> the requirement of that rebuild (capped)


@dataclass
class _ForwardPass:
    """One round's decision for every candidate."""

    selection: dict[int, list[str]]
    blocked: dict[int, datetime | None]
    data_time_if_rebuilt: dict[int, datetime | None]
    pass_through_if_rebuilt: dict[int, datetime | None]
    prepared_for: dict[int, datetime]


class _Fixpoint:
    def __init__(self, context: Context, found: Classification, refresh: Refresh):
        self.context = context
        self.found = found
        self.urgency = Urgency(context, found.selectable)
        self.excluded: set[tuple[int, int]] = refresh.excluded  # grows over the rounds
        self.refresh_because = refresh.because
        self.build_after_notes: dict[int, str] = {}
        graph, in_scope = context.graph, found.in_scope
        # SLA constants (evaluated for in-scope nodes; a table must be selectable to act)
        self.slas: dict[int, Sla] = {i: Sla(context, i) for i in graph.sla_nodes if in_scope[i]}
        self.acting, self.from_scratch = self._acting()
        built, selectable = context.inputs.built, found.selectable
        self.build_after_nodes = {i for i in graph.build_after_nodes if selectable[i] and built[i]}

    def _acting(self) -> tuple[list[int], set[int]]:
        """The SLA nodes the time rules consider, and those among them about to get data from
        scratch: a table built this tick anyway (missing, code change, retry, refresh), or a view
        whose frontier has a table that was never built.  The ancestors of the latter must be
        fresh enough to last until the next tick, otherwise the next tick would find them overdue
        and build everything again."""
        context, found, slas = self.context, self.found, self.slas
        graph, built = context.graph, context.inputs.built
        kind, parents, is_pass_through = graph.kind, graph.parents, graph.is_pass_through
        oldest_in_frontier = context.staleness.oldest_in_frontier
        requirement_data_time = context.staleness.requirement_data_time
        acting: list[int] = []
        from_scratch: set[int] = set()
        for i in slas:
            if kind[i] == TABLE:
                if not found.selectable[i]:
                    continue
                if not built[i] or i in found.reasons:
                    from_scratch.add(i)
                    acting.append(i)
                elif slas[i].current_data_time is not None:
                    acting.append(i)
            elif i not in found.waits_for:
                if any(
                    (oldest_in_frontier(p) if is_pass_through[p] else requirement_data_time(p)) == datetime.min
                    for p in parents[i]
                ):
                    from_scratch.add(i)
                    acting.append(i)
                elif slas[i].current_data_time is not None:
                    acting.append(i)
        return acting, from_scratch

    def run(self) -> Decisions:
        context, found = self.context, self.found
        staleness, selectable, in_scope = context.staleness, found.selectable, found.in_scope
        selection: dict[int, list[str]] = {i: list(r) for i, r in found.reasons.items()}
        not_propagating: set[int] = set()  # blocked nodes not built anyway: they pull in no ancestors
        short: set[int] = set()  # SLA nodes whose data after the plan stays below their requirement
        chain_key: frozenset[int] | None = None
        needs_key = None
        for _round in range(FIXPOINT_ROUNDS):
            key = frozenset(selection)
            if key != chain_key:
                chain, chain_key = chain_seconds(context.inputs, context.durations, selection), key
            # time needs: unchanged while the chains and the blocked / short sets are
            if needs_key != (chain_key, len(not_propagating), len(short)):
                needs_key = (chain_key, len(not_propagating), len(short))
                needs = self._time_needs(chain, not_propagating, short)
            excluded_this_round: set[tuple[int, int]] = set()
            requirements, required_by = propagate(
                staleness, selectable, in_scope, needs.requirements, not_propagating, excluded_this_round
            )
            prepare_to, prepared_by = prepare(
                context, selectable, in_scope, needs.prepare_for_this_tick, needs.prepare_for_next_rebuild
            )
            decided = self._forward(chain, needs, requirements, required_by, prepare_to, prepared_by)
            self.excluded |= excluded_this_round
            # a blocked node does not pull its ancestors in next round -- unless it is built
            # anyway (missing, code change, retry...): then its inputs had better be fresh
            stop = {i for i in decided.blocked if i not in decided.selection}
            falling_short = self._falling_short(needs, decided, not_propagating, short)
            stable = decided.selection == selection and stop <= not_propagating and falling_short <= short
            not_propagating |= stop
            short |= falling_short
            selection = decided.selection
            if stable:
                break
        return Decisions(
            selection=selection,
            slas=self.slas,
            requirements=requirements,
            own_needs=needs.own_needs,
            required_by=required_by,
            blocked=decided.blocked,
            data_time_if_rebuilt=decided.data_time_if_rebuilt,
            pass_through_if_rebuilt=decided.pass_through_if_rebuilt,
            chain=chain,
            capped=needs.capped,
            prepared_by=prepared_by,
            prepared_for=decided.prepared_for,
            excluded=self.excluded,
            refresh_because=self.refresh_because,
            build_after_notes=self.build_after_notes,
        )

    def _time_needs(self, chain: list[float], not_propagating: set[int], short: set[int]) -> _TimeNeeds:
        """Each acting SLA node's own requirement.  A short node asks only up to what a late source
        caps it at now: an ancestor already newer than that cap would only lengthen its chain."""
        context, urgency, slas = self.context, self.urgency, self.slas
        newest_now = context.achievable.newest_now
        requirements: dict[int, datetime] = {}
        own_needs: dict[int, tuple[str, str]] = {}
        capped: dict[int, tuple[datetime, datetime]] = {}
        for i in self.acting:
            sla = slas[i]
            if i in self.from_scratch:
                requirements[i] = urgency.from_scratch(i, sla, chain, not_propagating)
                if sla.current_data_time is None:
                    continue
            requirement, why = urgency.need(i, sla, chain, not_propagating)
            if requirement is not None and i in short:
                cap = newest_now(i)
                if cap is not None and cap < requirement:
                    capped[i] = (requirement, cap)
                    requirement = cap
            if requirement is not None:
                if i in requirements and requirements[i] > requirement:
                    requirement = requirements[i]  # (built anyway: the from-scratch requirement is stricter)
                requirements[i] = requirement
                assert why is not None
                own_needs[i] = ("cron" if sla.cron is not None else "lag", why)
        for_this_tick, for_next_rebuild = prepare_targets(
            context, urgency, self.acting, slas, chain, not_propagating, short
        )
        return _TimeNeeds(requirements, own_needs, capped, for_this_tick, for_next_rebuild)

    def _forward(
        self,
        chain: list[float],
        needs: _TimeNeeds,
        requirements: dict[int, datetime],
        required_by: dict[int, list[int]],
        prepare_to: dict[int, datetime],
        prepared_by: dict[int, list[int]],
    ) -> _ForwardPass:
        """Decide every candidate in topological order: its reasons, unless a rebuild would not
        help (blocked); build_after; inputs prepared ahead."""
        context, found, slas = self.context, self.found, self.slas
        graph, inputs = context.graph, context.inputs
        kind, order, built, selectable = graph.kind, graph.order, inputs.built, found.selectable
        effective, current = context.data_times.effective, context.data_times.current
        data_time_if_rebuilt = context.rebuilt.data_time_if_rebuilt
        base, own_needs = found.reasons, needs.own_needs
        from_scratch, build_after_nodes = self.from_scratch, self.build_after_nodes
        selection: dict[int, list[str]] = {}
        rebuilt: dict[int, datetime | None] = {}
        pass_through: dict[int, datetime | None] = {}
        blocked: dict[int, datetime | None] = {}
        prepared_for: dict[int, datetime] = {}
        candidates = set(base) | set(requirements) | set(build_after_nodes) | set(prepared_by)
        for i in sorted(candidates):
            reasons = list(base.get(i, ()))
            if i in requirements and kind[i] == TABLE:
                timed = []
                if i in own_needs:
                    timed.append(own_needs[i][0])
                timed.extend(f"{REQUIRED_BY}{order[x]}" for x in required_by.get(i, ()))
                if timed:
                    would_get = rebuilt[i] = data_time_if_rebuilt(i, selection, rebuilt, pass_through)
                    if does_not_improve(would_get, effective(i) if built[i] else None) or (
                        i in own_needs
                        and not required_by.get(i)
                        and rebuild_is_useless(context, slas[i], i, would_get, chain)
                    ):
                        blocked[i] = would_get
                    else:
                        reasons.extend(timed)
            if i in requirements and kind[i] != TABLE and i not in from_scratch:
                would_get = data_time_if_rebuilt(i, selection, rebuilt, pass_through)
                if does_not_improve(would_get, current(i)) or (
                    i in slas and rebuild_is_useless(context, slas[i], i, would_get, chain)
                ):
                    blocked[i] = would_get
            if kind[i] == TABLE and i in build_after_nodes and "upstream_updated" not in reasons:
                due, note = check_build_after(context, i, selection)
                if due:
                    reasons.append("upstream_updated")
                self.build_after_notes[i] = note
            if i in prepared_by and kind[i] == TABLE and selectable[i] and i not in blocked:
                would_get = data_time_if_rebuilt(i, selection, rebuilt, pass_through)
                if reaches_target(would_get, prepare_to[i], effective(i) if built[i] else None):
                    reasons.extend(f"{REQUIRED_BY}{order[x]}" for x in prepared_by[i])
                    prepared_for[i] = prepare_to[i]
                    rebuilt[i] = would_get
            if reasons and selectable[i]:
                selection[i] = reasons
                if kind[i] == TABLE and i not in rebuilt:
                    rebuilt[i] = data_time_if_rebuilt(i, selection, rebuilt, pass_through)
        return _ForwardPass(selection, blocked, rebuilt, pass_through, prepared_for)

    def _falling_short(
        self, needs: _TimeNeeds, decided: _ForwardPass, not_propagating: set[int], short: set[int]
    ) -> set[int]:
        """SLA nodes that improve but stay below their requirement (a late source caps them)."""
        kind = self.context.graph.kind
        data_time_if_rebuilt = self.context.rebuilt.data_time_if_rebuilt
        falling_short: set[int] = set()
        for i in needs.own_needs:
            if i not in not_propagating and i not in short:
                if kind[i] == TABLE:
                    would_get = decided.data_time_if_rebuilt.get(i)
                else:
                    would_get = data_time_if_rebuilt(
                        i, decided.selection, decided.data_time_if_rebuilt, decided.pass_through_if_rebuilt
                    )
                if would_get is not None and would_get < needs.requirements[i]:
                    falling_short.add(i)
        return falling_short

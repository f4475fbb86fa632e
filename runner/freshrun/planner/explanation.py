"""Explanations: human sentences saying why each node was (not) selected, written on first access.

They read only the hand-off of the earlier stages (:mod:`~freshrun.planner.decisions`), so a
tick that prints no explanation pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..model import Plan
from .context import Context
from .decisions import REQUIRED_BY, Classification, Decisions, Outcome, ordered_reasons
from .graph import EPHEMERAL, OTHER, SEED, SOURCE, TABLE, VIEW
from .sla import Sla, next_deadline
from .text import format_minutes, format_time, minutes

_IDLE_SEED = "seed: loaded and unchanged"
_IDLE_VIEW = "view: built and unchanged; live, never needs a rebuild to become fresh"


def explain(plan: Plan, unique_id: str) -> list[str]:
    """Human sentences saying why unique_id was (not) selected."""
    return list(plan.explanations.get(unique_id, [f"{unique_id}: not part of this project's DAG"]))


class Explanations(Mapping[str, list[str]]):
    """Plan.explanations: {unique_id: sentences} for every node, each written on first access."""

    def __init__(self, explainer: Explainer) -> None:
        self._explainer = explainer
        self._done: dict[str, list[str]] = {}

    def __getitem__(self, uid: str) -> list[str]:
        sentences = self._done.get(uid)
        if sentences is None:
            i = self._explainer.graph.index[uid]  # KeyError for an unknown node, as a dict would
            sentences = self._done[uid] = self._explainer.explanation(i)
        return sentences

    def __iter__(self) -> Iterator[str]:
        return iter(self._explainer.graph.order)

    def __len__(self) -> int:
        return self._explainer.graph.n


class Explainer:
    def __init__(self, context: Context, found: Classification, decisions: Decisions, outcome: Outcome):
        self.context = context
        self.graph = context.graph
        self.found = found
        self.decisions = decisions
        self.outcome = outcome

    def explanation(self, i: int) -> list[str]:
        k = self.graph.kind[i]
        if i in self.outcome.noteworthy or not self.found.in_scope[i] or k in (SOURCE, EPHEMERAL, OTHER):
            return self._explain(i)
        idle = _IDLE_SEED if k == SEED else _IDLE_VIEW if k == VIEW else None
        return [idle if idle is not None else self._idle_sentence(i)]

    def _explain(self, i: int) -> list[str]:
        context, graph, found, decisions, outcome = self.context, self.graph, self.found, self.decisions, self.outcome
        k = graph.kind[i]
        node = graph.node[i]
        order = graph.order
        out: list[str] = []
        sla = decisions.slas.get(i)
        if k == SOURCE:
            value = context.sources.max_loaded_at(i)
            if not node.observed:
                out.append("source: not built by freshrun; unobserved (treated as live)")
            elif value is not None:
                out.append(f"source: not built by freshrun; latest observed max_loaded_at {format_time(value)}")
            else:
                out.append("source: observed, but no usable freshness observation yet (treated as live)")
            return out
        if k in (EPHEMERAL, OTHER):
            out.append(f"{node.materialized}: no relation to build; looked through to its frontier")
        elif not found.in_scope[i]:
            out.append("outside the --select/--exclude scope: never built by this run")
        if i in decisions.selection:
            reasons = ordered_reasons(decisions.selection[i])
            out.append("selected: " + ", ".join(reasons))
            out.extend(self._reason_sentence(i, r) for r in reasons)
            if i in decisions.capped:
                out.append(self._capped_sentence(i))
            if i in decisions.blocked:
                out.append("(not for freshness: " + self._blocked_sentence(i) + ")")
            return out
        told = bool(out)
        if i in found.unrecorded:
            out.append("relation exists but has no recorded history: run `freshrun baseline` to adopt it")
        if i in found.backing_off:
            failures = context.inputs.states[i].consecutive_failures
            out.append(
                f"backing off after {failures} failure{'s' if failures != 1 else ''}: "
                f"next retry at {format_time(found.backing_off[i])}"
            )
        if i in found.waits_for:
            out.append(f"waiting for failing ancestor {order[found.waits_for[i]]} (backing off) before building")
            if i in found.missing_because:
                out.append(f"(it is missing: {found.missing_because[i]})")
        if i in decisions.blocked:
            out.append(self._blocked_sentence(i))
        if sla is not None:
            out.append(self._sla_sentence(i, sla))
            limit = outcome.limited_by.get(i)
            if limit is not None and i not in decisions.blocked and i not in found.waits_for:
                out.append(f"overdue and limited by {limit}: rebuilding cannot meet the policy yet")
        if k == TABLE and i in decisions.build_after_notes:
            out.append(decisions.build_after_notes[i])
        for x in outcome.spared.get(i, ()):
            out.append(
                f"fresh enough for {order[x]}: has {format_time(context.data_times.effective(i))}, and a late source "
                f"lets that get no newer than {format_time(decisions.capped[x][1])} now"
            )
        for f in outcome.excluded_from.get(i, ()):
            out.append(f"needed by {order[f]} but outside the scope: not built")
        if not out or (told and len(out) == 1 and k not in (EPHEMERAL, OTHER)):
            out.append(self._idle_sentence(i))
        return out

    def _reason_sentence(self, i: int, reason: str) -> str:
        context, graph, found, decisions = self.context, self.graph, self.found, self.decisions
        inputs = context.inputs
        if reason == "missing":
            return f"missing: {found.missing_because.get(i, 'never built')}"
        if reason == "code_changed":
            build = inputs.last_success[i]
            assert build is not None
            return (
                "code_changed: its checksum differs from the one recorded at its last build "
                f"({format_time(build.completed_at)})"
            )
        if reason in ("lag", "cron"):
            return f"{reason}: {decisions.own_needs[i][1]}"
        if reason == "upstream_updated":
            return f"upstream_updated: {decisions.build_after_notes.get(i, '')}"
        if reason == "retry":
            failures = inputs.states[i].consecutive_failures
            return (
                f"retry: its last build failed ({failures} consecutive failure{'s' if failures != 1 else ''}); "
                "back-off elapsed"
            )
        if reason == "forced":
            return "forced: requested by refresh"
        if reason.startswith(REQUIRED_BY):
            x = graph.index[reason[len(REQUIRED_BY) :]]  # reasons name nodes of this graph
            why = decisions.refresh_because.get(i, {}).get(x)
            if why:
                return f"{reason}: {why}"
            have = format_time(context.data_times.effective(i)) if inputs.built[i] else "never built"
            if (
                i in decisions.prepared_for
                and x in decisions.prepared_by.get(i, ())
                and x not in decisions.required_by.get(i, ())
            ):
                need = format_time(decisions.prepared_for[i])
                name = graph.node[x].name
                if x in decisions.prepared_for:
                    return f"{reason}: {name} is refreshed ahead too and needs data from {need} or later; has {have}"
                return (
                    f"{reason}: {name} waits for a source that has not moved enough; once it does, it "
                    f"needs data from {need} or later and this has {have}: refreshed now, "
                    "so that rebuild is not held up by it"
                )
            required = decisions.requirements.get(x)
            return f"{reason}: {graph.node[x].name} needs data from {format_time(required)} or later; this has {have}"
        return reason

    def _capped_sentence(self, i: int) -> str:
        requirement, cap = self.decisions.capped[i]
        oldest = self.context.sources.oldest_observed(i)
        by = (
            f"source {oldest[1]} (max_loaded_at {format_time(oldest[0])})"
            if oldest is not None and oldest[0] <= cap
            else "a late source"
        )
        return (
            f"capped: {by} limits it to data from {format_time(cap)}, short of the {format_time(requirement)} it "
            "needs; only inputs older than that are rebuilt first, so it is not held up by the rest"
        )

    def _blocked_sentence(self, i: int) -> str:
        context = self.context
        current = context.data_times.current(i)
        oldest = context.sources.oldest_observed(i)
        if oldest is not None and (current is None or oldest[0] <= current):
            return (
                f"blocked by source {oldest[1]} which has not moved since {format_time(oldest[0])}: "
                f"a rebuild would read data no newer than its current {format_time(current)}"
            )
        return f"blocked: a rebuild would read data no newer than its current {format_time(current)}"

    def _sla_sentence(self, i: int, sla: Sla) -> str:
        context = self.context
        now = context.inputs.now
        lag_limit = minutes(sla.maximum_lag)
        if sla.current_data_time is None:
            if self.graph.kind[i] == TABLE and not context.inputs.built[i]:
                return "policy: no data yet"
            return "never stale by time: only static data (seeds) upstream"
        lag = minutes(now - sla.current_data_time)
        of_limit = f"(lag {format_minutes(lag)} of {format_minutes(lag_limit)})"
        if sla.cron is not None:
            if sla.overdue:
                return f"overdue: missed cron tick {format_time(sla.previous_cron_tick)} {of_limit}"
            deadline = next_deadline(sla, now)
            assert deadline is not None
            return (
                f"fresh for cron {sla.cron.expr} until tick {format_time(deadline)} (data time "
                f"{format_time(sla.current_data_time)}; each tick needs data at most {format_minutes(lag_limit)} old, "
                f"so it builds from {format_time(deadline - sla.maximum_lag)})"
            )
        if sla.overdue:
            return f"overdue since {format_time(sla.deadline)} {of_limit}"
        if self.graph.kind[i] != TABLE and i in self.decisions.requirements:
            return f"view: its upstream is being refreshed for it {of_limit}"
        return f"fresh until {format_time(sla.deadline)} {of_limit}"

    def _idle_sentence(self, i: int) -> str:
        k = self.graph.kind[i]
        node = self.graph.node[i]
        if k == SEED:
            return _IDLE_SEED
        if k == VIEW:
            return _IDLE_VIEW
        if k in (EPHEMERAL, OTHER):
            return "nothing to do"
        if node.policy is None or not (node.policy.has_sla or node.policy.has_build_after):
            return "lazy: nothing needs it"
        return "up to date"
